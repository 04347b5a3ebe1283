"""The kinds of reaction, and their icons: one list for posts, comments and messages."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReactionKind(models.TextChoices):
    LIKE = "like", _("Like")
    CELEBRATE = "celebrate", _("Celebrate")
    SUPPORT = "support", _("Support")
    INSIGHTFUL = "insightful", _("Insightful")
    FUNNY = "funny", _("Funny")


REACTION_ICONS = {
    ReactionKind.LIKE: "👍",
    ReactionKind.CELEBRATE: "🎉",
    ReactionKind.SUPPORT: "💪",
    ReactionKind.INSIGHTFUL: "💡",
    ReactionKind.FUNNY: "😄",
}

# The icons the pages draw (apps/core/icons.py): outline, and filled once it is one's own
# reaction. The emoji above stay for plain text (e-mails, browser notifications).
REACTION_ICON_NAMES = {
    ReactionKind.LIKE: ("hand-thumbs-up", "hand-thumbs-up-fill"),
    ReactionKind.CELEBRATE: ("balloon", "balloon-fill"),
    ReactionKind.SUPPORT: ("heart", "heart-fill"),
    ReactionKind.INSIGHTFUL: ("lightbulb", "lightbulb-fill"),
    ReactionKind.FUNNY: ("emoji-laughing", "emoji-laughing-fill"),
}

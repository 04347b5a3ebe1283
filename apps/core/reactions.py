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

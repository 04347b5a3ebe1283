from django import template

from apps.feeds.cards import render_card
from apps.feeds.models import BADGE_ICONS, REACTION_ICONS, Badge, ReactionKind

register = template.Library()


@register.filter
def reaction_buttons(mine: str | None):
    """[(value to send, icon, label, pressed)]: pressing one's own reaction again removes it.
    Worked out here rather than with three {% if %} per button and card."""
    return [
        ("" if kind == mine else kind.value, REACTION_ICONS[kind], kind.label, "true" if kind == mine else "false")
        for kind in ReactionKind
    ]


@register.filter
def reaction_summary(counts: dict):
    """[(icon, label, count)] in a fixed order, for the kinds that have any."""
    return [(REACTION_ICONS[kind], kind.label, counts[kind.value]) for kind in ReactionKind if counts.get(kind.value)]


@register.filter
def reaction_icon(kind: str) -> str:
    return REACTION_ICONS.get(kind, "")


@register.filter
def reaction_label(kind: str) -> str:
    return ReactionKind(kind).label if kind in ReactionKind.values else ""


@register.filter
def badge_icon(badge: str) -> str:
    return BADGE_ICONS.get(badge, "")


@register.filter
def badge_label(badge: str) -> str:
    return Badge(badge).label if badge in Badge.values else ""


@register.simple_tag(takes_context=True)
def feed_card(context, post):
    """A post's card in a feed (see apps/feeds/cards.py)."""
    return render_card(post, context.get("csrf_token"))

"""Filters and tags of the feeds: Django's template language, and (JINJA_FILTERS) the
Jinja2 templates of the cards (config/jinja2.py)."""

import functools

from django import template
from django.template import defaultfilters, engines
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, ngettext

from apps.core.reactions import REACTION_ICON_NAMES, ReactionKind
from apps.core.when import when_text
from apps.feeds import cards, rules
from apps.feeds.models import BADGE_ICONS, Badge

register = template.Library()


@functools.cache
def _reaction_kinds(language: str) -> list[tuple]:
    """(kind, outline icon, filled icon, label) in `language`, the current one: translated
    once, not per card."""
    return [(kind, *REACTION_ICON_NAMES[kind], str(kind.label)) for kind in ReactionKind]


@register.filter
def reaction_buttons(mine: str | None):
    """[(value to send, icon name, label, pressed)]: pressing one's own reaction again removes
    it; its icon is the filled one. Worked out here rather than with three {% if %} per button
    and card."""
    buttons = []
    for kind, outline, filled, label in _reaction_kinds(get_language()):
        pressed = kind == mine
        icon = filled if pressed else outline
        buttons.append(("" if pressed else kind.value, icon, label, "true" if pressed else "false"))
    return buttons


@register.filter
def reaction_mine(mine: str | None):
    """(icon name, label) of one's own reaction, for the React button; None without one."""
    for kind, _outline, filled, label in _reaction_kinds(get_language()):
        if kind == mine:
            return filled, label
    return None


@register.filter
def reaction_summary(counts: dict):
    """[(kind, icon name, label, count)] in a fixed order, for the kinds that have any."""
    return [
        (kind.value, filled, label, counts[kind.value])
        for kind, _outline, filled, label in _reaction_kinds(get_language())
        if counts.get(kind.value)
    ]


@register.filter
def reaction_icon(kind: str) -> str:
    """The kind's (filled) icon name."""
    return REACTION_ICON_NAMES[kind][1] if kind in ReactionKind.values else "hand-thumbs-up"


@register.filter
def reaction_label(kind: str) -> str:
    return ReactionKind(kind).label if kind in ReactionKind.values else ""


# Praise badges drawn as icons (their emoji, BADGE_ICONS, stay for plain text).
BADGE_ICON_NAMES = {
    Badge.THANKS: "heart",
    Badge.TEAM_PLAYER: "people-fill",
    Badge.ABOVE_AND_BEYOND: "stars",
    Badge.INNOVATOR: "lightbulb",
    Badge.MENTOR: "signpost-split",
    Badge.CUSTOMER_HERO: "trophy",
}


@register.filter
def badge_icon_name(badge: str) -> str:
    return BADGE_ICON_NAMES.get(badge, "award")


@register.filter
def badge_icon(badge: str) -> str:
    return BADGE_ICONS.get(badge, "")


@register.filter
def badge_label(badge: str) -> str:
    return Badge(badge).label if badge in Badge.values else ""


def comments_label(count: int) -> str:
    return ngettext("%(counter)s comment", "%(counter)s comments", count) % {"counter": count}


def votes_label(count: int) -> str:
    return ngettext("%(counter)s vote", "%(counter)s votes", count) % {"counter": count}


def votes_in_all_label(count: int) -> str:
    return ngettext("%(counter)s vote in all.", "%(counter)s votes in all.", count) % {"counter": count}


def poll_closes_label(moment) -> str:
    return gettext("Closes %(date)s.") % {"date": when_text(moment)}


def local_date(value, arg=None) -> str:
    """Django's `date` filter, in the current time zone as Django templates show dates."""
    if value in (None, ""):
        return ""
    return defaultfilters.date(timezone.localtime(value) if timezone.is_aware(value) else value, arg)


JINJA_FILTERS = {
    "date": local_date,
    "filesizeformat": defaultfilters.filesizeformat,
    "badge_icon": badge_icon,
    "badge_label": badge_label,
    "badge_icon_name": badge_icon_name,
    "reaction_summary": reaction_summary,
    "reaction_mine": reaction_mine,
    "reaction_buttons": reaction_buttons,
    "comments_label": comments_label,
    "votes_label": votes_label,
    "votes_in_all_label": votes_in_all_label,
    "poll_closes_label": poll_closes_label,
}


@register.simple_tag(takes_context=True)
def comment_rights(context, comment, post) -> dict:
    """What a comment offers the viewer, from the rules: {"edit", "delete"}. `post`: the
    comment's post as its card has it (from the selectors, with the viewer's role read
    with it), so that asking costs no query."""
    user = context["user"]
    return {
        "edit": rules.can_edit(user, comment),
        # A post not read through the selectors has no viewer_role: the rule reads the role.
        "delete": rules.can_delete(user, comment, post.community, role=getattr(post, "viewer_role", rules.NOT_READ)),
    }


@register.simple_tag(takes_context=True)
def jinja(context, template_name, **values):
    """A Jinja2 partial (templates/jinja/feeds/) inside a Django template, for this request."""
    template = engines["jinja2"].get_template(template_name)
    return mark_safe(template.render(values, context.get("request")))  # noqa: S308 (autoescaped by Jinja2)


@register.simple_tag(takes_context=True)
def post_card(context, post, expanded=False):
    """A post's card outside a feed, not cached; `expanded`: with its comments (the post page)."""
    values = {"post": post, "expanded": expanded}
    if expanded:
        values["comments_html"] = mark_safe(  # noqa: S308 (a Django template's output)
            engines["django"].get_template("feeds/_comments.html").render(context.flatten(), context.get("request"))
        )
    return jinja(context, cards.CARD_TEMPLATE, **values)


@register.simple_tag(takes_context=True)
def feed_cards(context, posts):
    """Posts' cards in a feed (see apps/feeds/cards.py)."""
    if not posts:
        return ""
    return cards.render_cards(posts, str(context.get("csrf_token") or ""), cards.key_prefix())

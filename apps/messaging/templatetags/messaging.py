"""Names, how a conversation's events read ("Anna added Ben and Chloé"), in the current language,
and the chat's layout: day separators, messages grouped by sender, reactions drawn as icons."""

from dataclasses import dataclass
from datetime import date, timedelta

from babel.dates import format_date
from django import template
from django.utils import timezone
from django.utils.text import get_text_list
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.core.reactions import REACTION_ICON_NAMES, ReactionKind
from apps.core.when import formats
from apps.profiles.selectors import display_name

register = template.Library()


@register.filter
def name_of(user) -> str:
    """A person's name, whether or not they have a profile (an account made by an admin)."""
    return display_name(user)


@register.filter
def event_text(message) -> str:
    data = message.data or {}
    actor = display_name(message.sender)
    people = get_text_list(data.get("names") or [], _("and"))
    event = data.get("event")
    if event == "created":
        return _("%(actor)s started the conversation “%(name)s” with %(people)s.") % {
            "actor": actor,
            "name": data.get("name", ""),
            "people": people,
        }
    if event == "added":
        return _("%(actor)s added %(people)s.") % {"actor": actor, "people": people}
    if event == "removed":
        return _("%(actor)s removed %(people)s.") % {"actor": actor, "people": people}
    if event == "left":
        return _("%(actor)s left the conversation.") % {"actor": actor}
    if event == "renamed":
        return _("%(actor)s renamed the conversation “%(name)s”.") % {"actor": actor, "name": data.get("name", "")}
    return ""


# ---------------------------------------------------------------- the chat's layout

GROUP_SECONDS = 5 * 60  # one sender's messages closer than this share one avatar and name


def _local_day(moment) -> date:
    return timezone.localtime(moment).date()


@register.filter
def day_key(moment) -> str:
    """The message's calendar day in the viewer's time zone ("2026-12-07"), for the page's
    script to tell where a day starts."""
    return _local_day(moment).isoformat()


@register.filter
def day_date(moment) -> str:
    """ "Monday 7 December 2026": the day separator's text for a day before yesterday."""
    language = get_language() or "en"
    return format_date(_local_day(moment), format="full", locale=formats(language).locale)


@register.filter
def day_label(moment) -> str:
    """ "Today", "Yesterday" or the date (day_date)."""
    days = (timezone.localdate() - _local_day(moment)).days
    if days == 0:
        return _("Today")
    if days == 1:
        return _("Yesterday")
    return day_date(moment)


@register.simple_tag
def day_keys() -> dict:
    """Today's and yesterday's keys and labels, for the script's separators."""
    today = timezone.localdate()
    return {
        "today": today.isoformat(),
        "yesterday": (today - timedelta(days=1)).isoformat(),
        "today_label": _("Today"),
        "yesterday_label": _("Yesterday"),
    }


@dataclass
class ChatRow:
    message: object
    day: str  # the separator's text before it, when a day starts with it
    continued: bool  # the same sender as the message before, within GROUP_SECONDS


@register.filter
def chat_rows(page) -> list[ChatRow]:
    """The messages with where each day starts and which ones continue their sender's group
    (the page's script does the same for the messages it inserts)."""
    rows, previous = [], None
    for message in page:
        new_day = previous is None or _local_day(previous.created_at) != _local_day(message.created_at)
        continued = (
            not new_day
            and not message.is_event
            and not previous.is_event
            and previous.sender_id == message.sender_id
            and (message.created_at - previous.created_at).total_seconds() < GROUP_SECONDS
        )
        rows.append(ChatRow(message, day_label(message.created_at) if new_day else "", continued))
        previous = message
    return rows


@register.filter
def reaction_chips(counts) -> list[tuple[str, str, str, int]]:
    """[(kind, icon, label, count)] for the kinds reacted with, in a fixed order."""
    counts = counts or {}
    return [
        (kind.value, REACTION_ICON_NAMES[kind][0], kind.label, counts[kind.value])
        for kind in ReactionKind
        if counts.get(kind.value)
    ]


@register.simple_tag
def reaction_choices() -> list[tuple[str, str, str]]:
    """[(kind, icon, label)]: what a message can be reacted with."""
    return [(kind.value, REACTION_ICON_NAMES[kind][0], kind.label) for kind in ReactionKind]

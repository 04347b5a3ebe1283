"""Names, and how a conversation's events read ("Anna added Ben and Chloé"), in the current language."""

from django import template
from django.utils.text import get_text_list
from django.utils.translation import gettext as _

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

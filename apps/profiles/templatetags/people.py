"""A person's name with their business card, and their avatar: for Django templates (these
tags) and for the Jinja2 ones (config/jinja2.py), from the same functions."""

import functools

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


def avatar_html(profile, size=96) -> SafeString:
    """A photo when there is one, the person's initials on a colour otherwise (a blank disc
    for an account without a profile, made by an admin)."""
    if not profile:
        return format_html('<span class="avatar avatar-{} avatar-color-0" aria-hidden="true"></span>', size)
    if profile.avatar.get(str(size)):
        url = reverse("people:avatar", args=[profile.user_id, size]) + f"?v={profile.avatar.get('version', '')}"
        return format_html(
            '<img class="avatar avatar-{}" src="{}" alt="" width="{}" height="{}" loading="lazy">',
            size,
            url,
            size,
            size,
        )
    return format_html(
        '<span class="avatar avatar-{} avatar-color-{}" aria-hidden="true">{}</span>',
        size,
        profile.avatar_color,
        profile.initials,
    )


@functools.cache
def _person_urls() -> tuple[str, str]:
    """The card's and the profile's addresses with a marker for the id: one reverse() per
    process, not two per name shown (feed cards show dozens)."""
    return reverse("people:card", args=[918273645]), reverse("people:detail", args=[918273645])


def person_html(profile, user=None) -> SafeString:
    """A person's name, linked to their profile, with a business card on hover or focus;
    just the name of a `user` without a profile."""
    if profile is None:
        return format_html('<span class="person">{}</span>', user.get_full_name() or user.email) if user else ""
    former = ""
    if profile.is_former_employee:
        former = format_html(' <span class="tag tag-former">{}</span>', _("former employee"))
    return format_html(
        '<span class="person" hx-get="{}" hx-trigger="mouseenter once delay:300ms, focusin once" '
        'hx-target="find .person-card-slot" hx-swap="innerHTML"><a href="{}">{}</a>{}'
        '<span class="person-card-slot"></span></span>',
        *(address.replace("918273645", str(profile.user_id)) for address in _person_urls()),
        profile.name,
        former,
    )


@register.simple_tag
def avatar(profile, size=96):
    return avatar_html(profile, size)


@register.simple_tag
def person(profile):
    return person_html(profile)


@register.simple_tag
def person_user(user):
    """`person` for a user: their profile's card, or just their name if they have no profile."""
    return person_html(getattr(user, "profile", None), user)

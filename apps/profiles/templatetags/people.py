from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("profiles/_avatar.html")
def avatar(profile, size=96):
    """A photo when there is one, the person's initials on a colour otherwise."""
    url = None
    if profile.avatar.get(str(size)):
        url = reverse("people:avatar", args=[profile.user_id, size]) + f"?v={profile.avatar.get('version', '')}"
    return {"profile": profile, "size": size, "url": url}


@register.inclusion_tag("profiles/_person.html")
def person(profile):
    """A person's name, linked to their profile, with a business card on hover or focus."""
    return {"profile": profile}


@register.inclusion_tag("profiles/_person.html")
def person_user(user):
    """`person` for a user: their profile's card, or just their name if they have no profile."""
    return {"profile": getattr(user, "profile", None), "user": user}

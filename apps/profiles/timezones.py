"""The viewer's time zone: dates are shown in it (apps/core/when.py reads Django's current zone).

A person's zone is their profile's `time_zone`. Reading it on every request would cost a
query a page, so the session remembers it: the profile page stores it when it is saved,
and a page whose session does not know it yet asks the browser. static/js/timezone.js
posts `Intl.DateTimeFormat().resolvedOptions().timeZone` once to `propose` (people:time_zone):
the zone becomes the profile's if it has none, and either way the profile's zone is
remembered in the session. Until then, and for visitors, the site's TIME_ZONE applies.

`TimeZoneMiddleware` (after AuthenticationMiddleware) activates the session's zone for the
request and tells the page whether to ask (`request.time_zone_unknown`); it reads only the
session, which signing in loads anyway: no query of its own."""

import functools
import zoneinfo

from django.conf import settings
from django.utils import timezone
from django.utils.deprecation import MiddlewareMixin

from apps.profiles.models import Profile

SESSION_KEY = "time_zone"


@functools.cache
def available() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid(zone: str) -> bool:
    return bool(zone) and zone in available()


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def remember(request, zone: str) -> None:
    """The session's zone from now on ("": the person has none; the site's applies)."""
    zone = zone if is_valid(zone) else ""
    if request.session.get(SESSION_KEY) != zone:
        request.session[SESSION_KEY] = zone
    if zone:
        timezone.activate(_zone(zone))


def propose(*, user, zone: str) -> str:
    """The browser's `zone` becomes the profile's if the profile has none and the person may
    set it (a directory may own the field). Returns the profile's zone afterwards ("" for
    none). Raises ValueError for a zone that is not in the tz database."""
    if not is_valid(zone):
        raise ValueError(zone)
    profile = Profile.objects.filter(user=user).only("time_zone", "field_sources").first()
    if profile is None:
        return ""
    if profile.time_zone or profile.source_of("time_zone"):
        return profile.time_zone
    # Only if still unset: two tabs proposing at once write it once.
    Profile.objects.filter(pk=profile.pk, time_zone="").update(time_zone=zone, updated_at=timezone.now())
    return Profile.objects.filter(pk=profile.pk).values_list("time_zone", flat=True).first() or ""


def zone_of(user_id: int) -> str:
    """A person's zone for what is sent to them (an e-mail's dates): their profile's, else
    the site's. One query: for messages, not pages."""
    zone = Profile.objects.filter(user_id=user_id).values_list("time_zone", flat=True).first() or ""
    return zone if is_valid(zone) else settings.TIME_ZONE


def zones_of(user_ids) -> dict[int, str]:
    """zone_of for several people, in one query (a message's readers)."""
    found = dict(Profile.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "time_zone"))
    return {uid: found.get(uid) if is_valid(found.get(uid) or "") else settings.TIME_ZONE for uid in user_ids}


class TimeZoneMiddleware(MiddlewareMixin):
    """Sync and async, like Django's own (config.middleware.SyncMiddlewareChain decides).
    Every request sets the zone, or resets it, before its view: nothing is deactivated after
    the response, whose content may still be rendered (a streamed page)."""

    def process_request(self, request):
        session = getattr(request, "session", None)
        zone = session.get(SESSION_KEY) if session is not None else None
        # The page asks the browser, if a person is signed in (base.html checks): not read
        # here, so that a page without one does not load the account for it.
        request.time_zone_unknown = zone is None
        if zone:
            try:
                timezone.activate(_zone(zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()

"""The shell's parts loaded after the page (htmx, hx-trigger="load"): the left navigation's
communities, the right rail and the top bar's suggestions. They are fetched once the page is
shown, so that a page's own render runs the queries it ran before the shell existed."""

import datetime as dt
import hashlib

from django.core.cache import cache
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods

from apps.communities import selectors as community_selectors
from apps.communities.services import membership_mark_seen
from apps.feeds.selectors import highlights
from apps.pages import onboarding
from apps.profiles import selectors as profile_selectors

RAIL_SECONDS = 300  # the rail is the same for five minutes: one render per person, not per page


@require_http_methods(["GET", "POST"])
def my_communities(request):
    """The viewer's communities, those with posts they have not seen marked. A POST with
    `seen` (sent by a community's own pages) first records that they opened that one."""
    seen, shown = request.POST.get("seen", ""), request.POST.get("shown", "")
    if request.method == "POST" and _number(seen):
        shown_at = dt.datetime.fromtimestamp(int(shown), tz=dt.UTC) if _number(shown, digits=11) else None
        membership_mark_seen(user=request.user, community_id=int(seen), shown_at=shown_at)
    memberships = community_selectors.my_memberships(viewer=request.user)
    news = highlights.communities_with_news(viewer=request.user, memberships=memberships)
    return render(request, "pages/_nav_communities.html", {"memberships": memberships, "news": news})


@require_GET
def rail(request):
    """Suggested people and communities, the week's hashtags, recent praise, today's birthdays
    and work anniversaries (where those fields are public): cached per person and language."""
    key = f"shell:rail:{request.user.pk}:{get_language()}:{timezone.localdate().isoformat()}:{_access(request.user)}"
    html = cache.get(key)
    if html is None:
        viewer = request.user
        # While the welcome steps show, they suggest colleagues and communities: not twice.
        welcomed = onboarding.welcome_status(viewer=viewer).over
        context = {
            "welcomed": welcomed,
            "people": onboarding.colleague_suggestions(viewer=viewer, limit=3) if welcomed else [],
            "communities": community_selectors.community_suggestions(viewer=viewer, limit=3) if welcomed else [],
            "hashtags": highlights.trending_hashtags(viewer=viewer),
            "praise": highlights.recent_praise(viewer=viewer),
            "celebrations": profile_selectors.celebrations(viewer=viewer),
        }
        html = render_to_string("pages/_rail.html", context, request=request)
        cache.set(key, html, RAIL_SECONDS)
    return render(request, "pages/_cached.html", {"html": html})


def _number(value: str, *, digits: int = 18) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= digits


def _access(viewer) -> str:
    """What decides what the rail may show the viewer: the communities they are in, every
    community's last change (a visibility made private), the profile fields an admin made
    private, and whether they are a site admin. It is part of the rail's cache key, so that
    access lost shows at once rather than after RAIL_SECONDS (three small queries)."""
    state = (
        community_selectors.active_community_ids(viewer=viewer),
        community_selectors.last_change(),
        sorted(profile_selectors.private_fields(viewer)),
        viewer.is_staff,
        viewer.is_superuser,
    )
    return hashlib.sha256(repr(state).encode()).hexdigest()[:20]

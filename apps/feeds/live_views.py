"""What a feed page asks for when the live layer says something changed (or after it
reconnects): the posts newer than the ones it shows, and a card afresh."""

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from apps.core.htmx import vary_on_htmx
from apps.feeds import selectors


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 <= number < 2**63 else None


@require_GET
def newer(request):
    """`feed` (home, company, community, profile, hashtag), `subject` (the id the feed is of),
    `since` (the id of the newest post shown). With `count=1`: how many, as JSON; else the
    cards, newest first, to put on top of the feed."""
    feed = request.GET.get("feed", "")
    since = _int(request.GET.get("since"))
    if feed not in selectors.LIVE_FEEDS or since is None:
        raise Http404
    subject = _int(request.GET.get("subject"))
    if request.GET.get("count"):
        count = selectors.newer_posts(
            viewer=request.user, feed=feed, subject_id=subject, since_id=since, count_only=True
        )
        return JsonResponse({"count": count, "more": count > selectors.NEWER_LIMIT})
    posts = selectors.newer_posts(viewer=request.user, feed=feed, subject_id=subject, since_id=since)
    return vary_on_htmx(render(request, "feeds/_newer.html", {"posts": posts}))


@require_GET
def card(request, post_id):
    """One post's card as the viewer may see it now (404 once it is gone or unreadable)."""
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    return render(request, "feeds/_card.html", {"post": post})


@require_GET
def home_sources(request):
    return JsonResponse(selectors.home_sources(viewer=request.user))

"""What a feed page asks for when the live layer says something changed (or after it
reconnects): the posts newer than the ones it shows, a card afresh, and what changed among
the posts and comments it shows while it was not listening."""

from datetime import timedelta

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.core.htmx import vary_on_htmx
from apps.feeds import catch_up, selectors

# Asked for the changes of the last N milliseconds (as long as the page's socket was down),
# the server looks this much further back: a change written just before the socket dropped
# but committed (and announced) after, and the seconds a dead connection takes to be noticed.
CATCH_UP_MARGIN = timedelta(minutes=2)
MISSED_MAX_MS = 3650 * 24 * 3600 * 1000  # ten years: whatever the page says, the oldest looked at


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


def _ids(value: str, limit: int) -> list[int] | None:
    """ "1,2,3" as ids, each once and in order; None if it is anything else."""
    ids = []
    for part in value.split(",") if value else []:
        number = _int(part)
        if number is None or number == 0:
            return None
        if number not in ids:
            ids.append(number)
    return ids[:limit]


@require_GET
def changes(request):
    """After a reconnection: of the posts and comments the page shows (`posts`, `comments`:
    their ids), those changed in the last `missed` milliseconds, drawn again, and those the
    viewer no longer reads (deleted, or their audience changed), as null. JSON:
    {"posts": {id: card or null}, "comments": {id: comment or null}}; what did not change is
    left out."""
    missed = _int(request.GET.get("missed"))
    post_ids = _ids(request.GET.get("posts", ""), catch_up.POSTS_MAX)
    comment_ids = _ids(request.GET.get("comments", ""), catch_up.COMMENTS_MAX)
    if missed is None or post_ids is None or comment_ids is None:
        raise Http404
    # Clamped as a number: timedelta() itself overflows past 999,999,999 days.
    since = timezone.now() - timedelta(milliseconds=min(missed, MISSED_MAX_MS)) - CATCH_UP_MARGIN
    found = catch_up.changes_since(viewer=request.user, since=since, post_ids=post_ids, comment_ids=comment_ids)
    posts = {str(pk): None for pk in found.gone_posts}
    posts |= {str(post.pk): render_to_string("feeds/_card.html", {"post": post}, request) for post in found.posts}
    comments = {str(pk): None for pk in found.gone_comments}
    for comment in found.comments:
        context = {
            "comment": comment,
            "post": found.comment_posts[comment.post_id],
            "is_reply": bool(comment.parent_id),
        }
        comments[str(comment.pk)] = render_to_string("feeds/_comment.html", context, request)
    return JsonResponse({"posts": posts, "comments": comments})

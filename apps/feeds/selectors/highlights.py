"""What the shell shows beside the feeds (apps/pages/views/shell.py): which of one's communities
have posts one has not seen, the hashtags of the week, the latest praise. Each starts from
`Post.objects.visible_to(viewer)`, so nothing counts or shows that the viewer could not read."""

from datetime import timedelta

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from apps.feeds.models import Hashtag, Kind, Post, PraiseRecipient

TRENDING_DAYS = 7


def communities_with_news(*, viewer, memberships) -> set[int]:
    """The communities among `memberships` (the viewer's, with last_seen_at) that have a post
    by someone else since the viewer last opened them (since they joined, if never). One query."""
    if not memberships:
        return set()
    since = {m.community_id: m.last_seen_at or m.created_at for m in memberships}
    newer = Q()
    for community_id, seen in since.items():
        newer |= Q(community_id=community_id, created_at__gt=seen)
    return set(
        Post.objects.visible_to(viewer)
        .filter(newer)
        .exclude(author=viewer)
        .values_list("community_id", flat=True)
        .distinct()
    )


def trending_hashtags(*, viewer, limit: int = 5) -> list[Hashtag]:
    """The hashtags on the most posts of the last week that the viewer may read."""
    week = timezone.now() - timedelta(days=TRENDING_DAYS)
    readable = Post.objects.visible_to(viewer).filter(created_at__gte=week)
    return list(
        Hashtag.objects.filter(posthashtag__post__in=readable)
        .annotate(uses=Count("posthashtag"))
        .order_by("-uses", "name")[:limit]
    )


def recent_praise(*, viewer, limit: int = 3) -> list[Post]:
    """The latest praise the viewer may read, with its author and recipients (three queries)."""
    recipients = PraiseRecipient.objects.select_related("user", "user__profile").order_by("id")
    return list(
        Post.objects.visible_to(viewer)
        .filter(kind=Kind.PRAISE)
        .select_related("author", "author__profile")
        .prefetch_related(Prefetch("praise_recipients", queryset=recipients))
        .order_by("-created_at", "-id")[:limit]
    )


__all__ = ["communities_with_news", "recent_praise", "trending_hashtags"]

"""The feeds: home, all company, a community's, a person's posts and praise, bookmarks, the
deleted posts a moderator may restore, and what is newer than a page shows (the live banner).
Each is a `FeedQuery` built from `visible_to`, read a page at a time by feed_pages.py."""

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, Exists, F, OuterRef, Q, Subquery, Value

from apps.communities.models import MODERATING_ROLES, Community, Membership, State, Visibility, is_site_admin
from apps.feeds.models import Bookmark, HashtagFollow, Kind, Post, PostHashtag, PraiseRecipient
from apps.feeds.selectors.card_rows import AnyOf, _decorated, _finish
from apps.feeds.selectors.feed_pages import PAGE_SIZE, FeedQuery, Page, _feed, _keyset
from apps.feeds.selectors.hashtags import _hashtag
from apps.profiles.models import Follow


def _home(viewer, _subject_id) -> FeedQuery:
    followed = Follow.objects.filter(follower=viewer).values("followee_id")
    communities = Membership.objects.filter(user=viewer, state=State.ACTIVE).values("community_id")
    hashtags = HashtagFollow.objects.filter(user=viewer).values("hashtag_id")
    # A correlated probe per candidate post, not a hash of every post carrying a followed tag.
    tagged = PostHashtag.objects.filter(post=OuterRef("pk"), hashtag__in=hashtags).values("pk")[:1]
    readable = Post.objects.visible_to(viewer)
    posts = readable.alias(tagged=Subquery(tagged)).filter(
        Q(author=viewer)
        | Q(author__in=followed)
        | Q(community__in=communities)
        | Q(kind=Kind.ANNOUNCEMENT, community__isnull=True)
        | Q(tagged__isnull=False)
    )
    return FeedQuery(posts, pinned=readable.filter(community__isnull=True, pinned_at__isnull=False))


def home_feed(*, viewer, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """People I follow, my communities, hashtags I follow, company announcements, and mine."""
    return _feed(_home, viewer, cursor, limit)


def _company(viewer, _subject_id) -> FeedQuery:
    readable = Post.objects.visible_to(viewer)
    posts = readable.filter(
        Q(community__isnull=True) | Q(community__visibility__in=[Visibility.PUBLIC, Visibility.MODERATED])
    )
    return FeedQuery(posts, pinned=readable.filter(community__isnull=True, pinned_at__isnull=False))


def company_feed(*, viewer, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """Everything public: company-wide posts and those of public and moderated communities."""
    return _feed(_company, viewer, cursor, limit)


def _community(viewer, community_id) -> FeedQuery:
    posts = Post.objects.visible_to(viewer).filter(community_id=community_id)
    return FeedQuery(posts, pinned=posts.filter(pinned_at__isnull=False))


def community_feed(*, viewer, community: Community, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    return _feed(_community, viewer, cursor, limit, subject_id=community.pk)


def _profile(viewer, user_id) -> FeedQuery:
    return FeedQuery(Post.objects.visible_to(viewer).filter(author_id=user_id))


def profile_feed(*, viewer, user_id: int, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    return _feed(_profile, viewer, cursor, limit, subject_id=user_id)


def _praise(viewer, user_id) -> FeedQuery:
    received = PraiseRecipient.objects.filter(user_id=user_id, post=OuterRef("pk"))
    return FeedQuery(Post.objects.visible_to(viewer).filter(Exists(received), kind=Kind.PRAISE))


def praise_feed(*, viewer, user_id: int, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """Praise a person received, among the posts the viewer may read."""
    return _feed(_praise, viewer, cursor, limit, subject_id=user_id)


def _bookmarks(viewer, _subject_id) -> FeedQuery:
    posts = (
        Post.objects.visible_to(viewer)
        .filter(bookmarks__user=viewer)
        .annotate(saved_at=F("bookmarks__created_at"), saved_id=F("bookmarks__id"))
    )
    mine = Bookmark.objects.filter(post=OuterRef("pk"), user=viewer)
    saved = {"saved_at": Subquery(mine.values("created_at")[:1]), "saved_id": Subquery(mine.values("id")[:1])}
    return FeedQuery(posts, order=("saved_at", "saved_id"), order_values=saved)


def bookmark_feed(*, viewer, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """My bookmarks, the last saved first; nobody else's are ever read."""
    return _feed(_bookmarks, viewer, cursor, limit)


def deleted_feed(
    *, viewer, community: Community | None = None, cursor: str | None = None, limit: int = PAGE_SIZE
) -> Page:
    """Deleted posts the viewer may restore: all for site admins, their communities' for
    moderators (rules.can_moderate, as a query)."""
    posts = Post.objects.visible_to(viewer, include_deleted=True).filter(deleted_at__isnull=False)
    if community is not None:
        posts = posts.filter(community=community)
    if not is_site_admin(viewer):
        moderated = Membership.objects.filter(user=viewer, state=State.ACTIVE, role__in=MODERATING_ROLES).values(
            "community_id"
        )
        posts = posts.filter(community__in=moderated)
    ids, next_cursor = _keyset(posts, cursor, limit, field_name="deleted_at")
    rows = posts.select_related("author__profile", "community", "deleted_by__profile").filter(pk__in=ids)
    by_id = {post.pk: post for post in rows} if ids else {}
    return Page([by_id[pk] for pk in ids if pk in by_id], next_cursor)


# The feeds a page can ask "anything newer?" of, by name (the live banner, the catch-up).
LIVE_FEEDS = {
    "home": (_home, False),
    "company": (_company, False),
    "community": (_community, True),
    "profile": (_profile, True),
    "hashtag": (_hashtag, True),
}
NEWER_LIMIT = 50


def newer_posts(*, viewer, feed: str, subject_id: int | None, since_id: int, count_only: bool = False):
    """The posts of a feed newer than the one with id `since_id` (the newest a page shows):
    their number (up to NEWER_LIMIT + 1) or, newest first, the cards. Everything goes through
    the feed's own `visible_to` queryset: a feed one may not read has nothing new."""
    build, needs_subject = LIVE_FEEDS[feed]
    if needs_subject and subject_id is None:
        return 0 if count_only else []
    posts = build(viewer, subject_id).posts.filter(pk__gt=since_id)
    if count_only:
        return posts.order_by()[: NEWER_LIMIT + 1].count()
    chosen = posts.order_by("-created_at", "-id").values("pk")[:NEWER_LIMIT]
    rows = _decorated(viewer, readable=Post.objects.filter(AnyOf(F("pk"), ArraySubquery(chosen)))).annotate(
        featured=Value(False, output_field=BooleanField())
    )
    return _finish(sorted(rows, key=lambda post: (post.created_at, post.pk), reverse=True), viewer)


def home_sources(*, viewer) -> dict:
    """What the home feed follows, for a page to tell which live events may concern it
    (the server still decides what is shown: see newer_posts)."""
    return {
        "communities": list(
            Membership.objects.filter(user=viewer, state=State.ACTIVE).values_list("community_id", flat=True)
        ),
        "people": list(Follow.objects.filter(follower=viewer).values_list("followee_id", flat=True)),
    }

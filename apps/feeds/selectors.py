"""Reads of posts. Every feed starts from `Post.objects.visible_to(viewer)` and is one
query: what a card needs beyond the post row (attachments, poll options, praised people,
the viewer's own reaction, vote and bookmark) comes as per-row subqueries, which
PostgreSQL evaluates only for the rows of the page. A page costs the same whatever its
length, and keyset cursors keep page 50 as fast as page 1. A feed's statement is compiled
once per process and prepared on the server (`_feed`, apps/core/prepared.py)."""

import functools
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import JSONObject
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from apps.communities.models import Community, Membership, Role, State, Visibility, is_site_admin
from apps.core import prepared
from apps.core.pagination import cursor_datetime, decode_cursor, encode_cursor, rows_after
from apps.core.text import extract_mentions_and_hashtags, fold, search_terms
from apps.feeds import rules
from apps.feeds.models import (
    Attachment,
    Bookmark,
    Comment,
    Hashtag,
    HashtagFollow,
    Kind,
    PollOption,
    PollVote,
    Post,
    PostHashtag,
    PostRevision,
    PraiseRecipient,
    Reaction,
)
from apps.profiles.models import Follow, Profile

PAGE_SIZE = 20
PINNED_LIMIT = 5
COMMENT_PAGE = 50


class AnyOf(Func):
    """`value = ANY(array)`."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


@dataclass
class Page:
    items: list
    next_cursor: str | None
    pinned: list = field(default_factory=list)


def _attachments(post_ref: str):
    return ArraySubquery(
        Attachment.objects.filter(post=OuterRef(post_ref))
        .order_by("position", "id")
        .values(
            json=JSONObject(
                id="id",
                name="name",
                size="size",
                is_image="is_image",
                width="width",
                height="height",
                thumb="thumbnail",
                state="state",
            )
        )
    )


# What cards never show of the rows joined to a post: long texts, private profile fields,
# search data. Left out of the query, they cost neither the transfer nor the card's cache key.
_UNSHOWN = {
    "author": ("password", "last_login", "date_joined"),
    "author__profile": (
        "pronouns", "job_title", "department", "team", "location", "phone_work", "phone_mobile", "time_zone",
        "languages", "about", "about_html", "start_date", "birthday", "field_sources", "search_text",
        "search_vector", "sort_name",
    ),
    "community": ("description", "description_html", "tags", "cover", "search_text", "sort_name"),
}  # fmt: skip
CARD_DEFERRED = [
    f"{prefix}{relation}__{name}"
    for prefix in ("", "shared_post__")
    for relation, names in _UNSHOWN.items()
    for name in names
]


def _decorated(viewer, readable=None):
    """Posts the viewer may read, with everything their cards show. `readable`: posts
    already narrowed by `visible_to` in the same statement (a feed's page)."""
    mine = {"user": viewer} if viewer.is_authenticated else {"pk__in": []}
    return (
        (Post.objects.visible_to(viewer) if readable is None else readable)
        .select_related("author__profile", "community", "shared_post__author__profile", "shared_post__community")
        .defer(*CARD_DEFERRED)
        .annotate(
            my_reaction=Subquery(Reaction.objects.filter(post=OuterRef("pk"), **mine).values("kind")[:1]),
            bookmarked=Exists(Bookmark.objects.filter(post=OuterRef("pk"), **mine)),
            my_votes=ArraySubquery(PollVote.objects.filter(post=OuterRef("pk"), **mine).values("option_id")),
            viewer_role=Subquery(
                Membership.objects.filter(community=OuterRef("community_id"), state=State.ACTIVE, **mine).values(
                    "role"
                )[:1]
            ),
            # The original of a share is shown only to those who may read it themselves.
            shared_readable=Exists(Post.objects.visible_to(viewer).filter(pk=OuterRef("shared_post_id"))),
            attachment_rows=_attachments("pk"),
            shared_attachment_rows=_attachments("shared_post_id"),
            option_rows=ArraySubquery(
                PollOption.objects.filter(post=OuterRef("pk"))
                .order_by("position", "id")
                .values(json=JSONObject(id="id", label="label", votes="vote_count"))
            ),
            praised_rows=ArraySubquery(
                PraiseRecipient.objects.filter(post=OuterRef("pk"))
                .order_by("id")
                .values(
                    json=JSONObject(
                        id="user_id",
                        display_name="user__profile__display_name",
                        first_name="user__first_name",
                        last_name="user__last_name",
                        email="user__email",
                    )
                )
            ),
        )
    )


def _person(row: dict) -> SimpleNamespace:
    name = row["display_name"] or f"{row['first_name']} {row['last_name']}".strip() or row["email"]
    return SimpleNamespace(user_id=row["id"], name=name)


def _poll(post: Post) -> SimpleNamespace | None:
    if post.kind != Kind.POLL:
        return None
    from django.utils import timezone

    closed = post.poll_closes_at is not None and post.poll_closes_at <= timezone.now()
    voted = set(post.my_votes or [])
    total = sum(row["votes"] for row in post.option_rows)
    options = [
        SimpleNamespace(
            id=row["id"],
            label=row["label"],
            votes=row["votes"],
            percent=round(100 * row["votes"] / total) if total else 0,
            chosen=row["id"] in voted,
        )
        for row in post.option_rows
    ]
    return SimpleNamespace(
        options=options, closed=closed, voted=bool(voted), show_results=closed or bool(voted), total=total
    )


POST_ROUTES = (
    "post",
    "react",
    "reactions",
    "bookmark",
    "share",
    "comments",
    "vote",
    "pin",
    "edit",
    "delete",
    "history",
)


@functools.cache
def _post_urls() -> dict:
    """Each card's addresses from one reverse() per route and process, not one per link
    (a quarter of a feed page's rendering went to {% url %})."""
    marker = "918273645"
    patterns = {name: reverse(f"feeds:{name}", args=[int(marker)]) for name in POST_ROUTES}
    return {name: (lambda pk, pattern=pattern: pattern.replace(marker, str(pk))) for name, pattern in patterns.items()}


def _finish(posts: list[Post], viewer) -> list[Post]:
    """Turn the subquery rows into what templates use; no query."""
    admin = is_site_admin(viewer) if posts else False
    makers = _post_urls() if posts else {}
    for post in posts:
        post.urls = {name: make(post.pk) for name, make in makers.items()}
        post.attachment_list = [SimpleNamespace(**row) for row in post.attachment_rows or []]
        post.images = [a for a in post.attachment_list if a.is_image]
        post.files = [a for a in post.attachment_list if not a.is_image]
        post.praised = [_person(row) for row in post.praised_rows or []]
        post.poll = _poll(post)
        # What the card shows of a share: the original, only for those who may read it.
        post.shared_original = None
        if post.shared_post_id and post.shared_readable:
            original = post.shared_original = post.shared_post
            original.urls = {"post": makers["post"](original.pk)}
            original.attachment_list = [SimpleNamespace(**row) for row in post.shared_attachment_rows or []]
            original.images = [a for a in original.attachment_list if a.is_image]
            original.files = [a for a in original.attachment_list if not a.is_image]
        moderate = admin or (post.community_id is not None and post.viewer_role in (Role.OWNER, Role.MODERATOR))
        can_post_here = viewer.is_authenticated and (
            post.community_id is None
            or (post.community.archived_at is None and (admin or post.viewer_role is not None))
        )
        mine = viewer.is_authenticated and post.author_id == viewer.pk
        post.can = {
            "edit": mine,
            "delete": mine or moderate,
            "moderate": moderate,
            "pin": moderate,
            "comment": can_post_here,
            "best_answer": post.kind == Kind.QUESTION and (mine or moderate),
            "share": post.community_id is None or post.community.visibility != Visibility.PRIVATE or can_post_here,
        }
    return posts


def _keyset(posts, cursor: str | None, limit: int, *, field_name: str = "created_at", id_field: str = "id"):
    """The ids of one page, newest first, and the cursor of the next: a narrow query the
    indexes serve, whatever the decoration the cards need later."""
    after = decode_cursor(cursor, types=(str, int))
    since = cursor_datetime(after[0]) if after else None
    if since is not None:
        posts = posts.filter(rows_after(field_name, since, id_field, after[1], descending=True))
    order = (f"-{field_name}", f"-{id_field}")
    rows = list(posts.order_by(*order).values_list("pk", field_name, id_field)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        _pk, value, ident = rows[limit - 1]
        next_cursor = encode_cursor([value.isoformat(), ident])
    return [row[0] for row in rows[:limit]], next_cursor


@dataclass
class FeedQuery:
    """What a feed shows: its posts (through `visible_to`), the pinned ones if any, and the
    page's order, newest first, as (sort value, tie-breaker) names in `posts`, with how a
    card row gets them when they are not post fields (`order_values`, a bookmark's date)."""

    posts: object
    pinned: object = None
    order: tuple = ("created_at", "id")
    order_values: dict = field(default_factory=dict)


def _feed_statement(query: FeedQuery, viewer, since, last_id, limit):
    """One statement whatever the page: the page's posts (one more, to tell whether there is
    a next page) and the pinned ones are chosen by subqueries of `visible_to` querysets, and
    read with their cards' data in the same snapshot."""
    field_name, id_field = query.order
    posts = query.posts
    if since is not None:
        # Bounded by the cursor: page 50 read 22,000 rows for 21 before (see rows_after).
        posts = posts.filter(rows_after(field_name, since, id_field, last_id, descending=True))
    chosen = posts.order_by(f"-{field_name}", f"-{id_field}").values("pk")[: limit + 1]
    featured = Value(False)
    if query.pinned is not None:
        # Read on every page: each page costs the same, and a pinned post, shown at the top
        # of the first page, is left out of every page's stream.
        top_pinned = query.pinned.order_by("-pinned_at", "-id").values("pk")[:PINNED_LIMIT]
        chosen, featured = chosen.union(top_pinned, all=True), Q(pk__in=top_pinned)
    # "= ANY(ARRAY(...))", not "IN (...)": the planner then reads the chosen rows by primary
    # key instead of joining every post to the subquery's estimated 200 rows.
    readable = Post.objects.filter(AnyOf(F("pk"), ArraySubquery(chosen)))
    return _decorated(viewer, readable=readable).annotate(
        featured=ExpressionWrapper(featured, output_field=BooleanField()), **query.order_values
    )


def _stand_in_viewer():
    """A viewer who is no site administrator, for compiling a feed's statement once."""
    viewer = get_user_model()(pk=prepared.VIEWER, is_active=True)
    viewer._is_site_admin = False
    return viewer


def _for_everyone(viewer) -> bool:
    """Whether the viewer's `visible_to` has the shape compiled statements were built with:
    site administrators' has no audience filter at all, an inactive account's reads nothing."""
    return viewer.is_authenticated and viewer.is_active and not is_site_admin(viewer)


def _feed(build, viewer, cursor, limit, subject_id=None) -> Page:
    """A page of the feed `build(viewer, subject_id)` describes. Its statement is compiled
    once per process for every viewer but site administrators, and run with this viewer's
    values (apps/core/prepared.py)."""
    after = decode_cursor(cursor, types=(str, int))
    since = cursor_datetime(after[0]) if after else None
    last_id = after[1] if since is not None else None
    if not _for_everyone(viewer):
        query = build(viewer, subject_id)
        rows = list(_feed_statement(query, viewer, since, last_id, limit))
        return _page(rows, query, since, last_id, limit, first=cursor is None, viewer=viewer)

    def make():
        stand_in = _stand_in_viewer()
        query = build(stand_in, prepared.SUBJECT)
        return query, _feed_statement(query, stand_in, prepared.SINCE if since else None, prepared.LAST_ID, limit)

    stand_ins = (prepared.VIEWER,) + ((prepared.SUBJECT,) if subject_id is not None else ())
    stand_ins += (prepared.SINCE, prepared.LAST_ID) if since is not None else ()
    query, statement = prepared.compiled(("feed", build.__name__, limit, since is not None), make, stand_ins)
    values = {
        prepared.VIEWER: viewer.pk,
        prepared.SUBJECT: subject_id,
        prepared.SINCE: since,
        prepared.LAST_ID: last_id,
    }
    return _page(statement.run(values), query, since, last_id, limit, first=cursor is None, viewer=viewer)


def _page(rows, query: FeedQuery, since, last_id, limit, *, first: bool, viewer) -> Page:
    field_name, id_field = query.order

    def key(post):
        return (getattr(post, field_name), getattr(post, id_field))

    rows = sorted(rows, key=key, reverse=True)
    # The page's own rows are the first limit + 1 after the cursor (pinned posts newer than
    # the cursor are among the rows on every page).
    page_rows = [post for post in rows if since is None or key(post) < (since, last_id)][: limit + 1]
    next_cursor = None
    if len(page_rows) > limit:
        value, ident = key(page_rows[limit - 1])
        next_cursor = encode_cursor([value.isoformat(), ident])
    pinned = [post for post in rows if post.featured] if first else []
    page = Page(
        items=[post for post in page_rows[:limit] if not post.featured],
        next_cursor=next_cursor,
        pinned=sorted(pinned, key=lambda post: (post.pinned_at, post.pk), reverse=True),
    )
    _finish(page.pinned + page.items, viewer)
    return page


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


def hashtag_get(*, viewer, name: str) -> Hashtag:
    """A hashtag the viewer has met: on a post they may read, or one they follow. A tag used
    only in a private community does not exist for outsiders (its name can say too much)."""
    readable = PostHashtag.objects.filter(hashtag=OuterRef("pk"), post__in=Post.objects.visible_to(viewer).values("pk"))
    followed = HashtagFollow.objects.filter(hashtag=OuterRef("pk"), user=viewer) if viewer.is_authenticated else None
    condition = Exists(readable) | Exists(followed) if followed is not None else Exists(readable)
    return get_object_or_404(Hashtag.objects.filter(condition), name=fold(name)[:60])


def _hashtag(viewer, hashtag_id) -> FeedQuery:
    tagged = PostHashtag.objects.filter(hashtag_id=hashtag_id, post=OuterRef("pk"))
    return FeedQuery(Post.objects.visible_to(viewer).filter(Exists(tagged)))


def hashtag_feed(*, viewer, hashtag: Hashtag, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    return _feed(_hashtag, viewer, cursor, limit, subject_id=hashtag.pk)


def hashtag_spelling(*, viewer, hashtag: Hashtag) -> str:
    """How the tag's heading writes it: as in the newest post carrying it that the viewer
    may read, else its normalised name. Never a spelling the viewer could not read: the
    first use may be a private post, and "#ReOrgAcme" says more than "reorgacme"."""
    tagged = PostHashtag.objects.filter(hashtag=hashtag, post=OuterRef("pk"))
    newest = Post.objects.visible_to(viewer).filter(Exists(tagged)).order_by("-created_at", "-pk")
    body = newest.values_list("body", flat=True).first() or ""
    _mentions, written = extract_mentions_and_hashtags(body)
    return next((tag for tag in written if fold(tag)[:60] == hashtag.name), hashtag.name)


def hashtag_followed(*, viewer, hashtag: Hashtag) -> bool:
    return HashtagFollow.objects.filter(user=viewer, hashtag=hashtag).exists()


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
    """Deleted posts the viewer may restore: all for site admins, their communities' for moderators."""
    posts = Post.objects.visible_to(viewer, include_deleted=True).filter(deleted_at__isnull=False)
    if community is not None:
        posts = posts.filter(community=community)
    if not is_site_admin(viewer):
        moderated = Membership.objects.filter(
            user=viewer, state=State.ACTIVE, role__in=[Role.OWNER, Role.MODERATOR]
        ).values("community_id")
        posts = posts.filter(community__in=moderated)
    ids, next_cursor = _keyset(posts, cursor, limit, field_name="deleted_at")
    rows = posts.select_related("author__profile", "community", "deleted_by__profile").filter(pk__in=ids)
    by_id = {post.pk: post for post in rows} if ids else {}
    return Page([by_id[pk] for pk in ids if pk in by_id], next_cursor)


def post_get(*, viewer, post_id: int) -> Post:
    """One post with its card's data; 404 if the viewer may not read it."""
    if _for_everyone(viewer):

        def make():
            return None, _decorated(_stand_in_viewer()).filter(pk=prepared.SUBJECT)

        _none, statement = prepared.compiled(("post_get",), make, (prepared.VIEWER, prepared.SUBJECT))
        posts = statement.run({prepared.VIEWER: viewer.pk, prepared.SUBJECT: post_id})
    else:
        posts = list(_decorated(viewer).filter(pk=post_id))
    if not posts:
        raise Http404
    return _finish(posts, viewer)[0]


def post_for_moderation(*, viewer, post_id: int) -> Post:
    """A post, deleted or not, that the viewer moderates; 404 otherwise."""
    post = get_object_or_404(
        Post.objects.visible_to(viewer, include_deleted=True).select_related("community", "author__profile"),
        pk=post_id,
    )
    if not rules.can_moderate(viewer, post.community) and not (post.author_id == viewer.pk and not post.is_deleted):
        raise Http404
    return post


def revisions_of(*, post: Post) -> list[PostRevision]:
    return list(post.revisions.select_related("edited_by__profile"))


def comment_get(*, viewer, comment_id: int) -> Comment:
    return get_object_or_404(Comment.objects.visible_to(viewer).select_related("post__community"), pk=comment_id)


def _comments(viewer):
    mine = {"user": viewer} if viewer.is_authenticated else {"pk__in": []}
    return (
        Comment.objects.visible_to(viewer)
        .select_related("author__profile")
        .annotate(my_reaction=Subquery(Reaction.objects.filter(comment=OuterRef("pk"), **mine).values("kind")[:1]))
    )


def comment_card(*, viewer, comment_id: int) -> Comment:
    """A comment with the viewer's reaction, as its card shows it; 404 if unreadable."""
    return get_object_or_404(_comments(viewer), pk=comment_id)


def comments_page(*, viewer, post: Post, cursor: str | None = None, limit: int = COMMENT_PAGE) -> Page:
    """Top-level comments, oldest first, each with its replies: two queries whatever the count."""
    tops = _comments(viewer).filter(post=post, parent__isnull=True)
    after = decode_cursor(cursor, types=(str, int))
    since = cursor_datetime(after[0]) if after else None
    if since is not None:
        tops = tops.filter(rows_after("created_at", since, "id", after[1]))
    rows = list(tops.order_by("created_at", "id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        next_cursor = encode_cursor([rows[limit - 1].created_at.isoformat(), rows[limit - 1].id])
    rows = rows[:limit]
    replies: dict[int, list] = {row.pk: [] for row in rows}
    for reply in _comments(viewer).filter(parent__in=[row.pk for row in rows]).order_by("created_at", "id"):
        replies[reply.parent_id].append(reply)
    for row in rows:
        row.reply_list = replies[row.pk]
    return Page(rows, next_cursor)


def reactors(*, viewer, post: Post | None = None, comment: Comment | None = None, limit: int = 200) -> list[Reaction]:
    """Who reacted, and how, to an item the viewer may read."""
    reactions = Reaction.objects.visible_to(viewer).filter(**({"comment": comment} if comment else {"post": post}))
    return list(reactions.select_related("user__profile").order_by("kind", "-created_at", "-id")[:limit])


def mention_candidates(*, viewer, query: str, community: Community | None = None, limit: int = 8) -> list[dict]:
    """People the viewer may mention where they are writing: everyone active, or, in a
    private community, its members only (a mention never gives access)."""
    terms = search_terms(query, limit=4)
    if not terms:
        return []
    profiles = Profile.objects.visible_to(viewer).active().select_related("user")
    for term in terms:
        profiles = profiles.filter(search_text__contains=term)
    if community is not None and community.visibility == Visibility.PRIVATE:
        profiles = profiles.filter(user__memberships__community=community, user__memberships__state=State.ACTIVE)
    rows = list(profiles.order_by("sort_name", "id")[:limit])
    locals_ = {row.user.email.split("@")[0].lower() for row in rows}
    User = get_user_model()
    clash = Q()
    for local in locals_:
        clash |= Q(email__istartswith=f"{local}@")
    taken: dict[str, int] = {}
    if locals_:
        for email in User.objects.filter(clash, is_active=True).values_list("email", flat=True):
            local = email.split("@")[0].lower()
            taken[local] = taken.get(local, 0) + 1
    results = []
    for row in rows:
        local = row.user.email.split("@")[0]
        handle = local if taken.get(local.lower(), 0) == 1 else row.user.email
        results.append({"id": row.user_id, "name": row.name, "handle": handle, "title": row.job_title})
    return results


def postable_communities(*, viewer) -> list[Community]:
    """Where the viewer may post (the composer's choice and share targets)."""
    communities = Community.objects.visible_to(viewer).filter(archived_at__isnull=True)
    if not is_site_admin(viewer):
        communities = communities.filter(memberships__user=viewer, memberships__state=State.ACTIVE)
    return list(communities.order_by("sort_name", "id"))


def composer_rights(*, viewer, community: Community | None) -> dict:
    if community is not None and hasattr(community, "viewer_state"):
        # Already read by `communities.selectors.community_get`.
        role = community.viewer_role if community.viewer_state == State.ACTIVE else None
    else:
        role = rules.role_in(viewer, community)
    return {
        "post": rules.can_post(viewer, community, role=role),
        "announce": rules.can_announce(viewer, community, role=role),
    }

"""Reads of posts. Every feed starts from `Post.objects.visible_to(viewer)` and is one
query: what a card needs beyond the post row (attachments, poll options, praised people,
the viewer's own reaction, vote and bookmark) comes as per-row subqueries, which
PostgreSQL evaluates only for the rows of the page. A page costs the same whatever its
length, and keyset cursors keep page 50 as fast as page 1."""

from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import JSONObject
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from apps.communities.models import Community, Membership, Role, State, Visibility, is_site_admin
from apps.core.pagination import cursor_datetime, decode_cursor, encode_cursor
from apps.core.text import fold, search_terms
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
            )
        )
    )


def _decorated(viewer):
    """Posts the viewer may read, with everything their cards show."""
    mine = {"user": viewer} if viewer.is_authenticated else {"pk__in": []}
    return (
        Post.objects.visible_to(viewer)
        .select_related("author__profile", "community", "shared_post__author__profile", "shared_post__community")
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


def _post_urls() -> dict:
    """Each card's addresses from one reverse() per route and page, not one per link
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
        posts = posts.filter(Q(**{f"{field_name}__lt": since}) | Q(**{field_name: since, f"{id_field}__lt": after[1]}))
    order = (f"-{field_name}", f"-{id_field}")
    rows = list(posts.order_by(*order).values_list("pk", field_name, id_field)[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        _pk, value, ident = rows[limit - 1]
        next_cursor = encode_cursor([value.isoformat(), ident])
    return [row[0] for row in rows[:limit]], next_cursor


def _feed(viewer, posts, cursor, limit, *, pinned=None, field_name="created_at", id_field="id") -> Page:
    """Three queries whatever the page: its ids, the pinned ids, then the cards of both."""
    ids, next_cursor = _keyset(posts, cursor, limit, field_name=field_name, id_field=id_field)
    pinned_ids = []
    if pinned is not None:
        # Asked on every page: each page costs the same, and a pinned post, shown at the
        # top of the first page, is left out of every page's stream.
        pinned_ids = list(pinned.order_by("-pinned_at", "-id").values_list("pk", flat=True)[:PINNED_LIMIT])
    shown_pinned = pinned_ids if cursor is None else []
    wanted = shown_pinned + [pk for pk in ids if pk not in pinned_ids]
    cards = {post.pk: post for post in _decorated(viewer).filter(pk__in=wanted)} if wanted else {}
    page = Page(
        items=[cards[pk] for pk in ids if pk in cards and pk not in pinned_ids],
        next_cursor=next_cursor,
        pinned=[cards[pk] for pk in shown_pinned if pk in cards],
    )
    _finish(page.pinned + page.items, viewer)
    return page


def home_feed(*, viewer, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """People I follow, my communities, hashtags I follow, company announcements, and mine."""
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
    pinned = readable.filter(community__isnull=True, pinned_at__isnull=False)
    return _feed(viewer, posts, cursor, limit, pinned=pinned)


def company_feed(*, viewer, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """Everything public: company-wide posts and those of public and moderated communities."""
    posts = Post.objects.visible_to(viewer).filter(
        Q(community__isnull=True) | Q(community__visibility__in=[Visibility.PUBLIC, Visibility.MODERATED])
    )
    pinned = Post.objects.visible_to(viewer).filter(community__isnull=True, pinned_at__isnull=False)
    return _feed(viewer, posts, cursor, limit, pinned=pinned)


def community_feed(*, viewer, community: Community, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    posts = Post.objects.visible_to(viewer).filter(community=community)
    return _feed(viewer, posts, cursor, limit, pinned=posts.filter(pinned_at__isnull=False))


def profile_feed(*, viewer, user_id: int, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    return _feed(viewer, Post.objects.visible_to(viewer).filter(author_id=user_id), cursor, limit)


def praise_feed(*, viewer, user_id: int, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """Praise a person received, among the posts the viewer may read."""
    received = PraiseRecipient.objects.filter(user_id=user_id, post=OuterRef("pk"))
    posts = Post.objects.visible_to(viewer).filter(Exists(received), kind=Kind.PRAISE)
    return _feed(viewer, posts, cursor, limit)


def hashtag_get(*, viewer, name: str) -> Hashtag:
    """A hashtag the viewer has met: on a post they may read, or one they follow. A tag used
    only in a private community does not exist for outsiders (its name can say too much)."""
    readable = PostHashtag.objects.filter(hashtag=OuterRef("pk"), post__in=Post.objects.visible_to(viewer).values("pk"))
    followed = HashtagFollow.objects.filter(hashtag=OuterRef("pk"), user=viewer) if viewer.is_authenticated else None
    condition = Exists(readable) | Exists(followed) if followed is not None else Exists(readable)
    return get_object_or_404(Hashtag.objects.filter(condition), name=fold(name)[:60])


def hashtag_feed(*, viewer, hashtag: Hashtag, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    tagged = PostHashtag.objects.filter(hashtag=hashtag, post=OuterRef("pk"))
    return _feed(viewer, Post.objects.visible_to(viewer).filter(Exists(tagged)), cursor, limit)


def hashtag_followed(*, viewer, hashtag: Hashtag) -> bool:
    return HashtagFollow.objects.filter(user=viewer, hashtag=hashtag).exists()


def bookmark_feed(*, viewer, cursor: str | None = None, limit: int = PAGE_SIZE) -> Page:
    """My bookmarks, the last saved first; nobody else's are ever read."""
    posts = (
        Post.objects.visible_to(viewer)
        .filter(bookmarks__user=viewer)
        .annotate(saved_at=F("bookmarks__created_at"), saved_id=F("bookmarks__id"))
    )
    return _feed(viewer, posts, cursor, limit, field_name="saved_at", id_field="saved_id")


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
    post = _decorated(viewer).filter(pk=post_id).first()
    if post is None:
        raise Http404
    return _finish([post], viewer)[0]


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
        tops = tops.filter(Q(created_at__gt=since) | Q(created_at=since, id__gt=after[1]))
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

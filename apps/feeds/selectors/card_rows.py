"""What a card needs beyond the post row (attachments, poll options, praised people, the
viewer's own reaction, vote, bookmark and role) comes as per-row subqueries of the post's
statement, which PostgreSQL evaluates only for the rows of the page (`_decorated`); `_finish`
turns those rows into what the templates use, without a query."""

import functools
from types import SimpleNamespace

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, Exists, Func, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils import timezone

from apps.communities.models import Membership, State
from apps.feeds import rules
from apps.feeds.models import Attachment, Bookmark, Kind, PollOption, PollVote, Post, PraiseRecipient, Reaction


class AnyOf(Func):
    """`value = ANY(array)`."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


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
    """Turn the subquery rows into what templates use; no query. What the viewer may do
    with each post comes from the rules, given the role read with the post."""
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
        post.can = rules.post_rights(viewer, post, role=post.viewer_role)
    return posts

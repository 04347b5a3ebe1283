"""How a feed's page is read. Every feed starts from `Post.objects.visible_to(viewer)` and is
one query, its cards' data included (card_rows.py): a page costs the same whatever its
length, and keyset cursors keep page 50 as fast as page 1. A feed's statement is compiled
once per process and prepared on the server (`_feed`, apps/core/prepared.py)."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import BooleanField, ExpressionWrapper, F, Q, Value

from apps.communities.models import is_site_admin
from apps.core import prepared
from apps.core.pagination import cursor_datetime, decode_cursor, encode_cursor, rows_after
from apps.feeds.models import Post
from apps.feeds.selectors.card_rows import AnyOf, _decorated, _finish

PAGE_SIZE = 20
PINNED_LIMIT = 5


@dataclass
class Page:
    items: list
    next_cursor: str | None
    pinned: list = field(default_factory=list)


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

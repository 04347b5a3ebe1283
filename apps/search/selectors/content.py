"""Posts, comments and files found by a search, each through its app's own `visible_to`.

The "Posts and comments" tab is one list made of two tables: each is asked for the next
page after the same cursor, in the same order (by score or by date, then by kind and id),
and the two are merged. A page runs a fixed number of statements, whatever it shows."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.exceptions import EmptyResultSet
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Substr

from apps.communities.models import Community
from apps.core.pagination import cursor_datetime, decode_cursor, encode_cursor
from apps.feeds.models import Attachment, Comment, Post, PostHashtag
from apps.profiles.selectors import resolve_handles
from apps.search import frequency, sql
from apps.search.models import FileText
from apps.search.query import ParsedQuery

PAGE_SIZE = 20
# Sorted by relevance, the newest RANK_WINDOW matches of each table are ranked: a common word
# matches hundreds of thousands of posts, and ranking reads each one's document (0.9 s at
# 200,000 posts). The score halves within a month (sql.RECENCY_SECONDS), so older matches
# rarely belong on the first pages; "newest first" still reaches every match.
RANK_WINDOW = frequency.RANK_WINDOW  # which also weighs walking against the index
SNIPPET_SOURCE = 20_000  # characters of a document's text a snippet is looked for in
# The order of the kinds between rows of equal score and date: any fixed order will do.
POST, COMMENT, FILE = 2, 1, 0
KINDS = {POST: "posts", COMMENT: "comments", FILE: "files"}
RELEVANCE, NEWEST = "relevance", "newest"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Filters:
    author_ids: list[int] | None = None  # None: anyone; []: an author nobody may find
    community_ids: list[int] | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    kinds: list[str] = field(default_factory=list)
    has_files: bool = False
    hashtags: list[str] = field(default_factory=list)
    sort: str = RELEVANCE
    # Where the words are common (frequency.COLUMNS' names): walked from the newest there.
    common: frozenset[str] = frozenset()
    # Elsewhere, the ids of the matches by kind ("posts", "comments", "files"), found once for
    # the page's statements (sql.matched_ids); a kind left out is looked up in each.
    matched: dict[str, list[int]] = field(default_factory=dict)
    # By kind, the matches counted while the page ranked them: RANK_WINDOW + 1 at most.
    counted: dict[str, int] = field(default_factory=dict)

    @property
    def has_constraints(self) -> bool:
        """Whether anything narrows the search to posts (people, communities and messages
        have no author, community, kind or date of that kind: their tabs then show nothing)."""
        return bool(
            self.author_ids is not None
            or self.community_ids is not None
            or self.date_from
            or self.date_to
            or self.kinds
            or self.has_files
            or self.hashtags
        )


@dataclass
class Hit:
    kind: str  # "post", "comment", "file"
    item: object
    score: float
    created_at: datetime
    text: str = ""  # where the snippet is taken from


@dataclass
class Page:
    items: list = field(default_factory=list)
    next_cursor: str | None = None


def resolve_filters(*, viewer, parsed: ParsedQuery, filters: Filters) -> Filters:
    """The query's operators added to the form's filters. `from:` names people by handle;
    `in:` names communities by address, among those whose content the viewer may read: an
    address that is private to them finds nothing, exactly like one that does not exist."""
    if parsed.authors:
        found = [user.pk for user in resolve_handles(parsed.authors).values()]
        filters.author_ids = _narrowed(filters.author_ids, found if len(found) == len(parsed.authors) else [])
    if parsed.communities:
        readable = Community.objects.content_visible_to(viewer).filter(slug__in=parsed.communities)
        found = list(readable.values_list("pk", flat=True))
        filters.community_ids = _narrowed(filters.community_ids, found if len(found) == len(parsed.communities) else [])
    filters.hashtags = list(dict.fromkeys([*filters.hashtags, *parsed.hashtags]))
    if parsed.has_positive_words:
        filters.common = frequency.common_in(parsed)
        indexed = [kind for kind in ("posts", "comments", "files") if not _walked(kind, filters)]
        filters.matched = sql.matched_ids(parsed.text, indexed)
    return filters


def _walked(kind: str, filters: Filters) -> bool:
    """Whether a kind's matches are found by walking its newest rows (frequency.py)."""
    names = {"posts": {"posts"}, "comments": {"comments"}, "files": {"file names", "file texts"}}[kind]
    return bool(names & filters.common)


def _narrowed(current: list[int] | None, found: list[int]) -> list[int]:
    # Two ways of naming an author (the form's and the box's) must both hold.
    return found if current is None else [pk for pk in current if pk in found]


def post_hits(*, viewer, parsed: ParsedQuery, filters: Filters, as_of, cursor=None, limit=PAGE_SIZE):
    posts = _posts(viewer, parsed, filters, as_of)
    if posts is None:
        return []
    return _page_of(posts, ["author__profile", "community"], _window(parsed, filters), cursor, limit, POST)


def comment_hits(*, viewer, parsed: ParsedQuery, filters: Filters, as_of, cursor=None, limit=PAGE_SIZE):
    comments = _comments(viewer, parsed, filters, as_of)
    if comments is None:
        return []
    related = ["author__profile", "post__community"]
    return _page_of(comments, related, _window(parsed, filters), cursor, limit, COMMENT)


def posts_and_comments(*, viewer, parsed: ParsedQuery, filters: Filters, as_of, cursor=None, limit=PAGE_SIZE):
    """One page of the "Posts and comments" tab: two statements, merged."""
    after = _cursor(cursor)
    rows = post_hits(viewer=viewer, parsed=parsed, filters=filters, as_of=as_of, cursor=after, limit=limit)
    rows += comment_hits(viewer=viewer, parsed=parsed, filters=filters, as_of=as_of, cursor=after, limit=limit)
    rows.sort(key=lambda hit: _key(hit, filters.sort), reverse=True)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor([last.score, last.created_at.isoformat(), _kind_order(last), last.item.pk])
    return Page(page, next_cursor)


def file_hits(*, viewer, parsed: ParsedQuery, filters: Filters, as_of, cursor=None, limit=PAGE_SIZE) -> Page:
    files = _files(viewer, parsed, filters, as_of)
    if files is None:
        return Page()
    text = Substr(FileText.objects.filter(attachment=OuterRef("pk")).values("text")[:1], 1, SNIPPET_SOURCE)
    related = ["post__author__profile", "post__community"]
    rows = _page_of(files, related, _window(parsed, filters), _cursor(cursor), limit, FILE, found_text=text)
    page = rows[:limit]
    next_cursor = None
    if len(rows) > limit:
        last = page[-1]
        next_cursor = encode_cursor([last.score, last.created_at.isoformat(), 0, last.item.pk])
    return Page(page, next_cursor)


# ------------------------------------------------------------------ querysets (also counted)


def _posts(viewer, parsed: ParsedQuery, filters: Filters, as_of):
    """None when nothing is asked (no word, no operator): not every post of the site."""
    if parsed.is_empty:
        return None
    posts = Post.objects.visible_to(viewer)
    if parsed.has_positive_words:
        walked = _walked("posts", filters)
        posts = posts.filter(sql.post_matches(parsed.text, common=walked, ids=filters.matched.get("posts")))
    posts = posts.annotate(score=_score("feeds_post", parsed, filters, as_of))
    posts = _filtered(posts, filters, author="author_id", community="community_id")
    if filters.kinds:
        posts = posts.filter(kind__in=filters.kinds)
    if filters.has_files:
        posts = posts.filter(Exists(Attachment.objects.filter(post=OuterRef("pk"))))
    for tag in filters.hashtags:
        posts = posts.filter(Exists(PostHashtag.objects.filter(post=OuterRef("pk"), hashtag__name=tag)))
    return posts


def _comments(viewer, parsed: ParsedQuery, filters: Filters, as_of):
    """None when the filters are about posts only (a kind, files, a hashtag): comments have none."""
    if filters.kinds or filters.has_files or filters.hashtags or not parsed.has_positive_words:
        return None
    comments = Comment.objects.visible_to(viewer).filter(
        sql.comment_matches(parsed.text, common=_walked("comments", filters), ids=filters.matched.get("comments"))
    )
    comments = comments.annotate(score=_score("feeds_comment", parsed, filters, as_of))
    return _filtered(comments, filters, author="author_id", community="post__community_id")


def _files(viewer, parsed: ParsedQuery, filters: Filters, as_of):
    if parsed.is_empty:
        return None
    files = Attachment.objects.visible_to(viewer)
    if parsed.has_positive_words:
        files = files.filter(
            sql.file_matches(parsed.text, common=_walked("files", filters), ids=filters.matched.get("files"))
        )
    files = files.annotate(score=_score("feeds_attachment", parsed, filters, as_of))
    for tag in filters.hashtags:
        files = files.filter(Exists(PostHashtag.objects.filter(post=OuterRef("post_id"), hashtag__name=tag)))
    if filters.kinds:
        files = files.filter(post__kind__in=filters.kinds)
    return _filtered(files, filters, author="post__author_id", community="post__community_id")


def _score(table: str, parsed: ParsedQuery, filters: Filters, as_of):
    """The relevance, only when the results are sorted by it: ranking reads every match's
    document, the largest cost of a common word's search, for nothing if newest comes first."""
    if filters.sort == RELEVANCE and parsed.has_positive_words:
        return sql.relevance(table, parsed.text, as_of)
    return Value(0.0)


def _window(parsed: ParsedQuery, filters: Filters) -> dict | None:
    """Where a ranking window's size is recorded (`Filters.counted`), when the results are
    ranked; None when they are not (newest first, or no word to rank by)."""
    return filters.counted if filters.sort == RELEVANCE and parsed.has_positive_words else None


def _filtered(rows, filters: Filters, *, author: str, community: str):
    if filters.author_ids is not None:
        rows = rows.filter(**{f"{author}__in": filters.author_ids})
    if filters.community_ids is not None:
        rows = rows.filter(**{f"{community}__in": filters.community_ids})
    if filters.date_from:
        rows = rows.filter(created_at__gte=filters.date_from)
    if filters.date_to:
        rows = rows.filter(created_at__lt=filters.date_to)
    return rows


# ------------------------------------------------------------------ order and cursors


def _cursor(cursor):
    if isinstance(cursor, list) or cursor is None:
        return cursor
    values = decode_cursor(cursor, types=(float, str, int, int))
    created = cursor_datetime(values[1]) if values else None
    if created is None:  # a forged cursor: from the start, as every keyset list does
        return None
    return [values[0], created, values[2], values[3]]


def _after(after, kind_order: int) -> Q:
    """The rows after the cursor, newest first: in the order (created_at, kind, id)
    descending, for a table whose kind is `kind_order` (the cursor's score is that of rows
    not ranked, the same for all)."""
    _score, created, cursor_kind, pk = after
    if kind_order < cursor_kind:
        return Q(created_at__lte=created)
    if kind_order > cursor_kind:
        return Q(created_at__lt=created)
    return Q(created_at__lt=created) | Q(created_at=created, pk__lt=pk)


NEWEST_ORDER = [F("created_at").desc(), F("pk").desc()]


def _page_of(rows, related: list[str], counted: dict | None, after, limit: int, kind_order: int, **shown) -> list[Hit]:
    """The next `limit` + 1 of `rows` (the matches the viewer may see, with their `score`),
    read with `related` and the `shown` annotations. The rows are chosen first and read
    after: joined to their authors before the sort, the thousand matches of a common word
    were joined to every person of the company (a hash of 10,000, 20 ms)."""
    if counted is not None:
        found = _best_in_window(rows, after, limit, kind_order, related, shown, counted)
    else:
        order = NEWEST_ORDER  # nothing ranked: every score is the same
        if after:
            rows = rows.filter(_after(after, kind_order))
        try:
            # Compiled as a statement of its own, then nested: as a queryset, Django would
            # alias the table that sql.py's conditions name, and they would read the outer row.
            chosen, values = rows.order_by(*order).values("pk")[: limit + 1].query.sql_with_params()
        except EmptyResultSet:  # a filter that can match nothing (an author nobody may find)
            return []
        page = rows.model.objects.filter(pk__in=RawSQL(chosen, values))  # noqa: S611 - compiled by Django
        found = list(page.select_related(*related).annotate(score=Value(0.0), **shown).order_by(*order))
    kind = {POST: "post", COMMENT: "comment"}.get(kind_order, "file")
    return [
        Hit(
            kind=kind,
            item=row,
            score=row.score,
            created_at=row.created_at,
            text=(row.found_text or "") if kind == "file" else row.body,
        )
        for row in found
    ]


def _best_in_window(rows, after, limit: int, kind_order: int, related: list[str], shown: dict, counted: dict) -> list:
    """Sorted by relevance: the newest RANK_WINDOW matches are walked (an index on the date)
    with their scores, the best `limit` + 1 after the cursor picked from them, and read. Two
    statements, each planned for what it does: sorted by score in one statement with the
    visibility's join, PostgreSQL read every post a member may see to join a thousand files
    (216 ms instead of 16)."""
    # One more than the window: how many matches there are, up to that, is the tab's count
    # (others.tab_counts), which then need not walk them again.
    # Dates as microseconds (exact integers): Django reads a date through a Python loader,
    # 5 ms for the two thousand of a page's windows.
    micros = RawSQL(f'(extract(epoch FROM "{rows.model._meta.db_table}"."created_at") * 1000000)::bigint', [])  # noqa: S611 - a table name of the code
    window = rows.order_by("-created_at", "-pk").annotate(created_us=micros)
    window = list(window.values_list("score", "created_us", "pk")[: RANK_WINDOW + 1])
    counted[KINDS[kind_order]] = len(window)
    keys = sorted(((score, created, kind_order, pk) for score, created, pk in window[:RANK_WINDOW]), reverse=True)
    if after:
        score, created, cursor_kind, pk = after
        last = (score, (created - EPOCH) // timedelta(microseconds=1), cursor_kind, pk)
        keys = [key for key in keys if key < last]  # in the order (score, created_at, kind, id)
    best = {key[3]: key[0] for key in keys[: limit + 1]}
    if not best:
        return []
    found = list(rows.filter(pk__in=list(best)).select_related(*related).annotate(**shown))
    for row in found:
        row.score = best[row.pk]
    return sorted(found, key=lambda row: (row.score, row.created_at, row.pk), reverse=True)


def _kind_order(hit: Hit) -> int:
    return {"post": POST, "comment": COMMENT}.get(hit.kind, 0)


def _key(hit: Hit, sort: str):
    if sort == NEWEST:
        return (hit.created_at, _kind_order(hit), hit.item.pk)
    return (hit.score, hit.created_at, _kind_order(hit), hit.item.pk)

"""The few SQL expressions search adds to the apps' own querysets.

Every search starts from an app's `visible_to(viewer)` queryset and only adds a condition and
a score to it: who may find a row is decided by the same SQL as who may read it, in the same
statement (no filtering after the fact, so counts and pages agree with what is shown).

The `search_document` columns these read are PostgreSQL's own (migration 0001): the models
do not declare them, so they are named here, on the queryset's own table."""

from typing import NamedTuple

from django.db import connection
from django.db.models import BooleanField, FloatField
from django.db.models.expressions import RawSQL

from apps.feeds.models import Kind
from apps.search.query import ParsedQuery

# A search box's text as one query over both stemmings of every document (migration 0001):
# English and French, each folded like the documents (search_fold; migration 0003).
TSQUERY = "search_query(%s)"

# A month: the age at which a match's score is halved, when results are sorted by relevance.
RECENCY_SECONDS = 30 * 24 * 3600.0


class IndexedPart(NamedTuple):
    """A table whose GIN index finds a kind's matches, as `SELECT id FROM table alias WHERE live
    AND alias.document @@ query`. Constants of the code (S608)."""

    table: str
    alias: str
    id: str  # the kind's id it gives: a poll option gives its post's
    document: str = "search_document"
    live: str = ""  # what keeps deleted rows out
    paired: bool = True  # whether its word pairs are indexed (migration 0004)


# The ids of a kind's rows whose words match, through the GIN indexes (migration 0001): a
# post's text or one of its poll options, a comment, a file's name or its text (read by the
# worker, search_filetext, whose pairs are not indexed: migration 0004 says why).
INDEXED = {
    "posts": [
        IndexedPart("feeds_post", "p", "p.id", live="p.deleted_at IS NULL AND "),
        IndexedPart("feeds_polloption", "o", "o.post_id"),
    ],
    "comments": [IndexedPart("feeds_comment", "c", "c.id", live="c.deleted_at IS NULL AND ")],
    "files": [
        IndexedPart("feeds_attachment", "a", "a.id"),
        IndexedPart("search_filetext", "t", "t.attachment_id", document="document", paired=False),
    ],
}
# Matches of a kind kept as a list for the page's statements; a kind with more is looked up in
# each statement again (frequency.py walks the kinds where a query is that common).
MATCHED_IDS_CAP = 10_000


def _query_params(text: str) -> list[str]:
    return [text]


def _pairs(alias: str, phrases: list[str]) -> tuple[str, list[str]]:
    """A phrase's candidates through the index of word pairs (migration 0004): the rows holding
    its words side by side, where the words' index gives every row holding them anywhere (a
    phrase of common words in no post rechecked 71,000 posts). No condition when the phrase
    has no pair (search_phrase_pairs is NULL; PostgreSQL folds the constant away)."""
    sql = "".join(
        f" AND (search_phrase_pairs(%s) IS NULL OR search_pairs({alias}.search_document) @@ search_phrase_pairs(%s))"
        for _phrase in phrases
    )
    return sql, [value for phrase in phrases for value in (phrase, phrase)]


def _indexed(kind: str, text: str) -> tuple[str, list[str]]:
    """The SQL listing a kind's matching ids, and its parameters."""
    phrases = ParsedQuery(text=text).required_phrases()
    parts, params = [], []
    for part in INDEXED[kind]:
        pairs, pair_params = _pairs(part.alias, phrases) if part.paired else ("", [])
        parts.append(
            f"SELECT {part.id} FROM {part.table} {part.alias} "  # noqa: S608
            f"WHERE {part.live}{part.alias}.{part.document} @@ {TSQUERY}{pairs}"
        )
        params += [*_query_params(text), *pair_params]
    return " UNION ".join(parts), params


def matched_ids(text: str, kinds: list[str]) -> dict[str, list[int]]:
    """The ids of each kind's matches, found once for a page whose count, ranking window and
    list all need them: as a subquery of each, a phrase whose words are common rechecked its
    71,000 candidate posts three times (630 ms at 1 M posts). Who may see them is still
    decided in each statement, by the kind's `visible_to`. Kinds with more than
    MATCHED_IDS_CAP matches are left out."""
    if not kinds:
        return {}
    statements = [_indexed(kind, text) for kind in kinds]
    parts = [f"ARRAY({sql} LIMIT {MATCHED_IDS_CAP + 1})" for sql, _params in statements]
    params = [value for _sql, kind_params in statements for value in kind_params]
    with connection.cursor() as cursor:
        # Constants of the code; the text is a parameter.
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        row = cursor.fetchone()
    return {kind: ids for kind, ids in zip(kinds, row, strict=True) if len(ids) <= MATCHED_IDS_CAP}


def _among(table: str, kind: str, text: str, ids: list[int] | None) -> RawSQL:
    """The rows among a kind's matches: the ids found for the page, or the index's lookup. Read
    by id: given `IN (subquery)`, PostgreSQL read the whole table for the audience rule and
    joined (47 ms instead of a few for a rare word over 60,000 posts)."""
    if ids is not None:
        return RawSQL(f"{table}.id = ANY(%s::bigint[])", [ids], output_field=BooleanField())  # noqa: S611 - SQL of the code, values as parameters
    sql, params = _indexed(kind, text)
    return RawSQL(f"{table}.id = ANY(ARRAY({sql}))", params, output_field=BooleanField())  # noqa: S611 - SQL of the code, values as parameters


def post_matches(text: str, *, common: bool, ids: list[int] | None = None) -> RawSQL:
    """Posts whose text, or one of whose poll options, matches.

    For a rare word (apps/search/frequency.py), among the matches found through the GIN
    indexes. For a common word, the condition tested on each post as the newest are walked
    (post_recent_idx): the list would hold every match."""
    if not common:
        return _among("feeds_post", "posts", text, ids)
    # A poll's options tested as each poll is walked (a few hundred for a page), through the
    # options' post index: a list of every matching option's post would be built in full
    # before the walk, thousands of rows for a word common in polls.
    sql = (
        f"((feeds_post.deleted_at IS NULL AND feeds_post.search_document @@ {TSQUERY}) "  # noqa: S608 - constants of the code; the text is a parameter
        f"OR CASE WHEN feeds_post.kind = '{Kind.POLL}' THEN coalesce((SELECT bool_or(o.search_document @@ {TSQUERY}) "
        "FROM feeds_polloption o WHERE o.post_id = feeds_post.id), false) ELSE false END)"
    )
    return RawSQL(sql, _query_params(text) * 2, output_field=BooleanField())  # noqa: S611 - SQL of the code, values as parameters


def comment_matches(text: str, *, common: bool, ids: list[int] | None = None) -> RawSQL:
    if not common:
        return _among("feeds_comment", "comments", text, ids)
    sql = f"(feeds_comment.deleted_at IS NULL AND feeds_comment.search_document @@ {TSQUERY})"
    return RawSQL(sql, _query_params(text), output_field=BooleanField())  # noqa: S611 - SQL of the code, values as parameters


def file_matches(text: str, *, common: bool, ids: list[int] | None = None) -> RawSQL:
    """Files whose name matches, or whose text (read by the worker, search_filetext) does:
    the same two forms as for posts."""
    if not common:
        return _among("feeds_attachment", "files", text, ids)
    # The text's test as a scalar subquery, run for each file walked: as EXISTS, PostgreSQL
    # hashed the subplan, testing every file's text first (36 ms at 50,000 files, for a
    # page that walks a few hundred); at most one text per file (its primary key).
    sql = (
        f"(feeds_attachment.search_document @@ {TSQUERY} OR coalesce((SELECT t.document @@ {TSQUERY} "  # noqa: S608 - constants of the code; the text is a parameter
        "FROM search_filetext t WHERE t.attachment_id = feeds_attachment.id), false))"
    )
    return RawSQL(sql, _query_params(text) * 2, output_field=BooleanField())  # noqa: S611 - SQL of the code, values as parameters


def relevance(table: str, text: str, as_of) -> RawSQL:
    """How well a row matches, weighed by its age as of `as_of` (fixed for a search and its
    next pages, so that the order does not shift between them). A row found through
    something else than its own text (a poll option, a file's text) still ranks, by age."""
    sql = (
        f"((ts_rank_cd({table}.search_document, {TSQUERY}) + 0.01) / "
        f"(1 + GREATEST(0, extract(epoch FROM (%s::timestamptz - {table}.created_at))) / {RECENCY_SECONDS}))"
    )
    return RawSQL(sql, [*_query_params(text), as_of], output_field=FloatField())  # noqa: S611 - SQL of the code, values as parameters

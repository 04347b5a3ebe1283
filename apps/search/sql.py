"""The few SQL expressions search adds to the apps' own querysets.

Every search starts from an app's `visible_to(viewer)` queryset and only adds a condition and
a score to it: who may find a row is decided by the same SQL as who may read it, in the same
statement (no filtering after the fact, so counts and pages agree with what is shown).

The `search_document` columns these read are PostgreSQL's own (migration 0001): the models
do not declare them, so they are named here, on the queryset's own table."""

from django.db.models import BooleanField, FloatField
from django.db.models.expressions import RawSQL

# A search box's text as one query over both stemmings of every document (migration 0001):
# English and French, each folded like the documents (search_fold).
TSQUERY = "(websearch_to_tsquery('english', search_fold(%s)) || websearch_to_tsquery('french', search_fold(%s)))"

# A month: the age at which a match's score is halved, when results are sorted by relevance.
RECENCY_SECONDS = 30 * 24 * 3600.0


def _query_params(text: str) -> list[str]:
    return [text, text]


def post_matches(text: str, *, common: bool) -> RawSQL:
    """Posts whose text, or one of whose poll options, matches.

    For a rare word (apps/search/frequency.py), the ids of the matches first, through the GIN
    indexes (two index scans, UNION), then the posts read by id: given `IN (subquery)`,
    PostgreSQL read the whole table for the audience rule and joined (47 ms instead of a few
    for a rare word over 60,000 posts). For a common word, the same condition tested on each
    post as the newest are walked (post_recent_idx): the array would hold every match."""
    if common:
        sql = (
            f"((feeds_post.deleted_at IS NULL AND feeds_post.search_document @@ {TSQUERY}) "  # noqa: S608 - constants of the code; the text is a parameter
            "OR feeds_post.id = ANY(ARRAY(SELECT o.post_id FROM feeds_polloption o "
            f"WHERE o.search_document @@ {TSQUERY})))"
        )
    else:
        sql = (
            "feeds_post.id = ANY(ARRAY("  # noqa: S608 - constants of the code; the text is a parameter
            f"SELECT p.id FROM feeds_post p WHERE p.deleted_at IS NULL AND p.search_document @@ {TSQUERY} "
            f"UNION SELECT o.post_id FROM feeds_polloption o WHERE o.search_document @@ {TSQUERY}))"
        )
    return RawSQL(sql, _query_params(text) * 2, output_field=BooleanField())  # noqa: S611 - SQL of the code, values as parameters


def comment_matches(text: str, *, common: bool) -> RawSQL:
    if common:
        sql = f"(feeds_comment.deleted_at IS NULL AND feeds_comment.search_document @@ {TSQUERY})"
    else:
        sql = (
            "feeds_comment.id = ANY(ARRAY("  # noqa: S608 - constants of the code; the text is a parameter
            f"SELECT c.id FROM feeds_comment c WHERE c.deleted_at IS NULL AND c.search_document @@ {TSQUERY}))"
        )
    return RawSQL(sql, _query_params(text), output_field=BooleanField())  # noqa: S611 - SQL of the code, values as parameters


def file_matches(text: str, *, common: bool) -> RawSQL:
    """Files whose name matches, or whose text (read by the worker, search_filetext) does:
    the same two forms as for posts."""
    if common:
        sql = (
            f"(feeds_attachment.search_document @@ {TSQUERY} OR EXISTS("  # noqa: S608 - constants of the code; the text is a parameter
            f"SELECT 1 FROM search_filetext t WHERE t.attachment_id = feeds_attachment.id AND t.document @@ {TSQUERY}))"
        )
    else:
        sql = (
            "feeds_attachment.id = ANY(ARRAY("  # noqa: S608 - constants of the code; the text is a parameter
            f"SELECT a.id FROM feeds_attachment a WHERE a.search_document @@ {TSQUERY} "
            f"UNION SELECT t.attachment_id FROM search_filetext t WHERE t.document @@ {TSQUERY}))"
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

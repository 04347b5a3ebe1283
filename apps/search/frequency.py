"""Whether a search's words are common in a table: walked from the newest rows, or found
through the GIN index.

A rare word is found through its GIN index: every match is read, which is quick when there
are few. A common word matches a large part of a table, and reading every match is what made
its page take 0.9 s at 200,000 posts. For it, walking the rows from the newest (an index on
the date) and testing each is quicker: the walk stops once it has its page, or the window of
matches to rank (RANK_WINDOW).

PostgreSQL's planner would choose so by itself if its estimates were good, but it puts a
word that is not among ANALYZE's most common elements at about half the least common one's
frequency. On the 1.5 M comments of the benchmark's small vocabulary that is 1 %, and it
walked every comment for a word none had (0.45 s). So the choice is made here: for words,
from the same statistics (pg_stats.most_common_elems), in one statement; for a phrase, whose
words can be common while it is rare, by testing it on each table's newest rows.
"""

from django.db import connection

from apps.search.query import ParsedQuery
from apps.search.sql import TSQUERY

# Sorted by relevance, the newest RANK_WINDOW matches of each table are ranked
# (selectors/content.py): what a walk from the newest rows must find.
RANK_WINDOW = 1000
# Measured at 1 M posts: a match read through the index and ranked costs about 15 µs, a row
# walked about 2 µs. The walk reads RANK_WINDOW / frequency rows, the index every match: they
# meet near 1 % of a million rows, and near 0.4 % of ten million.
READ_MATCH_US = 15
WALK_ROW_US = 2
PHRASE_SAMPLE = 1000  # the newest rows of each table a phrase is tested on
# A document's text can be a book's: fewer of them are read for a phrase.
PHRASE_SAMPLE_OF_TEXTS = 100

# The searched columns, by the name the selectors give them, with the order of their newest
# rows (an index each: feeds' post_recent_idx, search's 0002_recent_indexes, a primary key).
COLUMNS = {
    "posts": ("feeds_post", "search_document", "WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC"),
    "comments": ("feeds_comment", "search_document", "WHERE deleted_at IS NULL ORDER BY created_at DESC, id DESC"),
    "file names": ("feeds_attachment", "search_document", "ORDER BY created_at DESC, id DESC"),
    "file texts": ("search_filetext", "document", "ORDER BY attachment_id DESC"),
}

# The query is the English reading of the words OR the French one (sql.TSQUERY): a word can be
# a stop word in one language and so absent from its reading. Each reading matches about as
# often as its rarest word; the query, as its more frequent reading.
_ESTIMATES = """
SELECT s.tablename, s.attname, c.reltuples * (
    SELECT max((
        SELECT min(coalesce(s.most_common_elem_freqs[array_position(s.most_common_elems::text::text[], word)], 0))
        FROM unnest(tsvector_to_array(to_tsvector(language, search_fold(%s)))) AS word
    ))
    FROM unnest(ARRAY['english', 'french']::regconfig[]) AS language
), c.reltuples
FROM pg_stats s
JOIN pg_class c ON c.oid = format('%%I.%%I', s.schemaname, s.tablename)::regclass
WHERE s.schemaname = current_schema() AND (s.tablename, s.attname) IN ({pairs})
"""

# A phrase's matches among a table's newest rows, the rows tested, and the table's size.
_SAMPLE = """
(SELECT count(*) FILTER (WHERE s.document @@ {tsquery}) FROM (
    SELECT {column} AS document FROM {table} {newest} LIMIT {sample}) AS s),
(SELECT count(*) FROM (SELECT 1 FROM {table} {newest} LIMIT {sample}) AS s),
(SELECT reltuples FROM pg_class WHERE oid = '{table}'::regclass)
"""


def is_common(matches: float, rows: float) -> bool:
    """Whether walking a table of `rows` rows from the newest, to find RANK_WINDOW of its
    `matches`, costs less than reading every match through the index."""
    if matches <= 0 or rows <= 0:
        return False
    return matches * READ_MATCH_US >= RANK_WINDOW * (rows / matches) * WALK_ROW_US


def common_in(parsed: ParsedQuery) -> frozenset[str]:
    """The names of COLUMNS in which the query is common. Words joined by "or" match more
    than each and are not estimated: they take the index, as a rare word does."""
    groups, _excluded = parsed.word_groups()
    if len(groups) != 1:
        return frozenset()
    if '"' in parsed.text:
        return _common_phrase_in(parsed.text)
    pairs = ", ".join(f"('{table}', '{column}')" for table, column, _newest in COLUMNS.values())
    with connection.cursor() as cursor:
        cursor.execute(_ESTIMATES.format(pairs=pairs), [" ".join(groups[0])])
        estimates = {(table, column): (matches, rows) for table, column, matches, rows in cursor.fetchall()}
    return frozenset(
        name for name, (table, column, _newest) in COLUMNS.items() if is_common(*estimates.get((table, column), (0, 0)))
    )


def _common_phrase_in(text: str) -> frozenset[str]:
    """A phrase's frequency, from its matches among each table's PHRASE_SAMPLE newest rows
    (an index walk each, a few milliseconds in all): its words' statistics say nothing of how
    often they stand together. The newest rows are the ones a walk would read."""
    parts = [
        _SAMPLE.format(
            tsquery=TSQUERY,
            column=column,
            table=table,
            newest=newest,
            sample=PHRASE_SAMPLE_OF_TEXTS if name == "file texts" else PHRASE_SAMPLE,
        )
        for name, (table, column, newest) in COLUMNS.items()
    ]
    with connection.cursor() as cursor:
        # Constants of the code; the text is a parameter, once per table (sql.TSQUERY).
        cursor.execute(f"SELECT {', '.join(parts)}", [text] * len(COLUMNS))
        row = cursor.fetchone()
    common = set()
    for index, name in enumerate(COLUMNS):
        found, tested, size = row[3 * index : 3 * index + 3]
        rows = max(size, tested)  # a table never analysed says -1
        if tested and is_common(found * rows / tested, rows):
            common.add(name)
    return frozenset(common)

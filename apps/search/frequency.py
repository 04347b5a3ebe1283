"""Whether a search's words are common in a table, as PostgreSQL's own statistics say.

A rare word is found through its GIN index: every match is read, which is quick when there
are few. A common word matches a large part of a table, and reading every match is what made
its page take 0.9 s at 200,000 posts. For it, walking the rows from the newest (an index on
the date) and testing each is quicker: the walk stops once it has its page, or the window of
matches to rank (content.RANK_WINDOW).

PostgreSQL's planner would choose so by itself if its estimates were good, but it puts a
word that is not among ANALYZE's most common elements at about half the least common one's
frequency. On the 1.5 M comments of the benchmark's small vocabulary that is 1 %, and it
walked every comment for a word none had (0.45 s). So the choice is made here, from the
same statistics (pg_stats.most_common_elems), in one statement.
"""

from django.db import connection

from apps.search.query import ParsedQuery

# Matches from which a walk from the newest rows costs less than reading every match.
# Measured at 1 M posts: a match read and ranked costs about 15 µs, a row walked about 2 µs,
# and the walk reads RANK_WINDOW / frequency rows, so the two meet near 1 % of the table.
COMMON_MATCHES = 10_000

# The searched columns, by the name the selectors give them.
COLUMNS = {
    "posts": ("feeds_post", "search_document"),
    "comments": ("feeds_comment", "search_document"),
    "file names": ("feeds_attachment", "search_document"),
    "file texts": ("search_filetext", "document"),
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
)
FROM pg_stats s
JOIN pg_class c ON c.oid = format('%%I.%%I', s.schemaname, s.tablename)::regclass
WHERE s.schemaname = current_schema() AND (s.tablename, s.attname) IN ({pairs})
"""


def common_in(parsed: ParsedQuery) -> frozenset[str]:
    """The names of COLUMNS in which every word of the query is common. Only for a plain
    list of words: a phrase can be rare although its words are not, and words joined by
    "or" match more than each; those take the index, as a rare word does."""
    groups, _excluded = parsed.word_groups()
    if len(groups) != 1 or '"' in parsed.text:
        return frozenset()
    pairs = ", ".join(f"('{table}', '{column}')" for table, column in COLUMNS.values())
    with connection.cursor() as cursor:
        cursor.execute(_ESTIMATES.format(pairs=pairs), [" ".join(groups[0])])
        estimates = {(table, column): matches for table, column, matches in cursor.fetchall()}
    return frozenset(name for name, key in COLUMNS.items() if (estimates.get(key) or 0) >= COMMON_MATCHES)

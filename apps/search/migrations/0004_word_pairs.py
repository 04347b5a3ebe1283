"""Word pairs: a phrase's candidates found through an index of adjacent words.

A GIN index on `search_document` knows which words a row holds, not where: for a phrase,
PostgreSQL reads every row holding all its words to check their positions. A phrase of
common words that no post holds ("bonjour" and "tous", without the "à" between them) read
the 71,000 posts holding both at 1 M posts, 80 ms of a 130 ms page.

- `search_pairs(document)`: each two words that stand side by side in a document, as one
  lexeme "first second" (a lexeme never holds a space: the parser splits at them). A pair
  that a tsvector cannot hold (over 2,047 bytes) is left out of the document and of any query.
  A document whose pairs would not fit in a tsvector has the single lexeme "§" instead.
- `search_phrase_pairs(text)`: the pairs that every document holding the phrase holds, in the
  English reading OR the French one (search_query reads both), OR "§"; NULL when a reading
  has none (a single word, or words kept apart by stop words): then there is no condition.
- A GIN index on `search_pairs(search_document)` beside each `search_document` one, except a
  document's text (search_filetext): a 200,000-character text's pairs would take a fifth of
  a second of the worker's save and often not fit, and no benchmark found phrases in texts slow.

An expression index, not a stored column: the pairs are read only by the index; the rows
are not rewritten, and a row's pairs are computed in its INSERT or UPDATE (0.1 ms for a
post of 100 characters), so they are never stale. The condition is only a pre-filter: the
phrase itself is still tested on each candidate (apps/search/sql.py).
"""

from django.db import migrations

# A tsvector holds at most 1 MB, and a document's pairs take about three times its own size
# when its words are all different (a 500,000-character text of hashes: 0.64 MB of document,
# 1.96 MB of pairs). A row's INSERT must not fail for its index: past the limit its pairs
# are the one lexeme "§", which every phrase's condition accepts (search_phrase_pairs), so
# such a row is still found, by the phrase's own test. A lexeme without a position takes its
# bytes and a 4-byte entry; 8 leaves room for the header.
PAIRS = """CREATE FUNCTION search_pairs(tsvector) RETURNS tsvector
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $pairs$ SELECT CASE WHEN sum(octet_length(pair) + 8) > 1000000 THEN '§'::tsvector
                       ELSE coalesce(array_to_tsvector(array_agg(pair)), ''::tsvector) END
FROM (SELECT DISTINCT first.lexeme || ' ' || second.lexeme AS pair
      FROM (SELECT w.lexeme, p.position FROM unnest($1) AS w, unnest(w.positions) AS p(position)) AS first
      JOIN (SELECT w.lexeme, p.position FROM unnest($1) AS w, unnest(w.positions) AS p(position)) AS second
        ON second.position = first.position + 1
      WHERE octet_length(first.lexeme) + octet_length(second.lexeme) < 2047) AS pairs $pairs$"""

# A reading's pairs ANDed as a tsquery (each quoted: a lexeme may hold tsquery's operators),
# NULL when it has none. A position holding several words would need an OR of its pairs: its
# pairs are left out, which only widens the condition.
READING_PAIRS = """CREATE FUNCTION search_reading_pairs(tsvector) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $reading$ SELECT string_agg(DISTINCT '''' || replace(replace(first.lexeme || ' ' || second.lexeme, '\\', '\\\\'), '''', '''''') || '''', ' & ')::tsquery
FROM (SELECT w.lexeme, p.position, count(*) OVER (PARTITION BY p.position) AS words
      FROM unnest($1) AS w, unnest(w.positions) AS p(position)) AS first
JOIN (SELECT w.lexeme, p.position, count(*) OVER (PARTITION BY p.position) AS words
      FROM unnest($1) AS w, unnest(w.positions) AS p(position)) AS second
  ON second.position = first.position + 1
WHERE first.words = 1 AND second.words = 1
  AND octet_length(first.lexeme) + octet_length(second.lexeme) < 2047 $reading$"""

PHRASE_PAIRS = """CREATE FUNCTION search_phrase_pairs(text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $phrase$ SELECT CASE WHEN english IS NULL OR french IS NULL THEN NULL
                        WHEN english = french THEN english || '§'::tsquery
                        ELSE english || french || '§'::tsquery END
FROM (SELECT search_reading_pairs(to_tsvector('english'::regconfig, search_fold($1))) AS english,
             search_reading_pairs(to_tsvector('french'::regconfig, search_fold($1))) AS french) AS readings $phrase$"""

# Whole-table indexes, unlike the words' (partial: WHERE deleted_at IS NULL): PostgreSQL keeps
# statistics of an index's expression only for a whole-table index. Without them it guessed
# 0.5 % of the posts for any pair, 1 % for a pair OR "§", and sent two parallel workers for
# a lookup that finds nothing (7 ms instead of 0.1). The few deleted rows cost little.
TABLES = ["feeds_post", "feeds_comment", "feeds_polloption", "feeds_attachment"]


class Migration(migrations.Migration):
    dependencies = [("search", "0003_search_query")]

    operations = [
        migrations.RunSQL(PAIRS, "DROP FUNCTION search_pairs(tsvector)"),
        migrations.RunSQL(READING_PAIRS, "DROP FUNCTION search_reading_pairs(tsvector)"),
        migrations.RunSQL(PHRASE_PAIRS, "DROP FUNCTION search_phrase_pairs(text)"),
        *[
            migrations.RunSQL(
                f"CREATE INDEX {table}_search_pairs_gin ON {table} USING gin (search_pairs(search_document))",
                f"DROP INDEX {table}_search_pairs_gin",
            )
            for table in TABLES
        ],
        # The expressions' statistics now, not at autovacuum's next pass over each table.
        migrations.RunSQL(f"ANALYZE {', '.join(TABLES)}", migrations.RunSQL.noop),
    ]

"""search_query(text): the search box's text as one tsquery over both stemmings of the
documents (search_document: English, then French), each reading folded like them.

When both readings are the same (most words: names, "team", "budget", a phrase of them),
one is kept: PostgreSQL tests an `a | a` query's two halves on every row it checks (a
phrase of common words in no post: 80 ms instead of 93 at 1 M posts, of which 54 are
reading the 71,000 candidate documents). IMMUTABLE, so that the planner computes it once,
from the constant text, and sees the query it plans."""

from django.db import migrations

QUERY = """CREATE FUNCTION search_query(text) RETURNS tsquery
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $query$ SELECT CASE WHEN english = french THEN english ELSE english || french END
FROM (SELECT websearch_to_tsquery('english'::regconfig, search_fold($1)) AS english,
             websearch_to_tsquery('french'::regconfig, search_fold($1)) AS french) AS readings $query$"""


class Migration(migrations.Migration):
    dependencies = [("search", "0002_recent_indexes")]

    operations = [migrations.RunSQL(QUERY, "DROP FUNCTION search_query(text)")]

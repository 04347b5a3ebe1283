"""What the directory search stores for a profile and how a search box becomes a query.

One definition for every writer: the profile services, the directory sync's bulk write and
the seeders all store `search_fields(...)`, and the search vector is always
`to_tsvector('simple', search_text)`."""

import time

from django.db import connection

from apps.core.text import fold, search_query_words, search_words

SORT_NAME_LENGTH = 200  # Profile.sort_name's max_length


def search_fields(
    *,
    name: str,
    email: str,
    job_title: str = "",
    department: str = "",
    team: str = "",
    location: str = "",
    skills=(),
) -> tuple[str, str]:
    """(search_text, sort_name) of a profile. `name` is `Profile.name`; `skills` their names.

    search_text holds each word once, folded (case, accents, inner punctuation: see
    `apps.core.text.search_words`), letters and digits only: PostgreSQL's parser reads every
    word of it as one lexeme, so the vector holds exactly these words."""
    parts = [name, email.split("@")[0], job_title, department, team, location, *skills]
    search_text = " ".join(search_words(" ".join(part for part in parts if part)))
    # Folding can lengthen a name ("ß" -> "ss"): the sort key keeps to its column.
    return search_text, fold(name)[:SORT_NAME_LENGTH]


def tsquery(query: str) -> str | None:
    """The search box as a `to_tsquery('simple', ...)` text: every word must be the start of
    a word of the profile. A word typed with inner punctuation matches written whole or in
    parts: "o'brien" is `obrien:* | o & brien:*`. None when nothing searchable was typed."""
    terms = []
    for parts in search_query_words(query):
        prefix = f"{''.join(parts)}:*"
        if len(parts) > 1:
            # The parts but the last were followed by punctuation: whole words.
            prefix = f"({prefix} | {' & '.join(parts[:-1])} & {parts[-1]}:*)"
        terms.append(prefix)
    return " & ".join(terms) or None


# PostgreSQL's own statistics of the stored words (ANALYZE, autovacuum): the share of
# profiles holding each common word, read at most every few minutes by each process.
WORD_STATS = """
SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats
WHERE schemaname = current_schema() AND tablename = 'profiles_profile' AND attname = 'search_vector'
"""
WORD_STATS_SECONDS = 600
_word_stats: dict = {"read_at": None, "shares": None}


def _word_shares() -> dict[str, float] | None:
    """{word: share of profiles holding it} for the words PostgreSQL found common (down to
    a few in a thousand); None before the table was first analysed."""
    now = time.monotonic()
    if _word_stats["read_at"] is None or now - _word_stats["read_at"] > WORD_STATS_SECONDS:
        with connection.cursor() as cursor:
            cursor.execute(WORD_STATS)
            row = cursor.fetchone()
        shares = dict(zip(row[0], row[1], strict=False)) if row and row[0] else None
        _word_stats.update(read_at=now, shares=shares)
    return _word_stats["shares"]


def query_share(query: str) -> float | None:
    """At most which share of the profiles match the search box: the share of its rarest word,
    a word's being the summed shares of the common words it starts (those it does not count
    for less than PostgreSQL keeps). None when unknown (the table never analysed)."""
    shares = _word_shares()
    if shares is None:
        return None

    def starting(prefix: str) -> float:
        return sum(share for word, share in shares.items() if word.startswith(prefix))

    least = 1.0
    for parts in search_query_words(query):
        share = starting("".join(parts))
        if len(parts) > 1:
            share += min(*(shares.get(part, 0.0) for part in parts[:-1]), starting(parts[-1]))
        least = min(least, share)
    return least

"""What the directory search stores for a profile and how a search box becomes a query.

One definition for every writer: the profile services, the directory sync's bulk write and
the seeders all store `search_fields(...)`, and the search vector is always
`to_tsvector('simple', search_text)`."""

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

"""The search box, read: its words, and the operators people type beside them.

- `"exact phrase"` and `-word` are left in the text: PostgreSQL's `websearch_to_tsquery`
  reads them (a phrase, a negation), as it reads `or`.
- `from:@handle` (or `from:handle`): written by that person.
- `in:community-address`: in that community.
- `#tag`: posts carrying that hashtag.

Nothing here reads the database: the selectors resolve handles and addresses, each through
the owning app's own `visible_to`, so that an operator naming something the viewer may not
see finds nothing rather than saying it exists."""

import re
from dataclasses import dataclass, field

from apps.core.text import fold

MAX_LENGTH = 200  # characters of the box that are read; the rest is ignored
MAX_WORDS = 12  # words given to PostgreSQL: a query of a hundred words is not a search

# An operator is a whole token: "from:@anna.martin", "in:sales-emea", "#release-2026".
_OPERATOR = re.compile(r"(?<!\S)(?:(from|in):@?([\w.@%+-]+)|#(\w[\w-]{0,58}))(?!\S)", re.IGNORECASE)
# A phrase, negated or not, is one token: '-"secret plan"' leaves out the phrase.
_WORD = re.compile(r'-?"[^"]*"?|\S+')


@dataclass
class ParsedQuery:
    text: str = ""  # what is left for websearch_to_tsquery
    authors: list[str] = field(default_factory=list)  # handles, as typed
    communities: list[str] = field(default_factory=list)  # addresses (slugs), lower case
    hashtags: list[str] = field(default_factory=list)  # folded, as Hashtag.name stores them

    @property
    def has_positive_words(self) -> bool:
        """Whether the text asks for something, not only for its absence: "-budget" alone
        would read the whole index to return everything without the word."""
        for token in _WORD.findall(self.text):
            stripped = token.strip('"').strip()
            if token.startswith("-") or not stripped or stripped.lower() == "or":
                continue
            if any(ch.isalnum() for ch in stripped):
                return True
        return False

    @property
    def has_filters(self) -> bool:
        return bool(self.authors or self.communities or self.hashtags)

    @property
    def is_empty(self) -> bool:
        return not self.has_positive_words and not self.has_filters

    def word_groups(self) -> tuple[list[list[str]], list[str]]:
        """The text as websearch_to_tsquery reads it, for the searches that compare folded
        words rather than stems (communities, messages): alternatives separated by "or", each
        a list of words that must all be there, and the words that must not be."""
        groups: list[list[str]] = [[]]
        excluded: list[str] = []
        for token in _WORD.findall(self.text):
            words = re.findall(r"\w+", fold(token.lstrip("-")))
            if token.lower() == "or":
                groups.append([])
            elif token.startswith('-"'):
                if words:
                    excluded.append(" ".join(words))  # the phrase, as the folded text holds it
            elif token.startswith("-"):
                excluded.extend(words)
            else:
                groups[-1].extend(words)
        return [group[:MAX_WORDS] for group in groups if group], excluded[:MAX_WORDS]

    def required_phrases(self) -> list[str]:
        """The quoted phrases that every match holds: those not negated, in a text without
        "or" (websearch_to_tsquery ANDs them with the rest). An unclosed quote is left out:
        what the box's reader makes of it is not this function's to guess."""
        if len(self.word_groups()[0]) != 1:
            return []
        return [
            token[1:-1]
            for token in _WORD.findall(self.text)
            if len(token) > 2 and token.startswith('"') and token.endswith('"') and token[1:-1].strip()
        ]

    def positive_terms(self) -> list[str]:
        """The folded words asked for (not negated): what snippets highlight."""
        terms = []
        for token in _WORD.findall(self.text):
            if token.startswith("-"):
                continue
            terms.extend(word for word in re.findall(r"\w+", fold(token)) if word != "or")
        return terms[:MAX_WORDS]


def parse(raw: str) -> ParsedQuery:
    query = ParsedQuery()
    text = (raw or "")[:MAX_LENGTH]

    def take(match: re.Match) -> str:
        operator, value, tag = match.group(1), match.group(2), match.group(3)
        if tag:
            _append_once(query.hashtags, fold(tag))
        elif operator.lower() == "from":
            _append_once(query.authors, value.lower())
        else:
            _append_once(query.communities, value.lower())
        return " "

    text = _OPERATOR.sub(take, text)
    words = _WORD.findall(text)[:MAX_WORDS]
    query.text = " ".join(words)
    return query


def _append_once(values: list[str], value: str) -> None:
    if value and value not in values and len(values) < 5:
        values.append(value)

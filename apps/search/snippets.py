"""The few words around a match, with the words searched for marked.

Made in Python from the result's own text, after the query has chosen the results: it never
decides what is found, so it can only show what the viewer may already read. PostgreSQL's
ts_headline would compare the unfolded text with the folded query ("réunion" with
"reunion") and mark nothing; here both sides are folded the same way (`fold`)."""

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from apps.core.text import fold

WORDS_AROUND = 14  # words shown before and after the first match
MAX_WORDS = 36  # words shown when nothing is marked (a match on a poll option, a file name)
# A link's target first, then the marks: "[text](https://…)" shows as "text".
_MARKDOWN = re.compile(r"\]\([^)]*\)|[*_`>#\[\]]+")
_TOKENS = re.compile(r"\w+|\W+")


def _matches(word: str, terms: list[str]) -> bool:
    """Whether a folded word is one of the terms, give or take an ending: the stems that
    PostgreSQL compares ("meetings" / "meeting", "réunions" / "reunion") share their start."""
    for term in terms:
        if word == term:
            return True
        common = min(len(word), len(term))
        shared = len(_common_prefix(word, term))
        if shared >= 4 and shared >= common - 3:
            return True
        if len(term) < 4 and word.startswith(term) and len(word) - len(term) <= 3:
            return True
    return False


def _common_prefix(a: str, b: str) -> str:
    end = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        end += 1
    return a[:end]


def snippet(text: str, terms: list[str]) -> SafeString:
    """HTML: an excerpt of `text` (markdown marks dropped) around its first match, the
    matching words in <mark>, everything else escaped."""
    plain = " ".join(_MARKDOWN.sub(" ", text or "").split())
    tokens = _TOKENS.findall(plain)
    words = [index for index, token in enumerate(tokens) if token[:1].isalnum() or token[:1] == "_"]
    # Words are compared up to the first match only, then within the excerpt: a file's text
    # holds thousands (comparing all of them took 17 ms for a page of twenty files).
    first = next((n for n, index in enumerate(words) if _matches(fold(tokens[index]), terms)), None)
    if first is not None:
        start, end = max(0, first - WORDS_AROUND), first + WORDS_AROUND + 1
    else:
        start, end = 0, MAX_WORDS
    shown = words[start:end]
    if not shown:
        return mark_safe("")
    marked = {index for index in shown if first is not None and _matches(fold(tokens[index]), terms)}
    last = shown[-1]
    if last + 1 < len(tokens) and tokens[last + 1].strip():
        last += 1  # the punctuation right after the last word shown: "well." not "well"
    pieces = []
    for index in range(shown[0], last + 1):
        token = escape(tokens[index])
        pieces.append(f"<mark>{token}</mark>" if index in marked else token)
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(words) else ""
    return mark_safe(prefix + "".join(pieces) + suffix)  # noqa: S308 - every piece is escaped above

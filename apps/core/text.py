"""Text shared by every app: a markdown subset rendered to sanitised HTML, and the
accent-, case- and punctuation-folding used for search (PostgreSQL's unaccent is not
available)."""

import re
import unicodedata
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "code", "pre", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_CLASSES = {"a": {"mention", "hashtag"}}
URL_SCHEMES = {"http", "https", "mailto"}

# CommonMark without raw HTML, images or headings: bold, italic, links, lists, code, quotes.
_markdown = MarkdownIt("commonmark", {"html": False}).disable(["image", "heading", "lheading", "hr"])

# Letters that Unicode does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans({"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i"})


# @anna.martin or @anna.martin@corp.example; #release-2026 (at least one letter).
MENTION = re.compile(r"(?<![\w@/])@([A-Za-z0-9._%+-]*[A-Za-z0-9](?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")
HASHTAG = re.compile(r"(?<![\w&#/])#(\w[\w-]{0,48}\w|\w)")


def _is_hashtag(name: str) -> bool:
    return any(ch.isalpha() for ch in name)


def _text_tokens(tokens: list[Token]):
    """The plain-text pieces of a parsed document outside links and code: where a mention
    or a hashtag may be written."""
    for block in tokens:
        if block.type != "inline" or not block.children:
            continue
        inside_link = 0
        for child in block.children:
            if child.type == "link_open":
                inside_link += 1
            elif child.type == "link_close":
                inside_link -= 1
            elif child.type == "text" and not inside_link:
                yield block, child


def extract_mentions_and_hashtags(source: str) -> tuple[list[str], list[str]]:
    """The handles mentioned and the hashtags written in a markdown source, in order, once
    each (code spans, code blocks and links excluded). Hashtags come back as written."""
    mentions, hashtags = [], []
    for _block, token in _text_tokens(_markdown.parse(source or "")):
        for handle in MENTION.findall(token.content):
            if handle.lower() not in (m.lower() for m in mentions):
                mentions.append(handle)
        for tag in HASHTAG.findall(token.content):
            if _is_hashtag(tag) and fold(tag) not in (fold(t) for t in hashtags):
                hashtags.append(tag)
    return mentions, hashtags


def _link(href: str, label: str, css_class: str) -> list[Token]:
    opening = Token("link_open", "a", 1, attrs={"href": href, "class": css_class})
    text = Token("text", "", 0, content=label)
    return [opening, text, Token("link_close", "a", -1)]


def _linkify(
    tokens: list[Token], mentions: dict[str, tuple[str, str]], hashtag_url: Callable[[str], str] | None
) -> None:
    pattern = re.compile(f"{MENTION.pattern}|{HASHTAG.pattern}")
    for block, token in list(_text_tokens(tokens)):
        pieces: list[Token] = []
        position = 0
        for match in pattern.finditer(token.content):
            handle, tag = match.group(1), match.group(2)
            if handle is not None:
                target = mentions.get(handle.lower())
                if not target:
                    continue
                replacement = _link(target[0], f"@{target[1]}", "mention")
            elif hashtag_url and _is_hashtag(tag):
                replacement = _link(hashtag_url(fold(tag)), f"#{tag}", "hashtag")
            else:
                continue
            pieces.append(Token("text", "", 0, content=token.content[position : match.start()]))
            pieces.extend(replacement)
            position = match.end()
        if pieces:
            pieces.append(Token("text", "", 0, content=token.content[position:]))
            index = block.children.index(token)
            block.children[index : index + 1] = pieces


def render_markdown(
    source: str,
    *,
    mentions: dict[str, tuple[str, str]] | None = None,
    hashtag_url: Callable[[str], str] | None = None,
) -> str:
    """Markdown source -> HTML safe to insert in a page (whatever the source holds).

    `mentions` maps a lower-cased handle to (profile URL, name): those handles become
    links; any other @word stays text. With `hashtag_url`, #tags link to their feed."""
    tokens = _markdown.parse(source or "")
    if mentions or hashtag_url:
        _linkify(tokens, {k.lower(): v for k, v in (mentions or {}).items()}, hashtag_url)
    html = _markdown.renderer.render(tokens, _markdown.options, {})
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
    ).strip()


def fold(text: str) -> str:
    """'Hélène LEFÈVRE' -> 'helene lefevre': what search compares, on both sides."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold().translate(_LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LIGATURES)


def search_terms(query: str, *, limit: int = 8) -> list[str]:
    """The words of a search box, folded; punctuation and operators are dropped. For the
    substring searches over `fold(text)` (messages, communities); the directory's words are
    `search_words` and `search_query_words`."""
    # \w: letters of every script ("дмитрий", "山田"); tsquery operators are not among them.
    return [term for term in re.findall(r"\w+", fold(query)) if term.strip("_")][:limit]


# Apostrophes as people type them, straight or not: the typographic one (U+2019), its
# opening twin, the modifier letter (U+02BC, a letter to Unicode), a prime, a grave or acute accent.
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018\u02bc\u02b9\u0060\u00b4\u2032", "'"))
# Punctuation written inside a word, which search sees through as it sees through accents:
# "O'Brien", "Vue.js", "CI/CD", "M&A", "l·l"; every dash (Unicode Pd) too: "Jean-Pierre".
_INNER_PUNCTUATION = frozenset("'._/&+\u00b7")


def _is_letter(ch: str) -> bool:
    # Marks too: the vowel signs of Indic scripts are part of their words.
    return ch.isalnum() or unicodedata.category(ch)[0] == "M"


def _written_words(text: str) -> list[list[str]]:
    """Each word of a text, folded, as the parts its inner punctuation separates:
    "Jean-Pierre O'Brien, Paris" -> [["jean", "pierre"], ["o", "brien"], ["paris"]]."""
    words: list[list[str]] = []
    parts: list[str] = []
    letters: list[str] = []
    for ch in fold((text or "").translate(_APOSTROPHES)) + " ":
        if _is_letter(ch):
            letters.append(ch)
            continue
        if unicodedata.category(ch) == "Cf":  # soft hyphen, zero-width joiner: invisible
            continue
        if letters:
            parts.append("".join(letters))
            letters = []
        if ch not in _INNER_PUNCTUATION and unicodedata.category(ch) != "Pd" and parts:
            words.append(parts)  # a space or other punctuation ends the word
            parts = []
    return words


def search_words(text: str) -> list[str]:
    """The words under which a text is found, each once: folded, and a word written with
    inner punctuation both whole and by its parts, so that "O'Brien" is found by "obrien",
    "o'brien" and "o brien", and "Jean-Pierre" by "jeanpierre", "jean-pierre" and "jean pierre".
    Letters and digits only: PostgreSQL's text-search parser reads each as one word."""
    found: dict[str, None] = {}
    for parts in _written_words(text):
        found.update(dict.fromkeys(parts))
        if len(parts) > 1:
            found["".join(parts)] = None
    return list(found)


def substring_search_text(text: str) -> str:
    """What the substring searches (messages, communities) look in: `fold(text)`, then each
    word written with inner punctuation joined up, so that "obrien" finds "O'Brien" and
    "jeanpierre" "Jean-Pierre", as in the directory; "o'brien" finds it through its parts."""
    joined = dict.fromkeys("".join(parts) for parts in _written_words(text) if len(parts) > 1)
    return " ".join([fold(text), *joined])


def search_query_words(query: str, *, limit: int = 8) -> list[tuple[str, ...]]:
    """The words of a search box, folded the way `search_words` folds what is searched,
    each as its parts: "O'Brien lyon" -> [("o", "brien"), ("lyon",)]. Operators and other
    punctuation are dropped; what is left is letters and digits."""
    return [tuple(parts) for parts in _written_words(query)][:limit]

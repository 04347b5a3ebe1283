"""Text shared by every app: a markdown subset rendered to sanitised HTML, and the
accent- and case-folding used for search (PostgreSQL's unaccent is not available)."""

import re
import unicodedata

import nh3
from markdown_it import MarkdownIt

ALLOWED_TAGS = {"p", "br", "strong", "em", "a", "ul", "ol", "li", "code", "pre", "blockquote"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}

# CommonMark without raw HTML, images or headings: bold, italic, links, lists, code, quotes.
_markdown = MarkdownIt("commonmark", {"html": False}).disable(["image", "heading", "lheading", "hr"])

# Letters that Unicode does not decompose into a base letter and an accent.
_LIGATURES = str.maketrans({"æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i"})


def render_markdown(source: str) -> str:
    """Markdown source -> HTML safe to insert in a page (whatever the source holds)."""
    html = _markdown.render(source or "")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow ugc",
    ).strip()


def fold(text: str) -> str:
    """'Hélène LEFÈVRE' -> 'helene lefevre': what search compares, on both sides."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold().translate(_LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).translate(_LIGATURES)


def search_terms(query: str, *, limit: int = 8) -> list[str]:
    """The words of a search box, folded; punctuation and operators are dropped."""
    # \w: letters of every script ("дмитрий", "山田"); tsquery operators are not among them.
    return [term for term in re.findall(r"\w+", fold(query)) if term.strip("_")][:limit]

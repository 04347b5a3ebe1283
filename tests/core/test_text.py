"""apps.core.text: accent/case folding for search, search box terms, and the markdown
subset rendered to HTML that is safe to put in a page."""

import pytest

from apps.core.text import fold, render_markdown, search_query_words, search_terms, search_words

REL = 'rel="noopener noreferrer nofollow ugc"'


# ---------------------------------------------------------------- fold


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Hélène", "helene"),
        ("Lefèvre", "lefevre"),
        ("HÉLÈNE LEFÈVRE", "helene lefevre"),
        ("Œuvre", "oeuvre"),
        ("cœur", "coeur"),
        ("Straße", "strasse"),
        ("Łódź", "lodz"),
        ("Ærø", "aero"),
        ("ﬁnance", "finance"),  # the "fi" ligature
        ("Contrôle de gestion", "controle de gestion"),
        ("François Ñúñez-Çelik", "francois nunez-celik"),
        ("", ""),
    ],
)
def test_fold_removes_accents_case_and_ligatures(text, folded):
    assert fold(text) == folded


def test_fold_accepts_none():
    assert fold(None) == ""


def test_fold_is_idempotent():
    once = fold("Hélène Œ Straße Łukasz")
    assert fold(once) == once == "helene oe strasse lukasz"


# ---------------------------------------------------------------- search_terms


def test_search_terms_folds_and_splits_words():
    assert search_terms("Hélène LEFÈVRE") == ["helene", "lefevre"]


def test_search_terms_drop_operators_and_punctuation():
    assert search_terms("hel & lef | !foo (bar) 'baz' \"qux\" a:* <-> b\\c;--") == [
        "hel",
        "lef",
        "foo",
        "bar",
        "baz",
        "qux",
        "a",
        "b",
    ]


def test_search_terms_keep_digits():
    assert search_terms("Bureau 42, Étage-3") == ["bureau", "42", "etage", "3"]


def test_search_terms_only_punctuation_gives_nothing():
    assert search_terms(" & | ! ( ) :* <-> ") == []
    assert search_terms("") == []


def test_search_terms_default_limit_is_eight():
    words = " ".join(f"w{i}" for i in range(20))
    assert search_terms(words) == [f"w{i}" for i in range(8)]


def test_search_terms_custom_limit():
    assert search_terms("a b c d", limit=2) == ["a", "b"]


# ---------------------------------------------------------------- render_markdown


def test_bold_and_italic_are_kept():
    assert render_markdown("**bold** *italic* _also_") == ("<p><strong>bold</strong> <em>italic</em> <em>also</em></p>")


def test_links_are_kept_with_rel_noopener():
    html = render_markdown("[docs](https://example.com/a?b=1)")
    assert html == f'<p><a href="https://example.com/a?b=1" {REL}>docs</a></p>'
    assert "noopener" in html


def test_mailto_links_are_kept():
    html = render_markdown("[write](mailto:hr@example.com)")
    assert f'<a href="mailto:hr@example.com" {REL}>write</a>' in html


def test_lists_are_kept():
    assert render_markdown("- one\n- two") == "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"
    assert render_markdown("1. one\n2. two") == "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"


def test_code_is_kept_and_its_content_escaped():
    assert render_markdown("`x = 1`") == "<p><code>x = 1</code></p>"
    assert render_markdown("```\n<b>x</b>\n```") == "<pre><code>&lt;b&gt;x&lt;/b&gt;\n</code></pre>"


def test_quotes_are_kept():
    assert render_markdown("> quoted") == "<blockquote>\n<p>quoted</p>\n</blockquote>"


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "<b>bold</b>",
        '<div style="position:fixed">x</div>',
        "<iframe src=https://evil.example></iframe>",
    ],
)
def test_raw_html_is_escaped(source):
    html = render_markdown(source)
    assert "<" + source[1:] not in html
    assert html.startswith("<p>&lt;")
    for tag in ("<script", "<img", "<b>", "<div", "<iframe", "<a "):
        assert tag not in html


@pytest.mark.parametrize(
    "source",
    [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x](java&#115;cript:alert(1))",
        "[x](vbscript:msgbox(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
        "<javascript:alert(1)>",
        "[x][r]\n\n[r]: javascript:alert(1)",
    ],
)
def test_dangerous_links_are_dropped(source):
    html = render_markdown(source)
    assert "<a" not in html
    assert "href" not in html


def test_images_are_not_rendered():
    html = render_markdown("![a chart](https://example.com/tracker.png)")
    assert "<img" not in html
    assert "a chart" in html  # what was written stays readable


@pytest.mark.parametrize("source", ["# Title", "### Title", "Title\n====="])
def test_headings_are_not_rendered(source):
    html = render_markdown(source)
    assert "<h" not in html
    assert html.startswith("<p>")


def test_empty_and_none_render_nothing():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


def test_search_terms_keep_every_script():
    from apps.core.text import search_terms as terms

    assert terms("Дмитрий Иванов") == ["дмитрии", "иванов"]
    assert terms("山田") == ["山田"]


# ---------------------------------------------------------------- search_words, search_query_words
# Inner punctuation is folded as accents are: a word written with it is found whole or by
# its parts, and typed with it, without it, or with a space.


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Seán O'Brien", ["sean", "o", "brien", "obrien"]),
        ("O\u2019Brien", ["o", "brien", "obrien"]),  # typographic apostrophe
        ("O\u02bcbrien", ["o", "brien", "obrien"]),  # modifier letter apostrophe (a letter to Unicode)
        ("O\u00b4Brien", ["o", "brien", "obrien"]),  # acute accent typed as an apostrophe
        ("Jean-Pierre", ["jean", "pierre", "jeanpierre"]),
        ("Jean\u2010Pierre Jean\u2013Pierre", ["jean", "pierre", "jeanpierre"]),  # other dashes, each word once
        ("Müller-Lüdenscheidt", ["muller", "ludenscheidt", "mullerludenscheidt"]),
        ("Vue.js, CI/CD, M&A", ["vue", "js", "vuejs", "ci", "cd", "cicd", "m", "a", "ma"]),
        ("jean.dupont.42", ["jean", "dupont", "42", "jeandupont42"]),
        ("Lefe\u00advre", ["lefevre"]),  # a soft hyphen is invisible
        ("C++ & .NET", ["c", "net"]),
        ("  'quoted' (words) -- ", ["quoted", "words"]),
        ("", []),
    ],
)
def test_search_words_fold_inner_punctuation(text, words):
    assert search_words(text) == words


def test_search_words_are_letters_and_digits_only():
    text = "Hélène d\u2019Arc-Lefèvre <b>x</b> 10:30 a/b_c @home #tag 山田 Дмитрий"
    assert all(word.isalnum() for word in search_words(text))


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("obrien", [("obrien",)]),
        ("o'brien", [("o", "brien")]),
        ("O\u2019BRIEN", [("o", "brien")]),
        ("o brien", [("o",), ("brien",)]),
        ("jean-p lyon", [("jean", "p"), ("lyon",)]),
        ("hel & !lef | :* (", [("hel",), ("lef",)]),
        (" & | ! ( ) :* <-> ", []),
    ],
)
def test_search_query_words_keep_each_words_parts(query, words):
    assert search_query_words(query) == words


def test_search_query_words_default_limit_is_eight():
    assert len(search_query_words(" ".join(f"w{i}" for i in range(20)))) == 8


def test_every_spelling_of_a_query_reaches_the_written_word():
    """The class: however the query is punctuated, its parts joined, or all its parts, are
    words of the text."""
    written = set(search_words("Seán O'Brien, Jean-Pierre Lefèvre"))
    for query in ["obrien", "o'brien", "o\u2019brien", "o brien", "jean-pierre", "jeanpierre", "jean pierre"]:
        for parts in search_query_words(query):
            assert "".join(parts) in written or set(parts) <= written, query

"""The text of posts, comments and messages (apps.core.text, as they use it): the markdown subset,
what is neutralised, mentions linked only for resolved handles, hashtags linked (folded)
outside code and links, and what extract_mentions_and_hashtags finds."""

import pytest

from apps.core.text import extract_mentions_and_hashtags, render_markdown

REL = 'rel="noopener noreferrer nofollow ugc"'
BOB = {"bob.stone": ("/people/7/", "Bob Stone")}


def tag_url(name: str) -> str:
    return f"/feed/tags/{name}/"


def render(source: str, mentions=None) -> str:
    return render_markdown(source, mentions=mentions if mentions is not None else BOB, hashtag_url=tag_url)


def hashtag(display: str, folded: str) -> str:
    return f'<a href="/feed/tags/{folded}/" class="hashtag" {REL}>#{display}</a>'


# ---------------------------------------------------------------- the markdown subset


@pytest.mark.parametrize(
    ("source", "html"),
    [
        ("**bold** and __bold__", "<p><strong>bold</strong> and <strong>bold</strong></p>"),
        ("*italic* and _italic_", "<p><em>italic</em> and <em>italic</em></p>"),
        (
            "[the wiki](https://wiki.example.com/a?b=1&c=2)",
            f'<p><a href="https://wiki.example.com/a?b=1&amp;c=2" {REL}>the wiki</a></p>',
        ),
        ("[write](mailto:team@example.com)", f'<p><a href="mailto:team@example.com" {REL}>write</a></p>'),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        ("1. first\n2. second", "<ol>\n<li>first</li>\n<li>second</li>\n</ol>"),
        ("use `git pull`", "<p>use <code>git pull</code></p>"),
        ("```\nmake test\n```", "<pre><code>make test\n</code></pre>"),
        ("> said so", "<blockquote>\n<p>said so</p>\n</blockquote>"),
        ("line one  \nline two", "<p>line one<br>\nline two</p>"),
    ],
)
def test_markdown_subset(source, html):
    assert render(source) == html


@pytest.mark.parametrize(
    ("source", "html"),
    [
        # Headings, images and rules are not part of the subset: they stay text.
        ("# Title", "<p># Title</p>"),
        ("![alt](https://img.example.com/x.png)", f'<p>!<a href="https://img.example.com/x.png" {REL}>alt</a></p>'),
        ("---", "<p>---</p>"),
    ],
)
def test_outside_the_subset_stays_text(source, html):
    assert render(source) == html


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "<b onclick=alert(1)>x</b>",
        '<img src=x onerror="alert(1)">',
        '<iframe src="https://evil.example.com"></iframe>',
        "<style>body{display:none}</style>",
    ],
)
def test_raw_html_is_shown_as_text(source):
    html = render(source)
    assert "<" not in html.removeprefix("<p>").removesuffix("</p>")
    assert html.startswith("<p>&lt;")


@pytest.mark.parametrize(
    "source",
    [
        "[click](javascript:alert(1))",
        "[click](JavaScript:alert(1))",
        "[click](  javascript:alert(1))",
        "[click](data:text/html;base64,PHNjcmlwdD4=)",
        "[click](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
    ],
)
def test_dangerous_links_are_not_links(source):
    html = render(source).lower()
    assert "<a" not in html
    assert "href" not in html


def test_a_link_title_is_kept_and_other_attributes_are_not():
    assert render('[a](https://x.example.com "The title")') == (
        f'<p><a href="https://x.example.com" title="The title" {REL}>a</a></p>'
    )


def test_empty_and_none_render_to_nothing():
    assert render("") == ""
    assert render_markdown(None) == ""


# ---------------------------------------------------------------- mentions


def test_a_resolved_mention_becomes_a_link_to_the_profile_with_the_name():
    assert render("Thanks @bob.stone!") == (f'<p>Thanks <a href="/people/7/" class="mention" {REL}>@Bob Stone</a>!</p>')


def test_mentions_are_matched_without_case():
    assert render("@Bob.Stone") == f'<p><a href="/people/7/" class="mention" {REL}>@Bob Stone</a></p>'


def test_an_unresolved_mention_stays_text():
    assert render("Ask @nobody or @bob") == "<p>Ask @nobody or @bob</p>"


def test_without_any_resolution_nothing_is_linked():
    assert render("Hi @bob.stone", mentions={}) == "<p>Hi @bob.stone</p>"


def test_a_mention_inside_code_or_a_link_is_not_linked():
    html = render("`@bob.stone` [@bob.stone](https://x.example.com)\n\n    @bob.stone")
    assert 'class="mention"' not in html
    assert "<code>@bob.stone</code>" in html


def test_an_email_address_is_not_a_mention():
    assert render("write to bob.stone@example.com") == "<p>write to bob.stone@example.com</p>"


def test_a_name_with_markup_is_escaped_in_the_mention():
    html = render("@eve", mentions={"eve": ("/people/9/", "<script>x</script> Eve")})
    assert html == f'<p><a href="/people/9/" class="mention" {REL}>@&lt;script&gt;x&lt;/script&gt; Eve</a></p>'


# ---------------------------------------------------------------- hashtags


def test_hashtags_link_to_their_folded_feed():
    assert render("#Release and #Été and #ÉTÉ") == (
        f"<p>{hashtag('Release', 'release')} and {hashtag('Été', 'ete')} and {hashtag('ÉTÉ', 'ete')}</p>"
    )


def test_hashtags_with_dashes_and_digits():
    assert render("#release-2026 #q3") == f"<p>{hashtag('release-2026', 'release-2026')} {hashtag('q3', 'q3')}</p>"


@pytest.mark.parametrize(
    "source",
    [
        "`#inline`",
        "```\n#fenced\n```",
        "    #indented",
        "[#linked](https://x.example.com)",
        "see https://x.example.com/#anchor",
        "issue #123",
        "a#b",
        "# spaced",
    ],
)
def test_not_hashtags(source):
    assert 'class="hashtag"' not in render(source)


def test_hashtag_in_a_quote_and_a_list_is_linked():
    html = render("> #quoted\n\n- #listed")
    assert hashtag("quoted", "quoted") in html
    assert hashtag("listed", "listed") in html


def test_without_a_hashtag_url_hashtags_stay_text():
    assert render_markdown("#topic") == "<p>#topic</p>"


# ---------------------------------------------------------------- extract_mentions_and_hashtags


def test_extract_in_order_once_each():
    mentions, hashtags = extract_mentions_and_hashtags(
        "@Bob.Stone and @anna.martin, again @bob.stone. #Été #ete #Release #ÉTÉ #release #next"
    )
    assert mentions == ["Bob.Stone", "anna.martin"]
    assert hashtags == ["Été", "Release", "next"]


def test_extract_full_email_handles():
    mentions, _hashtags = extract_mentions_and_hashtags("cc @anna@corp.example.com and @bob")
    assert mentions == ["anna@corp.example.com", "bob"]


def test_extract_skips_code_and_links():
    mentions, hashtags = extract_mentions_and_hashtags(
        "`@code #code`\n\n```\n@fence #fence\n```\n\n[@link #link](https://x.example.com) @kept #kept"
    )
    assert mentions == ["kept"]
    assert hashtags == ["kept"]


def test_extract_ignores_numbers_and_email_addresses():
    mentions, hashtags = extract_mentions_and_hashtags("mail bob@example.com about #42 and #x42")
    assert mentions == []
    assert hashtags == ["x42"]


def test_extract_of_nothing():
    assert extract_mentions_and_hashtags("") == ([], [])
    assert extract_mentions_and_hashtags(None) == ([], [])

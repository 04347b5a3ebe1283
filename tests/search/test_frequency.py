"""Common words are walked from the newest rows, rare ones found through the index
(apps/search/frequency.py), as PostgreSQL's statistics say; both ways find the same rows."""

import pytest
from django.db import connection
from django.utils import timezone

from apps.search import frequency
from apps.search.query import parse
from apps.search.selectors import content
from tests.factories import CommentFactory, PostFactory, ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysed(monkeypatch):
    """Posts and comments where "walrus" is everywhere and "narwhal" in one post, analysed."""
    monkeypatch.setattr(frequency, "COMMON_MATCHES", 50)
    for n in range(120):
        post = PostFactory(body=f"The walrus report number {n}" + (" with a narwhal" if n == 7 else ""))
        CommentFactory(post=post, body=f"Another walrus, from the team {n}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE feeds_post, feeds_comment")


def test_a_word_in_most_rows_is_common_and_a_rare_one_is_not(analysed):
    assert frequency.common_in(parse("walrus")) == {"posts", "comments"}
    assert frequency.common_in(parse("walrus report")) == {"posts"}
    assert frequency.common_in(parse("narwhal")) == frozenset()
    assert frequency.common_in(parse("walrus narwhal")) == frozenset()  # the rarer word decides
    # "from" is an English stop word: the English reading is "team" alone, common in comments.
    assert frequency.common_in(parse("from team")) == {"comments"}


def test_phrases_and_alternatives_take_the_index(analysed):
    assert frequency.common_in(parse('"walrus report"')) == frozenset()
    assert frequency.common_in(parse("walrus or report")) == frozenset()
    assert frequency.common_in(parse("walrus -narwhal")) == {"posts", "comments"}


def test_without_statistics_every_word_takes_the_index():
    PostFactory(body="walrus")
    assert frequency.common_in(parse("walrus")) == frozenset()


@pytest.mark.parametrize("sort", [content.NEWEST, content.RELEVANCE])
@pytest.mark.parametrize("text", ["walrus", "walrus report", "narwhal", "walrus -narwhal", "team", '"the walrus"'])
def test_both_ways_find_the_same_rows(analysed, text, sort):
    viewer = ProfileFactory().user
    found = {}
    for way, common in (("walked", frozenset(frequency.COLUMNS)), ("indexed", frozenset())):
        filters = content.Filters(sort=sort, common=common)
        page = content.posts_and_comments(
            viewer=viewer, parsed=parse(text), filters=filters, as_of=timezone.now(), limit=500
        )
        found[way] = [(hit.kind, hit.item.pk) for hit in page.items]
    assert found["walked"] == found["indexed"]
    assert found["walked"]  # every query here finds something

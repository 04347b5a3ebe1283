"""Common words are walked from the newest rows, rare ones found through the index
(apps/search/frequency.py), as PostgreSQL's statistics say; both ways find the same rows."""

import pytest
from django.db import connection
from django.utils import timezone

from apps.search import frequency, sql
from apps.search.query import parse
from apps.search.selectors import content
from tests.factories import CommentFactory, PostFactory, ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def analysed(monkeypatch):
    """Posts and comments where "walrus" is everywhere and "narwhal" in one post, analysed."""
    # A window of 10 matches to rank: at 120 rows, a word in every row is worth walking.
    monkeypatch.setattr(frequency, "RANK_WINDOW", 10)
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


def test_alternatives_take_the_index(analysed):
    assert frequency.common_in(parse("walrus or report")) == frozenset()
    assert frequency.common_in(parse("walrus -narwhal")) == {"posts", "comments"}


def test_a_phrase_is_common_where_its_words_stand_together_in_the_newest_rows(analysed):
    # Its words' statistics would say common everywhere both are; the rows themselves decide.
    assert frequency.common_in(parse('"walrus report"')) == {"posts"}
    assert frequency.common_in(parse('"report walrus"')) == frozenset()  # never in that order
    assert frequency.common_in(parse('"another walrus"')) == {"comments"}
    assert frequency.common_in(parse('"with a narwhal"')) == frozenset()  # one post of 120


def test_a_phrase_tested_on_the_newest_rows_only(analysed, monkeypatch):
    """The sample is the newest rows: those a walk from the newest would read."""
    monkeypatch.setattr(frequency, "PHRASE_SAMPLE", 5)
    for _n in range(5):
        PostFactory(body="Nothing of the kind here")
    assert frequency.common_in(parse('"walrus report"')) == frozenset()


def test_the_walk_is_chosen_where_it_costs_less_than_the_matches():
    """Walking reads RANK_WINDOW / frequency rows, the index every match (frequency.py)."""
    assert frequency.is_common(50_000, 1_000_000)  # 5 %: 20,000 rows walked, or 50,000 read
    assert not frequency.is_common(5_000, 1_000_000)  # 0.5 %: 200,000 rows walked
    assert not frequency.is_common(20_000, 10_000_000)  # the same share is rarer in a larger table
    assert frequency.is_common(100_000, 10_000_000)
    assert not frequency.is_common(0, 1_000_000)
    assert not frequency.is_common(10, -1)  # a table never analysed


def test_without_statistics_every_word_takes_the_index():
    PostFactory(body="walrus")
    assert frequency.common_in(parse("walrus")) == frozenset()


@pytest.mark.parametrize("sort", [content.NEWEST, content.RELEVANCE])
@pytest.mark.parametrize(
    "text", ["walrus", "walrus report", "narwhal", "walrus -narwhal", "team", '"the walrus"', '"with a narwhal"']
)
def test_both_ways_find_the_same_rows(analysed, text, sort):
    viewer = ProfileFactory().user
    found = {}
    parsed = parse(text)
    matched = sql.matched_ids(parsed.text, ["posts", "comments"])
    ways = {
        "walked": content.Filters(sort=sort, common=frozenset(frequency.COLUMNS)),
        "indexed in each statement": content.Filters(sort=sort),
        "indexed once": content.Filters(sort=sort, matched=matched),
    }
    for way, filters in ways.items():
        page = content.posts_and_comments(
            viewer=viewer, parsed=parsed, filters=filters, as_of=timezone.now(), limit=500
        )
        found[way] = [(hit.kind, hit.item.pk) for hit in page.items]
    assert found["walked"] == found["indexed in each statement"] == found["indexed once"]
    assert found["walked"]  # every query here finds something


def test_matches_found_once_leave_out_a_kind_with_too_many(analysed, monkeypatch):
    monkeypatch.setattr(sql, "MATCHED_IDS_CAP", 100)
    matched = sql.matched_ids("walrus", ["posts", "comments", "files"])
    assert set(matched) == {"files"}  # 120 posts and 120 comments: each looked up in its statements
    assert matched["files"] == []
    assert len(sql.matched_ids("narwhal", ["posts"])["posts"]) == 1


def test_the_page_finds_matches_once_where_they_are_looked_up_in_the_index(analysed):
    viewer = ProfileFactory().user
    filters = content.resolve_filters(viewer=viewer, parsed=parse("narwhal"), filters=content.Filters())
    assert filters.common == frozenset()
    assert [len(filters.matched[kind]) for kind in ("posts", "comments", "files")] == [1, 0, 0]
    filters = content.resolve_filters(viewer=viewer, parsed=parse("walrus"), filters=content.Filters())
    assert set(filters.matched) == {"files"}  # posts and comments are walked

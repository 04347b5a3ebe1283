"""A phrase's candidates are found through the index of word pairs (migration 0004). The
pairs are only a pre-filter: they must never leave out a row the phrase matches, whatever the
words (stop words, hyphens, apostrophes, accents, characters tsquery reads as operators)."""

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.search import sql
from apps.search.query import parse
from tests.factories import CommentFactory, PostFactory, UserFactory
from tests.search.test_language import _found

pytestmark = pytest.mark.django_db

# Words of both languages, stop words of each, and tokens the parser splits or reads oddly.
WORDS = [
    "bonjour", "à", "tous", "the", "budget", "review", "of", "réunion", "équipe", "le", "la",
    "e-mail", "l'équipe", "O'Neil", "a\\b", "x:y", "it's", "2026", "v1.2", "co-op", "Œuvre",
    "meetings", "réunions", "&", "!", "|", "'", "«", "»", "n'est", "pas",
    # What people paste: addresses, links, paths, numbers, tags, full-width letters.
    "anna.martin@example.com", "https://intranet.example.com/budget-2026?q=1", "/srv/share/q3.xlsx",
    "C:\\docs\\plan.docx", "3.14", "-5", "R&D", "#release", "ünïcödé", "\uff26\uff35\uff2c\uff2c",
    "x" * 3000,
]  # fmt: skip


def _matches(documents: list[str], phrase: str) -> list[tuple[bool, bool | None]]:
    """For each document: whether the phrase query matches it, and whether its pairs do (None
    when the phrase asks for no pair)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_document(d) @@ search_query(%s), "
            "search_pairs(search_document(d)) @@ search_phrase_pairs(%s) "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS t(d, n) ORDER BY n",
            [f'"{phrase}"', phrase, documents],
        )
        return cursor.fetchall()


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=12), min_size=1, max_size=6),
    span=st.tuples(st.integers(0, 11), st.integers(1, 5)),
)
def test_every_document_holding_the_phrase_holds_its_pairs(texts, span):
    """The phrase is taken from one of the documents, so that it often matches."""
    documents = [" ".join(words) for words in texts]
    start, length = span
    phrase = " ".join(texts[0][start : start + length]) or texts[0][0]
    for phrase_matches, pairs_match in _matches(documents, phrase):
        if phrase_matches:
            assert pairs_match is not False, (phrase, documents)


def test_a_phrase_of_a_single_word_or_kept_apart_by_stop_words_asks_for_no_pair():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_phrase_pairs('budget'), search_phrase_pairs('bonjour à tous'), "
            "search_phrase_pairs('bonjour tous')::text"
        )
        single, apart, together = cursor.fetchone()
    assert single is None
    assert apart is None  # English drops "à": "bonjour" <2> "tous", no two words side by side
    assert together == "'bonjour tous' | '§'"  # or a document too long for its pairs


def test_the_pairs_condition_is_folded_away_when_the_phrase_has_none():
    """PostgreSQL computes search_phrase_pairs once, from the constant: a NULL leaves no
    condition to test on each row."""
    statement, params = sql._indexed("posts", '"bonjour à tous"')
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {statement}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "search_pairs" not in plan
    assert "search_phrase_pairs" not in plan


def test_a_phrase_with_pairs_is_looked_up_in_the_pairs_index():
    """Where the words are common and the pair rare, the planner reads the pairs' index."""
    for n in range(60):
        PostFactory(body=f"Bonjour, here we are {n} of us, tous")
    PostFactory(body="bonjour tous")
    statement, params = sql._indexed("posts", '"bonjour tous"')
    with connection.cursor() as cursor:
        # The rows just written wait in the index's pending list, which the planner costs as
        # read whole: moved into the index, as autovacuum would.
        cursor.execute("SELECT gin_clean_pending_list('feeds_post_search_pairs_gin'::regclass)")
        cursor.execute("ANALYZE feeds_post")
        # Tables this small are read whole; an index, if any, is the choice to check.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {statement}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "feeds_post_search_pairs_gin" in plan, plan


def test_a_document_whose_pairs_would_not_fit_is_saved_and_still_found():
    """Its pairs would be three times its size, past a tsvector's 1 MB: the INSERT must not
    fail for the index, and the phrase must still find it (its pairs are "§", which every
    phrase's condition accepts). The services cap a post at 20,000 characters; an import or
    a data migration does not go through them."""
    words = [f"{n:06d}{'abcdefghijklmnopqrstuvwxyz'[n % 26]}" * 6 for n in range(15_000)]
    post = PostFactory(body=" ".join(words))
    assert sql.matched_ids(f'"{words[7000]} {words[7001]}"', ["posts"])["posts"] == [post.id]
    assert sql.matched_ids(f'"{words[7001]} {words[7000]}"', ["posts"])["posts"] == []
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_pairs(search_document(body))::text FROM feeds_post WHERE id = %s", [post.id])
        assert cursor.fetchone()[0] == "'§'"


def test_pairs_narrow_the_candidates_and_lose_no_match():
    viewer = UserFactory()
    together = PostFactory(body="Bonjour à tous, the budget review is out")
    PostFactory(body="Bonjour, the review of the budget, à tous")  # the words, apart
    CommentFactory(post=together, body="A budget review, again, as the team asked last week")
    assert sorted(_found(viewer, '"budget review"')) == [
        "A budget review, again, as the team asked last week",
        "Bonjour à tous, the budget review is out",
    ]
    assert _found(viewer, '"review of the budget"') == ["Bonjour, the review of the budget, à tous"]
    assert _found(viewer, '"Bonjour à tous"') == ["Bonjour à tous, the budget review is out"]
    ids = sql.matched_ids('"budget review"', ["posts", "comments"])
    assert ids["posts"] == [together.id]
    assert len(ids["comments"]) == 1


def test_a_deleted_post_is_not_a_candidate():
    post = PostFactory(body="budget review")
    assert sql.matched_ids('"budget review"', ["posts"])["posts"] == [post.id]
    post.deleted_at = post.created_at
    post.save(update_fields=["deleted_at"])
    assert sql.matched_ids('"budget review"', ["posts"])["posts"] == []


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ('"budget review"', ["budget review"]),
        ('team "budget review" "next week"', ["budget review", "next week"]),
        ('"budget review" or travel', []),  # an alternative: the phrase is not required
        ('-"budget review" team', []),  # negated
        ('team "budget review', []),  # an unclosed quote
        ('""', []),
    ],
)
def test_the_phrases_every_match_holds(text, phrases):
    assert parse(text).required_phrases() == phrases

"""Stemming and folding, in both languages, as PostgreSQL does them for search."""

import unicodedata

import pytest
from django.db import connection
from django.utils import timezone

from apps.core.text import fold
from apps.search.query import parse
from apps.search.selectors import content
from tests.factories import PostFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fold_in_sql(texts: list[str]) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_fold(t) FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n", [texts])
        return [row[0] for row in cursor.fetchall()]


def test_the_database_folds_every_latin_letter_as_python_does():
    codes = [*range(0x41, 0x5B), *range(0x61, 0x7B), *range(0xC0, 0x250)]  # ASCII, Latin-1, Extended A and B
    letters = [chr(code) for code in codes if unicodedata.category(chr(code))[0] == "L"]
    folded = _fold_in_sql(letters)
    # Where Python's fold gives something else than ASCII (a letter with no base letter,
    # such as "ŋ", or a rare digraph), the database keeps the letter: both sides agree on
    # every letter a French or English text is written with.
    disagree = [
        (letter, in_sql, fold(letter))
        for letter, in_sql in zip(letters, folded, strict=True)
        if in_sql != fold(letter) and fold(letter).isascii()
    ]
    assert disagree == []
    assert _fold_in_sql(["Œuvre ÉTÉ Straße l\u2019équipe Ça"]) == ["oeuvre ete strasse l'equipe ca"]


def _found(viewer, query: str, **filters) -> list[str]:
    parsed = parse(query)
    wanted = content.resolve_filters(viewer=viewer, parsed=parsed, filters=content.Filters(**filters))
    page = content.posts_and_comments(viewer=viewer, parsed=parsed, filters=wanted, as_of=timezone.now())
    return [hit.item.body for hit in page.items]


@pytest.mark.parametrize(
    ("written", "typed"),
    [
        ("Compte rendu de la réunion d'équipe", "réunions"),
        ("Compte rendu des réunions", "reunion"),
        ("The weekly meeting is moved", "meetings"),
        ("Our MEETINGS this week", "meeting"),
        ("L\u2019équipe de Noël", "equipe noel"),
        ("l'équipe de Noël", "L\u2019ÉQUIPE"),
        ("Le cœur du sujet", "coeur"),
        ("Jean-Pierre présente", "jean pierre"),
        ("Jean-Pierre présente", "jean-pierre"),
        ("Bonne fête à toutes", "FETE"),
        ("Les développeurs ont livré", "developpeur"),
        ("Running the numbers", "run"),
    ],
)
def test_stemming_and_folding_find_the_post(written, typed):
    viewer = UserFactory()
    PostFactory(body=written)
    PostFactory(body="Nothing to do with it")
    assert _found(viewer, typed) == [written]


def test_a_phrase_a_negation_and_words_all_required():
    viewer = UserFactory()
    PostFactory(body="budget review for the quarter")
    PostFactory(body="review of the budget")
    PostFactory(body="budget travel")
    assert _found(viewer, '"budget review"') == ["budget review for the quarter"]
    assert sorted(_found(viewer, "budget -travel")) == ["budget review for the quarter", "review of the budget"]
    assert sorted(_found(viewer, "review budget")) == ["budget review for the quarter", "review of the budget"]


def test_a_lone_negation_asks_for_nothing():
    viewer = UserFactory()
    PostFactory(body="budget")
    assert parse("-budget").is_empty
    assert _found(viewer, "-budget") == []


def test_negations_and_alternatives_hold_on_the_tabs_that_compare_words():
    """Communities and messages compare folded words, not stems: "-word" and "or" still
    mean what they mean for posts."""
    from apps.communities.services import community_create
    from apps.messaging.services import conversation_direct_open, message_send
    from apps.search.selectors import others

    viewer, other = UserFactory(), UserFactory()
    for name in ("Budget travel", "Budget review", "Garden club"):
        community_create(actor=viewer, name=name)
    conversation = conversation_direct_open(actor=viewer, other=other)
    for body in ("budget travel plans", "budget review tomorrow", "garden party"):
        message_send(actor=other, conversation=conversation, body=body)

    def names(query):
        return sorted(c.name for c in others.communities(viewer=viewer, parsed=parse(query)).items)

    def bodies(query):
        return sorted(m.body for m in others.messages(viewer=viewer, parsed=parse(query)).items)

    assert names("budget -travel") == ["Budget review"]
    assert names("travel or garden") == ["Budget travel", "Garden club"]
    assert names("BUDGET review") == ["Budget review"]
    assert bodies("budget -travel") == ["budget review tomorrow"]
    assert bodies("travel or garden") == ["budget travel plans", "garden party"]


@pytest.mark.parametrize(
    ("typed", "query"),
    [
        ("team", "'team'"),  # both readings the same: one is kept
        ('"Bonjour tous"', "'bonjour' <-> 'tous'"),
        ("Réunions", "'reunion'"),
        ("meetings", "'meet' | 'meeting'"),  # English and French stems differ: both
        ("from", "'from'"),  # an English stop word: the French reading alone
    ],
)
def test_the_box_is_read_in_both_languages_once(typed, query):
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_query(%s)::text", [typed])
        assert cursor.fetchone()[0] == query

"""The search page and the suggestions run a fixed number of statements, whatever they show.

Each tab is asked with one matching row of each kind and with twenty (each by another
author, in another community, in another conversation: what a forgotten select_related
would read once a row), and must run exactly the same statements."""

import pytest
from django.test import Client

from apps.communities.services import community_create
from apps.feeds import services as feeds
from apps.messaging import services as messaging
from apps.profiles.services import profile_refresh_search
from apps.search.models import FileText
from tests.factories import ProfileFactory, UserFactory
from tests.feeds.test_privacy import _person, text_file

pytestmark = pytest.mark.django_db

WORD = "quokka"

# Measured; the same for 1 and 20 rows (the test asserts both). Of each: the session and the
# signed-in user, the page's shell (top bar, unread counts...) and the search's own statements:
# among them, one for how common the words are (apps/search/frequency.py), one for the ids of
# the matches where they are rare (sql.matched_ids, for the counts and lists) and, sorted by
# relevance, one per table for the window of matches ranked (posts, comments, files:
# content.RANK_WINDOW).
QUERIES = {
    "all": 19,
    "posts": 11,
    "files": 9,
    "people": 11,
    "communities": 8,
    "messages": 8,
    "suggest": 9,
}
# What each page shows, for 1 and 20 rows of each kind: the pages do list the rows counted.
# "All" holds 3 people, communities and files and 10 posts or comments at most; the
# suggestions 5 people, 3 communities and 3 hashtags.
SHOWN = {
    "all": {1: 5, 20: 19},
    "posts": {1: 2, 20: 20},  # a post and a comment each
    "files": {1: 1, 20: 20},
    "people": {1: 1, 20: 20},
    "communities": {1: 1, 20: 20},
    "messages": {1: 1, 20: 20},
    "suggest": {1: 3, 20: 11},
}


def _world(rows: int, tmp_path) -> object:
    viewer = _person("viewer")
    for number in range(rows):
        author = UserFactory(first_name=f"{WORD.capitalize()}", last_name=f"Person{number}")
        profile_refresh_search(profile=ProfileFactory(user=author))
        community = community_create(
            actor=author, name=f"{WORD.capitalize()} club {number}", description=f"About {WORD}", visibility="public"
        )
        post = feeds.post_create(
            actor=author,
            community=community,
            body=f"A {WORD} sighting number {number} #{WORD}{number}",
            uploads=[text_file(f"{WORD}-{number}.txt", "x\n")],
        )
        FileText.objects.create(attachment=post.attachments.get(), status="ok", text=f"The {WORD} report {number}")
        feeds.comment_create(actor=author, post=post, body=f"Another {WORD} seen, {number}")
        conversation = messaging.conversation_direct_open(actor=author, other=viewer)
        messaging.message_send(actor=author, conversation=conversation, body=f"Did you see the {WORD}? {number}")
    return viewer


def _shown(tab: str, page: str) -> int:
    if tab == "suggest":
        return page.count('class="dropdown-item d-flex')
    return page.count('class="list-group-item search-hit ')


def _asked(tab: str) -> tuple[str, dict]:
    if tab == "suggest":
        return "/search/suggest/", {"q": WORD}
    return "/search/", {"q": WORD, "tab": tab}


@pytest.mark.parametrize("rows", [1, 20])
@pytest.mark.parametrize("tab", list(QUERIES))
def test_a_page_runs_as_many_statements_for_twenty_rows_as_for_one(
    django_assert_num_queries, settings, tmp_path, tab, rows
):
    settings.MEDIA_ROOT = tmp_path
    viewer = _world(rows, tmp_path)
    client = Client()
    client.force_login(viewer)
    url, params = _asked(tab)
    client.get(url, params)  # once first: what a process caches (the directory's statistics...) is cached
    # On failure, pytest-django lists the statements: the one repeated per row is the N+1.
    with django_assert_num_queries(QUERIES[tab]):
        response = client.get(url, params)
    assert response.status_code == 200
    assert _shown(tab, response.content.decode()) == SHOWN[tab][rows]

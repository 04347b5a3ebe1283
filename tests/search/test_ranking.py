"""Sorted by relevance, each table's newest RANK_WINDOW matches are ranked (a common word's
search then reads a window of matches, not all of them); sorted by newest, every match is
reached. The window is taken among what the viewer may read: rows hidden from them take
no place in it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.communities.services import community_create
from apps.feeds.models import Attachment, Comment, Post
from apps.search.query import parse
from apps.search.selectors import content
from tests.factories import CommentFactory, PostFactory, ProfileFactory

pytestmark = pytest.mark.django_db

WINDOW = 3


@pytest.fixture(autouse=True)
def small_window(monkeypatch):
    monkeypatch.setattr(content, "RANK_WINDOW", WINDOW)


def _aged(model, rows, days):
    """Each row `days[i]` days old (created_at is set on insert)."""
    now = timezone.now()
    for row, age in zip(rows, days, strict=True):
        model.objects.filter(pk=row.pk).update(created_at=now - timedelta(days=age))


def _search(viewer, function, sort=content.RELEVANCE, text="walrus"):
    found = function(viewer=viewer, parsed=parse(text), filters=content.Filters(sort=sort), as_of=timezone.now())
    return [hit.item.pk for hit in (found.items if isinstance(found, content.Page) else found)]


def test_relevance_ranks_the_newest_matches_and_newest_first_reaches_them_all():
    viewer = ProfileFactory().user
    # The oldest post says it most often: it would rank first, but lies outside the window.
    posts = [PostFactory(body="walrus " * 8), *(PostFactory(body=f"a walrus, number {n}") for n in range(4))]
    _aged(Post, posts, [50, 40, 30, 20, 10])
    newest_three = {post.pk for post in posts[2:]}
    assert set(_search(viewer, content.post_hits)) == newest_three
    assert _search(viewer, content.post_hits, content.NEWEST) == [post.pk for post in reversed(posts)]
    assert _search(viewer, content.post_hits, text="walrus -number") == [posts[0].pk]  # fewer matches: all


def test_the_window_of_comments_and_of_files_too():
    viewer = ProfileFactory().user
    post = PostFactory(body="Nothing to see")
    comments = [CommentFactory(post=post, body=f"walrus sighting {n}") for n in range(5)]
    _aged(Comment, comments, [50, 40, 30, 20, 10])
    assert set(_search(viewer, content.comment_hits)) == {comment.pk for comment in comments[2:]}
    assert len(_search(viewer, content.comment_hits, content.NEWEST)) == 5
    files = [
        Attachment.objects.create(post=post, name=f"walrus-{n}.pdf", content_type="application/pdf", size=10)
        for n in range(5)
    ]
    _aged(Attachment, files, [50, 40, 30, 20, 10])
    assert set(_search(viewer, content.file_hits)) == {attachment.pk for attachment in files[2:]}
    assert len(_search(viewer, content.file_hits, content.NEWEST)) == 5


def test_rows_the_viewer_may_not_read_take_no_place_in_the_window():
    owner, viewer = ProfileFactory().user, ProfileFactory().user
    private = community_create(actor=owner, name="Walrus Keepers", visibility="private")
    hidden = [PostFactory(author=owner, community=private, body=f"walrus secret {n}") for n in range(3)]
    readable = [PostFactory(author=owner, body=f"walrus open {n}") for n in range(2)]
    _aged(Post, [*readable, *hidden], [50, 40, 3, 2, 1])
    assert set(_search(viewer, content.post_hits)) == {post.pk for post in readable}
    assert set(_search(owner, content.post_hits)) == {post.pk for post in hidden}


def test_the_page_says_when_only_the_newest_matches_were_ranked(client):
    viewer = ProfileFactory().user
    for n in range(WINDOW + 1):
        PostFactory(body=f"walrus report {n}")
    client.force_login(viewer)
    page = client.get("/search/", {"q": "walrus"}).content.decode()
    assert 'id="search-window"' in page and "sort=newest" in page
    for data in ({"q": "walrus", "sort": "newest"}, {"q": "walrus -report"}, {"q": "walrus", "tab": "people"}):
        assert 'id="search-window"' not in client.get("/search/", data).content.decode(), data

"""A page is chosen among the matches the viewer may read, whatever else is newer: a page's
rows are picked by a statement nested in the one that reads them (content._page_of), and a
condition that named the wrong table there picked among the newest rows instead, which only
a table with more rows than a page could show."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.feeds.models import Attachment, Comment, Post
from apps.search import frequency
from apps.search.query import parse
from apps.search.selectors import content, others
from tests.factories import CommentFactory, PostFactory, ProfileFactory

pytestmark = pytest.mark.django_db

PAGE = 10  # more than the six posts and comments found, fewer than the rows


@pytest.fixture
def older_matches_under_newer_rows():
    """Three old posts, comments and files about walruses, under thirty newer ones that are not."""
    now = timezone.now()
    found = {"post": [], "comment": [], "file": []}
    for n in range(33):
        matching = n < 3
        word = "walrus" if matching else "seal"
        post = PostFactory(body=f"A {word} sighting, report {n}")
        comment = CommentFactory(post=post, body=f"Another {word}, number {n}")
        attachment = Attachment.objects.create(
            post=post, name=f"{word}-{n}.pdf", content_type="application/pdf", size=10
        )
        age = now - timedelta(days=40 - n)  # the matches are the oldest
        for model, row in ((Post, post), (Comment, comment), (Attachment, attachment)):
            model.objects.filter(pk=row.pk).update(created_at=age)
        if matching:
            found["post"].append(post.pk)
            found["comment"].append(comment.pk)
            found["file"].append(attachment.pk)
    return found


@pytest.mark.parametrize("sort", [content.RELEVANCE, content.NEWEST])
@pytest.mark.parametrize("way", ["indexed once", "indexed in each statement", "walked"])
def test_the_page_holds_the_matches_not_the_newest_rows(older_matches_under_newer_rows, sort, way):
    viewer = ProfileFactory().user
    parsed = parse("walrus")
    filters = content.Filters(sort=sort)
    if way == "walked":
        filters.common = frozenset(frequency.COLUMNS)
    elif way == "indexed once":
        filters = content.resolve_filters(viewer=viewer, parsed=parsed, filters=filters)
        assert filters.matched["posts"]
    now = timezone.now()
    page = content.posts_and_comments(viewer=viewer, parsed=parsed, filters=filters, as_of=now, limit=PAGE)
    files = content.file_hits(viewer=viewer, parsed=parsed, filters=filters, as_of=now, limit=PAGE)
    found = {"post": [], "comment": [], "file": [hit.item.pk for hit in files.items]}
    for hit in page.items:
        found[hit.kind].append(hit.item.pk)
    assert {kind: sorted(pks) for kind, pks in found.items()} == older_matches_under_newer_rows
    assert page.next_cursor is None and files.next_cursor is None


@pytest.mark.parametrize("sort", [content.RELEVANCE, content.NEWEST])
@pytest.mark.parametrize("same_time", [False, True])
def test_following_the_cursor_lists_every_match_once(sort, same_time):
    """Posts and comments merged in one list, and files, page after page: the cursor's order
    (score, date, kind, id) is the pages' order, ties of score and date included."""
    made = {"post": set(), "comment": set(), "file": set()}
    for n in range(12):
        post = PostFactory(body="walrus " * (1 + n % 3) + f"report {n}")  # scores differ, and tie
        comment = CommentFactory(post=post, body=f"walrus comment {n}")
        attachment = Attachment.objects.create(
            post=post, name=f"walrus-{n}.pdf", content_type="application/pdf", size=1
        )
        made["post"].add(post.pk)
        made["comment"].add(comment.pk)
        made["file"].add(attachment.pk)
    if same_time:
        for model in (Post, Comment, Attachment):
            model.objects.update(created_at=timezone.now() - timedelta(hours=1))
    viewer = ProfileFactory().user
    parsed = parse("walrus")
    filters = content.resolve_filters(viewer=viewer, parsed=parsed, filters=content.Filters(sort=sort))
    now = timezone.now()
    seen = {"post": [], "comment": [], "file": []}
    for tab in ("posts", "files"):
        cursor = None
        for _page in range(20):
            if tab == "posts":
                page = content.posts_and_comments(
                    viewer=viewer, parsed=parsed, filters=filters, as_of=now, cursor=cursor, limit=5
                )
            else:
                page = content.file_hits(
                    viewer=viewer, parsed=parsed, filters=filters, as_of=now, cursor=cursor, limit=5
                )
            for hit in page.items:
                seen[hit.kind].append(hit.item.pk)
            cursor = page.next_cursor
            if cursor is None:
                break
    assert {kind: sorted(pks) for kind, pks in seen.items()} == {kind: sorted(pks) for kind, pks in made.items()}


@pytest.mark.parametrize(("window", "matches"), [(4, 3), (4, 4), (4, 5), (4, 8), (5, 5), (5, 8), (3, 8)])
def test_counts_taken_from_the_ranking_window_are_the_counted_ones(monkeypatch, window, matches):
    """A ranked page's window counts its kind's matches up to one more than it holds; the tab
    counts then use that number instead of counting again (with a window at least as large
    as the cap), and they say what counting says: exact below the cap, cap + 1 above."""
    monkeypatch.setattr(others, "COUNT_CAP", 4)
    monkeypatch.setattr(content, "RANK_WINDOW", window)
    for n in range(matches):
        post = PostFactory(body=f"walrus report {n}")
        CommentFactory(post=post, body=f"walrus comment {n}")
        Attachment.objects.create(post=post, name=f"walrus-{n}.pdf", content_type="application/pdf", size=1)
    viewer = ProfileFactory().user
    parsed, now = parse("walrus"), timezone.now()
    counted = content.resolve_filters(viewer=viewer, parsed=parsed, filters=content.Filters())
    content.posts_and_comments(viewer=viewer, parsed=parsed, filters=counted, as_of=now)
    content.file_hits(viewer=viewer, parsed=parsed, filters=counted, as_of=now)
    assert set(counted.counted) == {"posts", "comments", "files"}
    fresh = content.resolve_filters(viewer=viewer, parsed=parsed, filters=content.Filters())
    expected = others.tab_counts(viewer=viewer, parsed=parsed, filters=fresh, as_of=now)
    assert others.tab_counts(viewer=viewer, parsed=parsed, filters=counted, as_of=now) == expected
    assert expected["files"] == min(matches, 5)

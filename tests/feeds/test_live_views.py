"""What a live page asks for: the posts newer than those on screen, a card afresh, the home
feed's sources. The privacy of each is in tests/feeds/test_privacy.py."""

import pytest
from django.test import Client

from apps.communities.models import Membership, Role, State, Visibility
from apps.communities.services import community_create
from apps.feeds.services import post_create
from apps.profiles.models import Follow
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader():
    return ProfileFactory().user


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_newer_counts_and_shows_only_what_is_newer(reader):
    author = ProfileFactory().user
    old = post_create(actor=author, community=None, body="Old news")
    fresh = [post_create(actor=author, community=None, body=f"Fresh {n}") for n in range(3)]
    client = _client(reader)
    url = f"/feed/newer/?feed=company&since={old.pk}"
    assert client.get(url + "&count=1").json() == {"count": 3, "more": False}
    html = client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert html.index(f'id="post-{fresh[2].pk}"') < html.index(f'id="post-{fresh[0].pk}"')
    assert "Old news" not in html
    assert client.get(f"/feed/newer/?feed=company&since={fresh[2].pk}&count=1").json()["count"] == 0


@pytest.mark.parametrize("query", ["feed=nope&since=1", "feed=home", "feed=home&since=-1", "feed=home&since=x"])
def test_newer_refuses_what_it_does_not_know(reader, query):
    assert _client(reader).get(f"/feed/newer/?{query}").status_code == 404


def test_a_feed_of_a_subject_without_one_has_nothing_new(reader):
    assert _client(reader).get("/feed/newer/?feed=community&since=0&count=1").json()["count"] == 0


def test_home_sources_are_my_communities_and_the_people_i_follow(reader):
    owner = ProfileFactory().user
    mine = community_create(actor=owner, name="Mine", visibility=Visibility.PRIVATE)
    community_create(actor=owner, name="Not mine")
    Membership.objects.create(community=mine, user=reader, role=Role.MEMBER, state=State.ACTIVE)
    Follow.objects.create(follower=reader, followee=owner)
    assert _client(reader).get("/feed/home-sources/").json() == {"communities": [mine.pk], "people": [owner.pk]}
    # Somebody else's private community is nobody else's business.
    stranger = ProfileFactory().user
    assert _client(stranger).get("/feed/home-sources/").json() == {"communities": [], "people": []}


def test_a_card_is_drawn_afresh_for_its_readers(reader):
    author = ProfileFactory().user
    post = post_create(actor=author, community=None, body="A card")
    response = _client(reader).get(f"/posts/{post.pk}/card/")
    assert response.status_code == 200 and f'id="post-{post.pk}"' in response.content.decode()


@pytest.mark.parametrize("count", [1, 20])
def test_newer_runs_a_constant_number_of_queries(count, reader, django_assert_num_queries):
    from apps.feeds.selectors import newer_posts

    author = ProfileFactory().user
    old = post_create(actor=author, community=None, body="Old news")
    for n in range(count):
        post_create(actor=author, community=None, body=f"Fresh {n}")
    with django_assert_num_queries(2):
        posts = newer_posts(viewer=reader, feed="company", subject_id=None, since_id=old.pk)
    assert len(posts) == count


# ------------------------------------------------------------------- catching up


def _long_ago():
    """Every post and comment as if last changed an hour ago (the page loaded then)."""
    from datetime import timedelta

    from django.utils import timezone

    from apps.feeds.models import Comment, Post

    an_hour_ago = timezone.now() - timedelta(hours=1)
    Post.objects.update(updated_at=an_hour_ago)
    Comment.objects.update(updated_at=an_hour_ago)


def _changes(client, posts, comments=(), missed=3000):
    ids = ",".join(str(item.pk) for item in posts), ",".join(str(item.pk) for item in comments)
    response = client.get(f"/feed/changes/?missed={missed}&posts={ids[0]}&comments={ids[1]}")
    assert response.status_code == 200
    return response.json()


def test_catching_up_brings_edits_deletions_counts_and_polls(reader):
    from apps.feeds.models import Kind
    from apps.feeds.services import (
        comment_create,
        comment_delete,
        comment_update,
        poll_vote,
        post_delete,
        post_update,
        reaction_set,
    )

    author = ProfileFactory().user
    kept, edited, deleted, liked, unliked, commented = (
        post_create(actor=author, community=None, body=f"Post {name}")
        for name in ("kept", "edited", "deleted", "liked", "unliked", "commented")
    )
    poll = post_create(actor=author, community=None, body="Lunch?", kind=Kind.POLL, poll_options=["Pizza", "Sushi"])
    reaction_set(actor=reader, post=unliked, kind="like")
    quiet, changed, removed = (comment_create(actor=author, post=commented, body=f"Comment {n}") for n in range(3))
    _long_ago()
    # While the reader's page is not listening:
    post_update(actor=author, post=edited, body="Post edited, now")
    post_delete(actor=author, post=deleted)
    reaction_set(actor=author, post=liked, kind="celebrate")
    reaction_set(actor=reader, post=unliked, kind=None)
    comment_create(actor=author, post=commented, body="A new comment")
    poll_vote(actor=author, post=poll, option_ids=[poll.poll_options.first().pk])
    comment_update(actor=author, comment=changed, body="Comment edited, now")
    comment_delete(actor=author, comment=removed)

    answer = _changes(
        _client(reader), [kept, edited, deleted, liked, unliked, commented, poll], [quiet, changed, removed]
    )
    assert set(answer["posts"]) == {str(p.pk) for p in (edited, deleted, liked, unliked, commented, poll)}
    assert answer["posts"][str(deleted.pk)] is None
    assert "Post edited, now" in answer["posts"][str(edited.pk)]
    assert f'id="post-{liked.pk}"' in answer["posts"][str(liked.pk)]
    assert "3 comments" in answer["posts"][str(commented.pk)]  # one new, one deleted
    assert set(answer["comments"]) == {str(changed.pk), str(removed.pk)}
    assert answer["comments"][str(removed.pk)] is None
    assert "Comment edited, now" in answer["comments"][str(changed.pk)]
    assert f'id="comment-{changed.pk}"' in answer["comments"][str(changed.pk)]


def test_catching_up_takes_off_what_the_reader_may_no_longer_read(reader):
    owner = ProfileFactory().user
    private = community_create(actor=owner, name="Inner circle", visibility=Visibility.PRIVATE)
    membership = Membership.objects.create(community=private, user=reader, role=Role.MEMBER, state=State.ACTIVE)
    post = post_create(actor=owner, community=private, body="Members only")
    _long_ago()
    client = _client(reader)
    assert _changes(client, [post]) == {"posts": {}, "comments": {}}
    membership.delete()
    assert _changes(client, [post]) == {"posts": {str(post.pk): None}, "comments": {}}
    # What a stranger names by id is simply gone for them, never shown.
    stranger = _client(ProfileFactory().user)
    assert _changes(stranger, [post], missed=10**9) == {"posts": {str(post.pk): None}, "comments": {}}


@pytest.mark.parametrize("missed", [10**17, 2**63 - 1])
def test_catching_up_after_any_absence_looks_back_at_most_ten_years(reader, missed):
    """A page away for longer than timedelta can count (a forged or broken number) is
    answered like one away for ten years, not with an error."""
    author = ProfileFactory().user
    post = post_create(actor=author, community=None, body="Still here")
    answer = _changes(_client(reader), [post], missed=missed)
    assert set(answer["posts"]) == {str(post.pk)}


@pytest.mark.parametrize(
    "query", ["", "missed=x", "missed=-1&posts=1", "missed=1&posts=1,a", "missed=1&comments=0", "posts=1"]
)
def test_catching_up_refuses_what_it_does_not_know(reader, query):
    assert _client(reader).get(f"/feed/changes/?{query}").status_code == 404


@pytest.mark.parametrize("count", [1, 20])
def test_catching_up_runs_a_constant_number_of_queries(count, reader, django_assert_num_queries):
    from django.utils import timezone

    from apps.feeds.catch_up import changes_since
    from apps.feeds.services import comment_create, comment_update, reaction_set

    author = ProfileFactory().user
    posts = [post_create(actor=author, community=None, body=f"Post {n}") for n in range(count)]
    comments = [comment_create(actor=author, post=post, body="first") for post in posts]
    since = timezone.now()
    for post, comment in zip(posts, comments, strict=True):
        comment_update(actor=author, comment=comment, body="edited")
        reaction_set(actor=reader, post=post, kind="like")
    viewer = type(reader).objects.get(pk=reader.pk)  # as a request has it: nothing cached yet
    # The readable posts, the readable comments, the cards' posts, the comments' details,
    # and whether the reader is a site administrator (what the cards offer).
    with django_assert_num_queries(5):
        found = changes_since(
            viewer=viewer, since=since, post_ids=[p.pk for p in posts], comment_ids=[c.pk for c in comments]
        )
    assert len(found.posts) == count and len(found.comments) == count


def test_an_image_made_ready_while_the_page_was_away_is_caught_up(reader, media, monkeypatch):
    """A large image is re-encoded by the worker after the post and the message were sent:
    a page that was not listening then gets the post's card, and the message, afresh."""
    from django.urls import reverse

    from apps.feeds import tasks
    from apps.messaging import services as messaging
    from apps.messaging import tasks as messaging_tasks
    from apps.messaging.models import Message, MessageAttachment
    from tests.image_files import huge_png

    for task in (tasks.process_attachment_task, messaging_tasks.process_attachment_task):
        monkeypatch.setattr(task, "apply_async", lambda *args, **options: None)
    author = ProfileFactory().user
    post = post_create(actor=author, community=None, body="Poster", uploads=[huge_png()])
    conversation = messaging.conversation_direct_open(actor=author, other=reader)
    message, _ = messaging.message_send(actor=author, conversation=conversation, body="Chart", uploads=[huge_png()])
    _long_ago()
    Message.objects.update(updated_at=post.created_at.replace(year=2000))
    tasks.process_attachment(post.attachments.get().pk)
    messaging_tasks.process_attachment(MessageAttachment.objects.get(message=message).pk)

    client = _client(reader)
    card = _changes(client, [post])["posts"][str(post.pk)]
    assert reverse("feeds:thumbnail", args=[post.attachments.get().pk]) in card
    history = reverse("messaging:history", args=[conversation.pk]) + f"?after={message.pk}&missed=1000&from=1"
    assert [m.pk for m in client.get(history).context["page"]] == [message.pk]

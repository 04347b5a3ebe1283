"""The demo activity (`manage.py seed_demo`): every kind of post, through the real services,
readable by whom it should be, and seeded once only.

Seeding takes seconds, so it runs once for the module, inside a transaction rolled back at
the end; each test runs in its own savepoint within it."""

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from apps.communities.models import Community, Membership, State, Visibility
from apps.core.text import extract_mentions_and_hashtags
from apps.demo import activity as demo
from apps.demo.activity_data import POSTS
from apps.demo.organisation_data import ADMIN_EMAIL, CEO, demo_email
from apps.feeds import selectors
from apps.feeds.models import (
    Attachment,
    Bookmark,
    Comment,
    HashtagFollow,
    Kind,
    Mention,
    PollVote,
    Post,
    PraiseRecipient,
    Reaction,
)
from apps.feeds.services import can_read, post_update
from apps.notifications.models import Kind as NotificationKind
from apps.notifications.models import Notification
from apps.profiles.models import Follow
from apps.profiles.selectors import resolve_handles

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo_media(tmp_path_factory):
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, demo_media):
    """The output of a first `seed_demo` on an empty database."""
    out = StringIO()
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=demo_media), transaction.atomic():
        call_command("seed_demo", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _tables() -> dict:
    from apps.messaging.models import Conversation, Message, MessageReaction

    models = [Post, Comment, Reaction, Attachment, PollVote, Mention, Bookmark, Follow, HashtagFollow]
    models += [Conversation, Message, MessageReaction]
    return {model.__name__: model.objects.count() for model in models}


def test_seed_creates_a_lively_feed_of_every_kind(seeded):
    assert "Demo activity added: " in seeded and "skipped" not in seeded
    posts = Post.objects.all()
    assert 40 <= posts.count() <= 60
    assert set(posts.values_list("kind", flat=True)) == set(Kind.values)
    # Comments with replies, reactions of several kinds on posts and comments.
    assert Comment.objects.filter(parent__isnull=False).exists()
    assert Comment.objects.filter(parent__isnull=True).count() > 40
    assert Reaction.objects.filter(comment__isnull=False).exists()
    assert Reaction.objects.values("kind").distinct().count() >= 4
    assert all(post.reaction_total == post.reactions.count() for post in posts)
    # Images drawn locally and re-encoded by the attachment pipeline.
    images = Attachment.objects.filter(is_image=True)
    assert images.count() >= 3 and all(image.thumbnail for image in images)
    # Polls with votes, one of them closed; questions with a best answer.
    polls = posts.filter(kind=Kind.POLL)
    assert all(poll.poll_votes.exists() for poll in polls)
    assert polls.filter(poll_closes_at__lt=timezone.now()).exists()
    questions = posts.filter(kind=Kind.QUESTION)
    assert questions.exists() and all(q.best_answer and q.best_answer.post_id == q.pk for q in questions)
    # Announcements: the admin's company-wide one is pinned; a community owner made one too.
    admin = get_user_model().objects.get(email=ADMIN_EMAIL)
    assert posts.filter(kind=Kind.ANNOUNCEMENT, community=None, author=admin, pinned_at__isnull=False).exists()
    assert posts.filter(kind=Kind.ANNOUNCEMENT, community__isnull=False).exclude(author=admin).exists()
    # Shares point to an earlier post; mentions, hashtags, follows, bookmarks exist.
    for share in posts.filter(kind=Kind.SHARE):
        assert share.shared_post.created_at < share.created_at
    assert Mention.objects.exists() and Bookmark.objects.exists()
    assert Follow.objects.count() > 40 and HashtagFollow.objects.count() > 40


def test_activity_spreads_over_the_last_weeks(seeded):
    now = timezone.now()
    moments = list(Post.objects.values_list("created_at", flat=True))
    assert all(moment < now for moment in moments)
    assert (now - min(moments)).days >= 18 and (now - max(moments)).days <= 4
    for comment in Comment.objects.select_related("post", "parent"):
        assert comment.post.created_at < comment.created_at < now
        if comment.parent is not None:
            assert comment.parent.created_at < comment.created_at


def test_the_posts_kept_by_topic_play_in_one_order():
    """apps/demo/activity_data keeps the posts in one module per topic and sorts them by `when`:
    each moment is taken once, keys are unique, and a share comes after what it shares."""
    moments = [spec["when"] for spec in POSTS]
    assert len(set(moments)) == len(moments)
    keys = [spec["key"] for spec in POSTS]
    assert len(set(keys)) == len(keys)
    for index, spec in enumerate(POSTS):
        if "share" in spec:
            assert spec["share"] in keys[:index], spec["key"]


def test_everything_stays_among_those_who_may_read_it(seeded):
    members = {}
    for community_id, user_id in Membership.objects.filter(state=State.ACTIVE).values_list("community_id", "user_id"):
        members.setdefault(community_id, set()).add(user_id)
    private = Post.objects.filter(community__visibility=Visibility.PRIVATE).select_related("community")
    assert private.exists()
    for post in private:
        assert post.author_id in members[post.community_id]
        assert set(post.comments.values_list("author_id", flat=True)) <= members[post.community_id]
        assert set(post.reactions.values_list("user_id", flat=True)) <= members[post.community_id]
    # Praise recipients can read their praise.
    for row in PraiseRecipient.objects.select_related("post", "user"):
        assert can_read(row.user, row.post)
    # Every @handle written resolves to someone who can read the post.
    texts = [(post, post.body) for post in Post.objects.all()]
    texts += [(comment.post, comment.body) for comment in Comment.objects.select_related("post")]
    for post, body in texts:
        handles, _tags = extract_mentions_and_hashtags(body)
        resolved = resolve_handles(handles)
        assert len(resolved) == len(handles), body
        assert all(can_read(user, post) for user in resolved.values()), body


def test_home_feeds_of_the_demo_accounts_are_not_empty(seeded, client):
    User = get_user_model()
    for email in (demo_email(*CEO[:2]), ADMIN_EMAIL):
        user = User.objects.get(email=email)
        page = selectors.home_feed(viewer=user)
        assert page.items and page.pinned
        client.force_login(user)
        for url in ("/", "/feed/company/"):
            assert client.get(url).status_code == 200


def test_seed_adds_conversations_with_unread_messages_for_the_ceo(seeded, client):
    from datetime import timedelta

    from apps.demo.organisation_data import CEO, demo_email
    from apps.messaging import emails, selectors

    assert "Demo conversations added: 3 conversations, 11 messages." in seeded
    ceo = get_user_model().objects.get(email=demo_email(*CEO[:2]))
    rows = selectors.conversation_list(viewer=ceo)[0]
    assert [row.unread for row in rows] == [2, 0, 0]
    assert selectors.unread_total(viewer=ceo) == 2
    client.force_login(ceo)
    for row in rows:
        assert client.get(f"/messages/{row.conversation.pk}/").status_code == 200
    # Seeded history is not e-mailed to everyone at once.
    assert emails.send_unread(now=timezone.now() + timedelta(days=1)) == 0


def test_seeding_twice_adds_nothing(seeded, demo_media):
    before = _tables()
    files = sorted(path for path in demo_media.rglob("*") if path.is_file())
    out = StringIO()
    with override_settings(MEDIA_ROOT=demo_media):
        call_command("seed_demo", stdout=out)
    assert "Demo activity already present" in out.getvalue()
    assert _tables() == before
    assert sorted(path for path in demo_media.rglob("*") if path.is_file()) == files


def test_a_changed_organisation_is_skipped_not_fatal(seeded, monkeypatch):
    """Someone left, a community was archived: what cannot be done is skipped and counted."""
    Post.objects.all().delete()
    Community.objects.filter(name="Projet Atlas").update(archived_at=timezone.now())
    get_user_model().objects.filter(email=demo_email("Gaël", "Rousseau")).update(is_active=False)
    keys = {"welcome", "atlas-status", "customer-visit", "support-tip", "share-support-tip", "praise-outbound"}
    monkeypatch.setattr(demo, "POSTS", [spec for spec in POSTS if spec["key"] in keys])
    result = demo.seed_activity()
    assert result["posts"] == 4 and result["skipped"] == 2
    assert not Post.objects.filter(community__name="Projet Atlas").exists()
    # The admin edits the welcome post: the activity is still there, and not seeded again.
    welcome = Post.objects.get(author__email=ADMIN_EMAIL, pinned_at__isnull=False)
    post_update(actor=welcome.author, post=welcome, body="Welcome! Read the guidelines in the wiki.")
    assert demo.seed_activity() is None


# The demo's notifications carry the time of what they tell (apps/demo/event_times.py): its
# three weeks of activity are not all "6 min" old in everyone's notifications. (Here, on the
# module's one seed: a module of their own seeded the demo a second time, minutes of the suite.)


def test_notifications_show_when_their_events_happened(seeded):
    now = timezone.now()
    notifications = list(Notification.objects.select_related("post", "comment"))
    assert notifications
    # Most of the activity is days old, and so are most notifications.
    old = [n for n in notifications if n.occurred_at < now - timedelta(days=2)]
    assert len(old) > len(notifications) / 2
    for notification in notifications:
        assert notification.occurred_at <= now
        about_the_post = notification.kind in (
            NotificationKind.PRAISE,
            NotificationKind.ANNOUNCEMENT,
            NotificationKind.MENTION,
        )
        if about_the_post and notification.comment is None:
            assert notification.occurred_at == notification.post.created_at
        elif notification.comment is not None:
            assert notification.occurred_at >= notification.comment.created_at - timedelta(seconds=1)


def test_reactions_come_after_what_they_react_to(seeded):
    reactions = list(Reaction.objects.select_related("post", "comment"))
    assert reactions
    for reaction in reactions:
        subject = reaction.comment or reaction.post
        assert subject.created_at <= reaction.created_at <= timezone.now()

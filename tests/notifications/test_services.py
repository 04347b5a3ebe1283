"""Who is notified of what: written with the content, planned when the task runs (visibility
re-checked), never the actor, at most once per (event, recipient), merged per thread."""

import pytest
from django.db import transaction
from django.utils import translation

from apps.communities.models import Membership, Role, State
from apps.communities.services import membership_transition
from apps.facts.models import Fact
from apps.facts.services import facts_sweep
from apps.feeds.models import Kind as PostKind
from apps.feeds.services import comment_create, post_create, reaction_set
from apps.notifications import selectors, services
from apps.notifications.models import Channel, Kind, Notification, Preference, Receipt

pytestmark = pytest.mark.django_db


def kinds_of(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_the_fact_is_written_with_the_post_and_not_without_it(anna, bob, public):
    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        post_create(actor=anna, community=public, body="Hello @bob.stone")
        assert Fact.objects.count() == 1
        raise Rollback
    assert Fact.objects.count() == 0
    post_create(actor=anna, community=public, body="Hello @bob.stone")
    assert list(Fact.objects.values_list("event", flat=True)) == ["post.created"]


def test_a_plain_post_writes_no_fact(anna, public):
    post_create(actor=anna, community=public, body="Nothing for anyone")
    assert not Fact.objects.exists()


def test_a_mention_notifies_the_person_once_even_when_the_task_runs_twice(anna, bob, public, run_facts):
    post_create(actor=anna, community=public, body="Hello @bob.stone and @anna.martin")
    fact = Fact.objects.get()
    assert services.fact_process(fact_id=fact.pk) == 1
    assert services.fact_process(fact_id=fact.pk) == 0
    # Even a fact processed afresh (a retried task after a crash) does not notify twice.
    Fact.objects.filter(pk=fact.pk).update(processed_at=None)
    assert services.fact_process(fact_id=fact.pk) == 0
    assert kinds_of(bob) == [Kind.MENTION]
    assert kinds_of(anna) == []  # never the actor
    assert Receipt.objects.filter(recipient=bob).count() == 1


def test_editing_a_post_notifies_only_the_newly_mentioned(anna, bob, carol, public, run_facts):
    from apps.feeds.services import post_update

    post = post_create(actor=anna, community=public, body="Hello @bob.stone")
    run_facts()
    post_update(actor=anna, post=post, body="Hello @bob.stone and @carol.out")
    run_facts()
    assert kinds_of(bob) == [Kind.MENTION]
    assert kinds_of(carol) == [Kind.MENTION]


def test_someone_who_lost_access_before_the_task_ran_is_not_notified(anna, bob, private, run_facts):
    post_create(actor=anna, community=private, body="For @bob.stone only")
    membership_transition(actor=anna, community=private, user=bob, action="remove")
    run_facts()
    assert kinds_of(bob) == []


def test_a_post_deleted_before_the_task_ran_notifies_nobody(anna, bob, public, run_facts):
    from apps.feeds.services import post_delete

    post = post_create(actor=anna, community=public, body="Oops @bob.stone")
    post_delete(actor=anna, post=post)
    run_facts()
    assert not Notification.objects.exists()


def test_comments_and_replies(anna, bob, carol, public, run_facts):
    post = post_create(actor=anna, community=None, body="Thoughts?")
    first = comment_create(actor=bob, post=post, body="Mine")
    comment_create(actor=carol, post=post, body="Agreed", parent=first)
    comment_create(actor=anna, post=post, body="Thanks")  # on her own post: nobody
    run_facts()
    assert kinds_of(bob) == [Kind.REPLY]
    # Anna's two notifications about her post became one: "Carol and 1 other commented".
    row = Notification.objects.get(recipient=anna)
    assert (row.kind, row.target, row.actor_ids) == (Kind.COMMENT, f"post:{post.pk}", [carol.pk, bob.pk])
    with translation.override("en"):
        described = selectors.describe([row])[row.pk]
    assert described["text"] == "Carol Outsider and 1 other commented on your post"
    assert described["url"] == f"/posts/{post.pk}/"  # about the thread, not one of its comments


def test_a_mention_in_a_reply_wins_over_the_reply(anna, bob, public, run_facts):
    post = post_create(actor=anna, community=None, body="Thoughts?")
    first = comment_create(actor=bob, post=post, body="Mine")
    comment_create(actor=anna, post=post, body="@bob.stone see this", parent=first)
    run_facts()
    assert kinds_of(bob) == [Kind.MENTION]


def test_reactions_are_grouped_and_counted_once_per_person(anna, bob, carol, dave, public, run_facts):
    post = post_create(actor=anna, community=None, body="Launch day")
    reaction_set(actor=bob, post=post, kind="like")
    reaction_set(actor=carol, post=post, kind="celebrate")
    reaction_set(actor=bob, post=post, kind=None)
    reaction_set(actor=bob, post=post, kind="support")  # taken back and given again
    reaction_set(actor=dave, post=post, kind="like")
    reaction_set(actor=dave, post=post, kind=None)  # taken back before the task ran
    reaction_set(actor=anna, post=post, kind="like")  # her own post
    run_facts()
    row = Notification.objects.get(recipient=anna)
    assert row.kind == Kind.REACTION
    assert sorted(row.actor_ids) == sorted([bob.pk, carol.pk])
    with translation.override("fr"):
        text = selectors.describe([row])[row.pk]["text"]
    assert "et 1 autre" in text and "réagi à votre publication" in text


def test_a_read_notification_is_not_merged_into(anna, bob, carol, public, run_facts):
    post = post_create(actor=anna, community=None, body="Launch day")
    reaction_set(actor=bob, post=post, kind="like")
    run_facts()
    services.notifications_read_all(actor=anna)
    reaction_set(actor=carol, post=post, kind="like")
    run_facts()
    assert Notification.objects.filter(recipient=anna).count() == 2
    assert selectors.unread_count(viewer=anna) == 1


def test_an_announcement_reaches_the_members_only(anna, bob, carol, private, run_facts):
    post_create(actor=anna, community=private, body="All hands on Friday", kind=PostKind.ANNOUNCEMENT)
    run_facts()
    assert kinds_of(bob) == [Kind.ANNOUNCEMENT]
    assert kinds_of(carol) == []
    assert kinds_of(anna) == []


def test_praise_notifies_the_people_praised(anna, bob, public, run_facts):
    post_create(actor=anna, community=public, body="Great work", kind=PostKind.PRAISE, badge="thanks", recipients=[bob])
    run_facts()
    assert kinds_of(bob) == [Kind.PRAISE]


def test_membership_notifications(anna, bob, carol, dave, private, run_facts):
    from apps.communities.models import Visibility
    from apps.communities.services import community_create

    membership_transition(actor=anna, community=private, user=carol, action="invite")
    run_facts()
    assert kinds_of(carol) == [Kind.INVITATION]

    moderated = community_create(actor=anna, name="Reviewed", visibility=Visibility.MODERATED)
    Membership.objects.create(community=moderated, user=bob, role=Role.MODERATOR, state=State.ACTIVE)
    membership_transition(actor=dave, community=moderated, user=dave, action="request", message="Please")
    run_facts()
    assert Notification.objects.filter(kind=Kind.JOIN_REQUEST).count() == 2  # both managers
    membership_transition(actor=bob, community=moderated, user=dave, action="approve")
    run_facts()
    assert kinds_of(dave) == [Kind.REQUEST_APPROVED]
    with translation.override("en"):
        row = Notification.objects.get(recipient=dave)
        assert selectors.describe([row])[row.pk]["text"] == "You are now a member of Reviewed"


def test_an_invitation_declined_before_the_task_ran_says_nothing(anna, carol, private, run_facts):
    membership_transition(actor=anna, community=private, user=carol, action="invite")
    membership_transition(actor=carol, community=private, user=carol, action="decline")
    run_facts()
    assert kinds_of(carol) == []


def test_a_kind_turned_off_is_not_notified_at_all(anna, bob, public, run_facts):
    services.preferences_set(actor=bob, channels={Kind.MENTION: Channel.OFF})
    post_create(actor=anna, community=public, body="Hello @bob.stone")
    run_facts()
    assert kinds_of(bob) == []


def test_preferences_keep_only_what_differs_from_the_defaults(bob):
    services.preferences_set(actor=bob, channels={Kind.MENTION: Channel.IMMEDIATE, Kind.REACTION: Channel.WEEKLY})
    assert list(Preference.objects.values_list("kind", "channel")) == [(Kind.REACTION, Channel.WEEKLY)]
    assert selectors.preferences_of(user=bob)[Kind.REACTION] == Channel.WEEKLY
    with pytest.raises(Exception, match="Choose"):
        services.preferences_set(actor=bob, channels={Kind.MENTION: "sometimes"})


def test_the_facts_sweep_processes_facts_whose_task_was_never_queued(anna, bob, public):
    from datetime import timedelta

    post_create(actor=anna, community=public, body="Hello @bob.stone")
    assert facts_sweep() == 0  # too recent: its task may still be on its way
    assert facts_sweep(older_than=timedelta(0)) == 1
    assert facts_sweep(older_than=timedelta(0)) == 0
    assert kinds_of(bob) == [Kind.MENTION]


def test_a_list_of_notifications_hides_what_the_reader_may_no_longer_see(anna, bob, private, run_facts):
    post_create(actor=anna, community=private, body="For @bob.stone")
    run_facts()
    assert selectors.unread_count(viewer=bob) == 1
    membership_transition(actor=anna, community=private, user=bob, action="remove")
    assert selectors.unread_count(viewer=bob) == 0
    assert selectors.notification_list(viewer=bob).items == []


def test_events_to_sockets_go_after_commit(anna, bob, public, django_capture_on_commit_callbacks, monkeypatch):
    from apps.core import broadcast

    sent = []
    monkeypatch.setattr(broadcast, "send_many_now", lambda messages: sent.extend(messages) or len(messages))
    post_create(actor=anna, community=public, body="Hello @bob.stone")
    fact = Fact.objects.get()
    with django_capture_on_commit_callbacks() as callbacks:
        services.fact_process(fact_id=fact.pk)
        assert sent == []
    for callback in callbacks:
        callback()
    notification = Notification.objects.get()
    assert sent == [
        (
            f"user.{bob.pk}",
            {
                "type": "notification.new",
                "id": notification.pk,
                "added": 1,
                "text": "Anna Martin mentioned you",
                "url": f"/posts/{notification.post_id}/",
            },
        )
    ]


@pytest.mark.parametrize("count", [1, 20])
def test_the_list_runs_a_constant_number_of_queries(count, anna, bob, public, run_facts, django_assert_num_queries):
    for n in range(count):
        post_create(actor=anna, community=public, body=f"Number {n} for @bob.stone")
    run_facts()
    bob.refresh_from_db()
    with django_assert_num_queries(3):
        page = selectors.notification_list(viewer=bob)
    assert len(page.items) == count


def test_editing_an_old_post_does_not_notify_its_mentions_again(anna, bob, carol, public, run_facts):
    from datetime import timedelta

    from django.utils import timezone

    from apps.feeds.models import Mention
    from apps.feeds.services import post_update

    post = post_create(actor=anna, community=public, body="Hello @bob.stone")
    run_facts()
    # Months later: the receipts have been pruned, the mention is old.
    assert services.prune(now=timezone.now() + timedelta(days=31)) >= 1
    Mention.objects.update(created_at=timezone.now() - timedelta(days=90))
    post_update(actor=anna, post=post, body="Hello @bob.stone (typo fixed), and @carol.out")
    run_facts()
    assert kinds_of(bob) == [Kind.MENTION]
    assert kinds_of(carol) == [Kind.MENTION]


def test_a_merged_notification_outlives_the_deletion_of_its_latest_comment(anna, bob, carol, run_facts):
    from apps.feeds.services import comment_delete

    post = post_create(actor=anna, community=None, body="Thoughts?")
    comment_create(actor=bob, post=post, body="One")
    latest = comment_create(actor=carol, post=post, body="Two")
    run_facts()
    comment_delete(actor=carol, comment=latest)
    assert selectors.unread_count(viewer=anna) == 1
    assert selectors.notification_list(viewer=anna).items[0].comment_id is None

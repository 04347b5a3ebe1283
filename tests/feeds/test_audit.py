"""Pins and the moderators' other acts on what people wrote go to the audit log, in the
same transaction as the change; what people do to their own posts and comments does not."""

import pytest
from django.core.exceptions import PermissionDenied

from apps.communities.models import Membership, Role, State
from apps.feeds.models import Comment, Kind, Post
from apps.feeds.services import (
    best_answer_set,
    comment_create,
    comment_delete,
    post_create,
    post_pin,
)
from apps.feeds.services import interactions as interaction_services
from apps.feeds.services import posts as post_services
from apps.moderation.models import AuditLogEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator(make_person, public):
    moderator = make_person("Mo", "Derator")
    Membership.objects.create(community=public, user=moderator, role=Role.MODERATOR, state=State.ACTIVE)
    return moderator


def entries():
    return list(AuditLogEntry.objects.order_by("id").values_list("actor_id", "action", "target_type", "target_id"))


def failing_audit(*_args, **_kwargs):
    raise RuntimeError("the audit log is unavailable")


def test_a_moderator_pins_and_unpins_with_audit_entries(bob, moderator, public):
    post = post_create(actor=bob, community=public, body="Read me first")
    post_pin(actor=moderator, post=post, pinned=True)
    post_pin(actor=moderator, post=post, pinned=False)
    assert entries() == [
        (moderator.pk, "post.pin", "feeds.post", str(post.pk)),
        (moderator.pk, "post.unpin", "feeds.post", str(post.pk)),
    ]
    pin, unpin = AuditLogEntry.objects.order_by("id")
    assert pin.before == {"pinned_at": None} and pin.after["pinned_at"]
    assert unpin.before == pin.after and unpin.after == {"pinned_at": None}


def test_a_site_admin_pins_a_company_wide_post(admin, carol):
    post = post_create(actor=carol, community=None, body="Company news")
    post_pin(actor=admin, post=post, pinned=True)
    assert entries() == [(admin.pk, "post.pin", "feeds.post", str(post.pk))]


def test_unpinning_what_was_not_pinned_writes_nothing(bob, moderator, public):
    post = post_create(actor=bob, community=public, body="Never pinned")
    post_pin(actor=moderator, post=post, pinned=False)
    assert entries() == []


def test_a_refused_pin_writes_nothing(bob, carol, public):
    post = post_create(actor=bob, community=public, body="Mine")
    with pytest.raises(PermissionDenied):
        post_pin(actor=bob, post=post, pinned=True)  # a member, not a moderator
    assert entries() == []


def test_an_announcement_pinned_as_it_is_made_is_audited(anna, public):
    post = post_create(actor=anna, community=public, body="Rules", kind=Kind.ANNOUNCEMENT, pinned=True)
    assert entries() == [(anna.pk, "post.pin", "feeds.post", str(post.pk))]
    post_create(actor=anna, community=public, body="News", kind=Kind.ANNOUNCEMENT)
    assert len(entries()) == 1


def test_no_pin_without_its_audit_entry(bob, moderator, public, monkeypatch):
    post = post_create(actor=bob, community=public, body="Read me first")
    monkeypatch.setattr(post_services, "audit_record", failing_audit)
    with pytest.raises(RuntimeError):
        post_pin(actor=moderator, post=post, pinned=True)
    assert Post.objects.get(pk=post.pk).pinned_at is None
    with pytest.raises(RuntimeError):
        post_create(actor=public.created_by, community=public, body="Rules", kind=Kind.ANNOUNCEMENT, pinned=True)
    assert not Post.objects.filter(kind=Kind.ANNOUNCEMENT).exists()


def test_a_moderator_deleting_a_comment_is_audited_the_author_is_not(bob, moderator, public, monkeypatch):
    post = post_create(actor=bob, community=public, body="Hello")
    mine = comment_create(actor=bob, post=post, body="Typo")
    rude = comment_create(actor=bob, post=post, body="Rude words")
    comment_delete(actor=bob, comment=mine)
    assert entries() == []
    comment_delete(actor=moderator, comment=rude)
    assert entries() == [(moderator.pk, "comment.delete", "feeds.comment", str(rude.pk))]
    other = comment_create(actor=bob, post=post, body="More rude words")
    monkeypatch.setattr(interaction_services, "audit_record", failing_audit)
    with pytest.raises(RuntimeError):
        comment_delete(actor=moderator, comment=other)
    assert Comment.objects.get(pk=other.pk).deleted_at is None


def test_a_moderator_choosing_the_best_answer_is_audited_the_author_is_not(bob, moderator, public):
    question = post_create(actor=bob, community=public, body="Which editor?", kind=Kind.QUESTION)
    first = comment_create(actor=moderator, post=question, body="Any.")
    second = comment_create(actor=moderator, post=question, body="Yours.")
    best_answer_set(actor=bob, post=question, comment=first)
    assert entries() == []
    best_answer_set(actor=moderator, post=question, comment=second)
    best_answer_set(actor=moderator, post=question, comment=second)  # no change, no entry
    assert entries() == [(moderator.pk, "post.best_answer", "feeds.post", str(question.pk))]
    entry = AuditLogEntry.objects.get()
    assert (entry.before, entry.after) == ({"best_answer": first.pk}, {"best_answer": second.pk})

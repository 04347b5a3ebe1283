"""Invitations to a community are audited: one person, or a whole department (each person
and the department as a whole), in the same transaction as the invitations."""

import pytest

from apps.communities.models import Membership, Role, State, Visibility
from apps.communities.services import community_create, invite_department, membership_transition, memberships
from apps.moderation.models import AuditLogEntry
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def failing_audit(*_args, **_kwargs):
    raise RuntimeError("the audit log is unavailable")


@pytest.fixture
def community():
    return community_create(actor=UserFactory(), name="Guild", visibility=Visibility.PRIVATE)


@pytest.fixture
def moderator(community):
    moderator = UserFactory()
    Membership.objects.create(community=community, user=moderator, role=Role.MODERATOR, state=State.ACTIVE)
    return moderator


def test_a_moderator_inviting_someone_is_audited(community, moderator):
    guest = UserFactory()
    membership_transition(actor=moderator, community=community, user=guest, action="invite")
    entry = AuditLogEntry.objects.get()
    assert (entry.actor, entry.action, entry.target_id) == (moderator, "community.membership.invite", str(community.pk))
    assert (entry.before, entry.after) == ({"user": guest.pk, "state": None}, {"user": guest.pk, "state": "invited"})


def test_a_department_invitation_is_audited_person_by_person_and_as_a_whole(community, moderator):
    legal = [ProfileFactory(department="Legal").user for _n in range(3)]
    Membership.objects.create(community=community, user=legal[0], state=State.BANNED)
    assert invite_department(actor=moderator, community=community, department="Legal") == {"invited": 2, "skipped": 1}
    actions = list(AuditLogEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["community.membership.invite"] * 2 + ["community.invite_department"]
    summary = AuditLogEntry.objects.get(action="community.invite_department")
    assert summary.actor == moderator
    assert summary.after == {"department": "Legal", "invited": [legal[1].pk, legal[2].pk], "skipped": 1}


def test_a_department_invitation_that_invites_nobody_writes_nothing(community, moderator):
    assert invite_department(actor=moderator, community=community, department="Nowhere") == {
        "invited": 0,
        "skipped": 0,
    }
    assert not AuditLogEntry.objects.exists()


def test_no_department_invitation_without_its_audit_entries(community, moderator, monkeypatch):
    for _n in range(2):
        ProfileFactory(department="Legal")
    monkeypatch.setattr(memberships, "audit_record", failing_audit)
    with pytest.raises(RuntimeError):
        invite_department(actor=moderator, community=community, department="Legal")
    assert not Membership.objects.filter(state=State.INVITED).exists()

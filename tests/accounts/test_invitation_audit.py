"""Site invitations open accounts: making one and taking one back are written to the audit
log in the same transaction, from the service and from the admin; an invitation is revoked,
never deleted without a trace."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from apps.accounts import services
from apps.accounts.models import Invitation
from apps.moderation.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def entries():
    return list(AuditLogEntry.objects.order_by("id").values_list("actor_id", "action", "target_type", "target_id"))


def failing_audit(*_args, **_kwargs):
    raise RuntimeError("the audit log is unavailable")


def test_an_invitation_is_audited_with_the_one_it_replaces(staff_user):
    first = services.invitation_create(actor=staff_user, email="friend@partner.org")
    second = services.invitation_create(actor=staff_user, email="Friend@Partner.org")
    assert entries() == [
        (staff_user.pk, "invitation.create", "accounts.invitation", str(first.pk)),
        (staff_user.pk, "invitation.create", "accounts.invitation", str(second.pk)),
    ]
    older, newer = AuditLogEntry.objects.order_by("id")
    assert older.before is None and older.after["email"] == "friend@partner.org"
    assert newer.before == {"replaced": [first.pk]}


def test_revoking_is_audited_once(staff_user):
    invitation = services.invitation_create(actor=staff_user, email="friend@partner.org")
    assert services.invitation_revoke(actor=staff_user, invitation=invitation) is True
    assert services.invitation_revoke(actor=staff_user, invitation=invitation) is False  # nothing left to revoke
    assert [action for _actor, action, _type, _id in entries()] == ["invitation.create", "invitation.revoke"]
    assert Invitation.objects.get().revoked_at is not None
    entry = AuditLogEntry.objects.get(action="invitation.revoke")
    assert entry.before == {"email": "friend@partner.org", "revoked_at": None}


def test_an_accepted_or_expired_invitation_is_not_revoked(staff_user):
    accepted = Invitation.objects.create(
        email="a@partner.org", expires_at=timezone.now() + timedelta(days=1), accepted_at=timezone.now()
    )
    expired = Invitation.objects.create(email="b@partner.org", expires_at=timezone.now() - timedelta(days=1))
    for invitation in (accepted, expired):
        assert services.invitation_revoke(actor=staff_user, invitation=invitation) is False
    assert entries() == []


def test_only_those_who_may_invite_revoke(staff_user, user):
    invitation = services.invitation_create(actor=staff_user, email="friend@partner.org")
    with pytest.raises(PermissionDenied):
        services.invitation_revoke(actor=user, invitation=invitation)
    assert Invitation.objects.get().revoked_at is None


def test_no_invitation_without_its_audit_entry(staff_user, monkeypatch, django_capture_on_commit_callbacks):
    invitation = services.invitation_create(actor=staff_user, email="friend@partner.org")
    monkeypatch.setattr(services, "audit_record", failing_audit)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        services.invitation_create(actor=staff_user, email="other@partner.org")
    assert callbacks == []  # no e-mail goes out either
    with pytest.raises(RuntimeError):
        services.invitation_revoke(actor=staff_user, invitation=invitation)
    assert list(Invitation.objects.values_list("email", "revoked_at")) == [("friend@partner.org", None)]


def test_the_admin_revokes_and_cannot_delete(client, staff_user):
    invitation = services.invitation_create(actor=staff_user, email="friend@partner.org")
    client.force_login(staff_user)
    response = client.post(
        "/admin/accounts/invitation/",
        {"action": "revoke", "_selected_action": [invitation.pk]},
        follow=True,
    )
    assert "1 invitation revoked." in response.content.decode()
    assert Invitation.objects.get().revoked_at is not None
    assert AuditLogEntry.objects.filter(action="invitation.revoke", actor=staff_user).count() == 1
    assert client.get(f"/admin/accounts/invitation/{invitation.pk}/delete/").status_code == 403
    listing = client.get("/admin/accounts/invitation/").content.decode()
    assert 'value="delete_selected"' not in listing and 'value="revoke"' in listing

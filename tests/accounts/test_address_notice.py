"""An administrator who changes someone's e-mail addresses decides where that person's
security notices go: each change is audited and the person told at the addresses they had
(apps/accounts/address_notice.py, the admin pages in apps/accounts/admin*.py)."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from apps.moderation.models import AuditLogEntry
from tests.accounts.admin_forms import post_form
from tests.accounts.test_password_notice import _set_password_in_admin
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _address_notices():
    return [message for message in mail.outbox if "e-mail addresses" in message.subject]


def test_an_admin_who_redirects_the_address_cannot_hide_a_new_password(admin_browser, committed):
    """Change the address to one the administrator reads, set a password, put it back:
    the person hears of each step at their own address."""
    user = UserFactory(email="lea.petit@example.com")
    change = f"/admin/accounts/user/{user.pk}/change/"
    with committed():
        assert post_form(admin_browser, change, email="mallory@example.com").status_code == 302
    with committed():
        _set_password_in_admin(admin_browser, user)
    with committed():
        assert post_form(admin_browser, change, email="lea.petit@example.com").status_code == 302

    to_lea = [message for message in mail.outbox if "lea.petit@example.com" in message.to]
    subjects = [message.subject.split("] ", 1)[1] for message in to_lea]
    assert subjects == [
        "An administrator changed the e-mail addresses of your account",
        "An administrator set a new password for your account",
    ]
    # Put back, the address is told it was the one added again: the second address
    # notice goes to the addresses the person still had, the old one included.
    assert "Removed: lea.petit@example.com" in to_lea[0].body
    assert "Added: mallory@example.com" in to_lea[0].body
    entries = AuditLogEntry.objects.filter(action="user.email_change").order_by("id")
    assert [(e.before, e.after) for e in entries] == [
        ({"email": "lea.petit@example.com"}, {"email": "mallory@example.com"}),
        ({"email": "mallory@example.com"}, {"email": "lea.petit@example.com"}),
    ]
    assert all(entry.actor == admin_browser.actor for entry in entries)


class TestAddressChangesInTheAdmin:
    def test_an_unchanged_address_tells_nobody(self, admin_browser, committed):
        user = UserFactory()
        with committed():
            post_form(admin_browser, f"/admin/accounts/user/{user.pk}/change/", first_name="Renamed")
        assert _address_notices() == []
        assert not AuditLogEntry.objects.filter(action="user.email_change").exists()
        assert AuditLogEntry.objects.get(action="user.change").after == {"first_name": "Renamed"}

    def test_an_allauth_address_changed_tells_the_old_one(self, admin_browser, committed):
        user = UserFactory(email="lea.petit@example.com")
        row = EmailAddress.objects.get(user=user)
        with committed():
            response = post_form(
                admin_browser, f"/admin/account/emailaddress/{row.pk}/change/", email="mallory@example.com"
            )
        assert response.status_code == 302
        entry = AuditLogEntry.objects.get(action="user.email_address.change")
        assert (entry.before, entry.after) == ({"email": "lea.petit@example.com"}, {"email": "mallory@example.com"})
        [message] = _address_notices()
        assert message.to == ["lea.petit@example.com"]
        assert "Ada Admin <" in message.body and "Added: mallory@example.com" in message.body

    def test_an_allauth_address_added_tells_the_others(self, admin_browser, committed):
        user = UserFactory(email="lea.petit@example.com")
        with committed():
            response = post_form(
                admin_browser,
                "/admin/account/emailaddress/add/",
                user=str(user.pk),
                email="mallory@example.com",
                verified=True,
            )
        assert response.status_code == 302
        assert AuditLogEntry.objects.get(action="user.email_address.add").after["email"] == "mallory@example.com"
        [message] = _address_notices()
        assert message.to == ["lea.petit@example.com"]

    def test_an_allauth_address_deleted_tells_it(self, admin_browser, committed):
        user = UserFactory(email="lea.petit@example.com")
        row = EmailAddress.objects.create(user=user, email="lea@home.example", verified=True)
        with committed():
            response = admin_browser.post(f"/admin/account/emailaddress/{row.pk}/delete/", {"post": "yes"})
        assert response.status_code == 302
        assert AuditLogEntry.objects.get(action="user.email_address.delete").before["email"] == "lea@home.example"
        [message] = _address_notices()
        assert message.to == ["lea@home.example", "lea.petit@example.com"]
        assert "Removed: lea@home.example" in message.body

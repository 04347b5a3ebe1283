"""Who is told when someone else sets a person's password: an administrator, or no request
at all (the command line), but not the person's own reset link nor single sign-on removing
a local password as they sign in; and at which addresses (apps/accounts/password_notice.py)."""

from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.core import context as allauth_context
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.management import call_command

from apps.accounts.password_notice import SYSTEM_ACTOR
from apps.accounts.sso import sso_account_remove_password
from apps.moderation.models import AuditLogEntry
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-2024"


def _set_password_in_admin(client, user, password=NEW_PASSWORD):
    response = client.post(
        f"/admin/accounts/user/{user.pk}/password/",
        {"password1": password, "password2": password, "usable_password": "true"},
    )
    assert response.status_code == 302, response.content


def _password_notices():
    return [message for message in mail.outbox if "password" in message.subject.lower()]


class TestNoRequest:
    def test_a_password_set_on_the_command_line_is_audited_and_emailed(self, monkeypatch, committed):
        user = UserFactory(first_name="Lea", last_name="Petit")
        monkeypatch.setattr("getpass.getpass", lambda prompt="", stream=None: NEW_PASSWORD)
        with committed():
            call_command("changepassword", user.email, stdout=StringIO())

        entry = AuditLogEntry.objects.get(action="user.password_set")
        assert (entry.actor, entry.actor_repr, entry.target_id) == (None, SYSTEM_ACTOR, str(user.pk))
        assert entry.before == {"password_usable": True}
        assert entry.after == {"password_usable": True, "sessions_ended": 0}
        [message] = mail.outbox
        assert message.to == [user.email]
        assert message.subject.endswith("A new password was set for your account")
        assert "on the server's command line" in message.body and "an administrator" not in message.body
        assert "on the server's command line" in message.alternatives[0][0]
        assert NEW_PASSWORD not in message.body

    def test_a_password_turned_off_in_a_shell_says_so(self, committed):
        user = UserFactory()
        with committed():
            user.set_unusable_password()
            user.save()
        assert AuditLogEntry.objects.get(action="user.password_set").after["password_usable"] is False
        [message] = mail.outbox
        assert message.subject.endswith("The password of your account was turned off")
        assert "was turned off" in message.body


class TestTheOwnersOwnRequests:
    """Inside a request with nobody signed in, the change is the person's: no notice."""

    def test_single_sign_on_removing_a_local_password_at_sign_in_sends_nothing(self, rf, settings, committed):
        settings.SSO_ACCOUNTS_SSO_ONLY = True
        user = UserFactory()
        request = rf.get("/accounts/oidc/corp/login/callback/")
        request.user = AnonymousUser()
        with committed(), allauth_context.request_context(request):
            sso_account_remove_password(user=user)
        user.refresh_from_db()
        assert not user.has_usable_password()
        assert not AuditLogEntry.objects.exists()
        assert mail.outbox == []

    def test_a_reset_by_email_sends_only_the_reset_link(self, client, committed):
        user = UserFactory()
        client.post("/accounts/password/reset/", {"email": user.email})
        [link_message] = mail.outbox
        link = next(word for word in link_message.body.split() if "/accounts/password/reset/key/" in word)
        form = client.get(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""]), follow=True)
        with committed():
            response = client.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
        assert response.status_code == 302
        user.refresh_from_db()
        assert user.check_password(NEW_PASSWORD)
        assert mail.outbox == [link_message]
        assert not AuditLogEntry.objects.exists()


class TestEveryAddress:
    def test_the_password_notice_goes_to_every_address_the_person_has(self, admin_browser, committed):
        user = UserFactory(email="lea.petit@example.com")
        EmailAddress.objects.filter(user=user).update(email="Lea.Petit@example.com")  # same, other case
        EmailAddress.objects.create(user=user, email="lea@home.example", verified=True, primary=False)
        with committed():
            _set_password_in_admin(admin_browser, user)
        [message] = _password_notices()
        assert message.to == ["lea.petit@example.com", "lea@home.example"]

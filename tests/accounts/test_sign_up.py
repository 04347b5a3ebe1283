import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from apps.accounts import services
from apps.accounts.models import Invitation
from apps.accounts.tasks import send_invitation_task
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
NEW_PASSWORD = "a-Long-enough-passphrase-42"
NAMES = {"first_name": "Noémie", "last_name": "Durand"}  # required: tests/accounts/test_signup_names.py


def _sign_up(client, email):
    return client.post(SIGNUP, {**NAMES, "email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})


def _link(message) -> str:
    return (
        re.search(r"http://testserver(/\S+)|https?://[^/\s]+(/\S+)", message.body)
        .group(0)
        .split("://", 1)[1]
        .split("/", 1)[1]
    )


class TestClosedSignUp:
    def test_sign_up_page_says_it_is_closed(self, client, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = []
        response = client.get(SIGNUP)
        assert "Sign Up Closed" in response.content.decode()

    def test_posting_creates_nobody(self, client, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = []
        _sign_up(client, "intruder@example.com")
        assert not get_user_model().objects.filter(email="intruder@example.com").exists()


class TestDomainSignUp:
    def test_allowed_domain_signs_up_and_must_verify_the_address(self, client, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = ["example.com"]
        response = _sign_up(client, "New.Person@Example.com")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/confirm-email/"
        user = get_user_model().objects.get(email="new.person@example.com")
        assert not user.emailaddress_set.get().verified
        assert len(mail.outbox) == 1
        # Not signed in until the address is confirmed.
        assert client.get("/").status_code == 302
        confirm = "/" + _link(mail.outbox[0])
        client.post(confirm)
        assert user.emailaddress_set.get().verified
        assert client.get("/").status_code == 200

    def test_other_domains_are_refused_with_a_reason(self, client, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = ["example.com"]
        response = _sign_up(client, "someone@gmail.com")
        assert response.status_code == 200
        assert "Sign-up is open only to company e-mail addresses." in response.content.decode()
        assert not get_user_model().objects.filter(email="someone@gmail.com").exists()

    def test_a_lookalike_subdomain_is_refused(self, client, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = ["example.com"]
        _sign_up(client, "someone@example.com.evil.net")
        assert not get_user_model().objects.filter(email="someone@example.com.evil.net").exists()


class TestInvitations:
    def test_only_admins_invite(self, user):
        with pytest.raises(services.PermissionDenied):
            services.invitation_create(actor=user, email="friend@partner.org")

    def test_the_invitation_e_mail_is_queued_on_commit(self, staff_user, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks() as callbacks:
            invitation = services.invitation_create(actor=staff_user, email="Friend@Partner.org")
        assert invitation.email == "friend@partner.org"
        assert len(callbacks) == 1
        assert mail.outbox == []

    def test_sending_twice_sends_one_e_mail(self, staff_user):
        invitation = services.invitation_create(actor=staff_user, email="friend@partner.org")
        assert send_invitation_task(invitation.pk) is True
        assert send_invitation_task(invitation.pk) is False
        assert len(mail.outbox) == 1
        assert invitation.key in mail.outbox[0].body
        assert mail.outbox[0].alternatives[0][1] == "text/html"

    def test_existing_account_cannot_be_invited(self, staff_user, user):
        with pytest.raises(services.ValidationError):
            services.invitation_create(actor=staff_user, email=user.email.upper())

    def test_invited_person_signs_up_with_the_invited_address_without_another_check(self, client, staff_user, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = []
        invitation = services.invitation_create(actor=staff_user, email="friend@partner.org")
        response = client.get(f"/accounts/invitation/{invitation.key}/")
        assert response["Location"] == SIGNUP
        response = _sign_up(client, "friend@partner.org")
        assert response.status_code == 302
        user = get_user_model().objects.get(email="friend@partner.org")
        assert user.emailaddress_set.get().verified
        invitation.refresh_from_db()
        assert invitation.accepted_at is not None
        assert client.get("/").status_code == 200

    def test_invitation_is_for_its_address_only(self, client, staff_user, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = []
        invitation = services.invitation_create(actor=staff_user, email="friend@partner.org")
        client.get(f"/accounts/invitation/{invitation.key}/")
        response = _sign_up(client, "other@partner.org")
        assert "friend@partner.org" in response.content.decode()
        assert not get_user_model().objects.filter(email="other@partner.org").exists()

    def test_a_used_invitation_cannot_open_sign_up_again(self, client, staff_user, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = []
        invitation = services.invitation_create(actor=staff_user, email="friend@partner.org")
        client.get(f"/accounts/invitation/{invitation.key}/")
        _sign_up(client, "friend@partner.org")
        client.post("/accounts/logout/")
        assert client.get(f"/accounts/invitation/{invitation.key}/").status_code == 404

    def test_unknown_or_revoked_invitation_is_404(self, client, staff_user):
        assert client.get("/accounts/invitation/not-a-key/").status_code == 404
        first = services.invitation_create(actor=staff_user, email="friend@partner.org")
        services.invitation_create(actor=staff_user, email="friend@partner.org")
        assert Invitation.objects.get(pk=first.pk).revoked_at is not None
        assert client.get(f"/accounts/invitation/{first.key}/").status_code == 404

    def test_admin_invites_from_the_admin(self, client, staff_user, django_capture_on_commit_callbacks, celery_eager):
        client.force_login(staff_user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/admin/accounts/invitation/add/", {"email": "new@partner.org"})
        assert response.status_code == 302
        assert Invitation.objects.get().email == "new@partner.org"
        assert len(mail.outbox) == 1

    def test_admin_form_explains_an_existing_account(self, client, staff_user):
        client.force_login(staff_user)
        existing = UserFactory()
        response = client.post("/admin/accounts/invitation/add/", {"email": existing.email})
        assert response.status_code == 200
        assert "already has an account" in response.content.decode()
        assert not Invitation.objects.exists()


def test_password_reset_sends_a_link(client, user):
    response = client.post("/accounts/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" in mail.outbox[0].body


def test_password_reset_for_an_unknown_address_reveals_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/reset/done/"


@pytest.mark.django_db(transaction=True)
def test_invitation_e_mail_goes_out_through_a_real_worker(celery_worker, staff_user):
    import time

    services.invitation_create(actor=staff_user, email="friend@partner.org")
    deadline = time.monotonic() + 15
    while not mail.outbox and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [m.to for m in mail.outbox] == [["friend@partner.org"]]
    assert Invitation.objects.get().sent_at is not None


def test_an_invitation_survives_a_broker_outage_and_goes_out_later(
    staff_user, monkeypatch, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from apps.accounts.tasks import send_unsent_invitations_task

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis. Connection refused.")

    monkeypatch.setattr(send_invitation_task, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(actor=staff_user, email="friend@partner.org")
    assert Invitation.objects.get(pk=invitation.pk).sent_at is None
    assert mail.outbox == []

    Invitation.objects.filter(pk=invitation.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert send_unsent_invitations_task() == 1
    assert [m.to for m in mail.outbox] == [["friend@partner.org"]]
    # Running the sweep again sends nothing twice.
    assert send_unsent_invitations_task() == 0


class TestSignUpLinks:
    """A link to sign-up is shown only to a visitor who may sign up: elsewhere it would end
    at "Sign Up Closed"."""

    LINK = f'href="{SIGNUP}"'

    def _anonymous_account_pages(self):
        """Every page under /accounts/ that a visitor may ask for, with made-up keys where the
        address needs one (those pages say the link is invalid)."""
        from django.urls import URLResolver, get_resolver

        def routes(patterns, prefix=""):
            for pattern in patterns:
                if isinstance(pattern, URLResolver):
                    yield from routes(pattern.url_patterns, prefix + str(pattern.pattern))
                else:
                    yield prefix + str(pattern.pattern)

        pages = [
            "/accounts/confirm-email/not-a-key/",
            "/accounts/password/reset/key/1-not-a-key/",
            "/accounts/invitation/not-a-key/",
        ]
        for route in routes(get_resolver().url_patterns):
            if route.startswith("accounts/") and "<" not in route and "^" not in route and route != "accounts/signup/":
                pages.append("/" + route)
        return pages

    def test_the_sign_in_page_offers_no_sign_up_when_it_is_closed(self, client, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = []
        assert self.LINK not in client.get("/accounts/login/").content.decode()

    def test_no_page_links_to_sign_up_when_it_is_closed(self, client, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = []
        pages = self._anonymous_account_pages()
        assert "/accounts/login/" in pages and "/accounts/password/reset/" in pages
        for path in pages:
            response = client.get(path, follow=True)
            assert self.LINK not in response.content.decode(), path

    def test_the_sign_in_page_offers_sign_up_when_a_domain_may_sign_up(self, client, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = ["example.com"]
        assert self.LINK in client.get("/accounts/login/").content.decode()

    def test_an_invited_visitor_is_offered_sign_up(self, client, settings, staff_user):
        settings.ALLOWED_SIGNUP_DOMAINS = []
        invitation = services.invitation_create(actor=staff_user, email="friend@partner.org")
        client.get(f"/accounts/invitation/{invitation.key}/")
        assert self.LINK in client.get("/accounts/login/").content.decode()


class TestEmailLinks:
    """Every link in an e-mail goes to SITE_URL, the public address, whatever address the
    request that caused it came through (another port, an internal name)."""

    SITE = "https://social.example.com"

    @pytest.fixture(autouse=True)
    def site(self, settings):
        settings.SITE_URL = self.SITE + "/"
        settings.ALLOWED_SIGNUP_DOMAINS = ["example.com"]

    def _links(self):
        found = []
        for message in mail.outbox:
            bodies = [message.body] + [content for content, _type in getattr(message, "alternatives", [])]
            for body in bodies:
                found += re.findall(r"https?://[^\s\"'<>]+", body)
        return found

    def _assert_links_on_site(self):
        links = self._links()
        assert links, [m.body for m in mail.outbox]
        assert [link for link in links if not link.startswith(self.SITE + "/")] == []

    def test_password_reset(self, client, user):
        client.post("/accounts/password/reset/", {"email": user.email}, HTTP_HOST="localhost:9999")
        assert len(mail.outbox) == 1
        self._assert_links_on_site()

    def test_address_confirmation(self, client):
        client.post(
            SIGNUP,
            {**NAMES, "email": "new@example.com", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            HTTP_HOST="localhost:9999",
        )
        assert len(mail.outbox) == 1
        self._assert_links_on_site()

    def test_an_address_that_has_an_account_already(self, client, user):
        existing = UserFactory(email="taken@example.com")
        client.post(
            SIGNUP,
            {**NAMES, "email": existing.email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
            HTTP_HOST="localhost:9999",
        )
        assert len(mail.outbox) == 1
        self._assert_links_on_site()

    def test_an_unknown_address_asking_for_a_reset(self, client):
        client.post("/accounts/password/reset/", {"email": "nobody@example.com"}, HTTP_HOST="localhost:9999")
        assert len(mail.outbox) == 1
        self._assert_links_on_site()

    def test_invitation(self, staff_user):
        invitation = services.invitation_create(actor=staff_user, email="friend@partner.org")
        send_invitation_task(invitation.pk)
        self._assert_links_on_site()


def test_no_e_mail_offers_sign_up_when_it_is_closed(client, settings):
    settings.ALLOWED_SIGNUP_DOMAINS = []
    client.post("/accounts/password/reset/", {"email": "nobody@example.com"})
    assert len(mail.outbox) == 1
    assert SIGNUP not in mail.outbox[0].body
    assert "sign up" not in mail.outbox[0].body.lower()

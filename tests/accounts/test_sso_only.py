"""Accounts linked to the company's identity provider sign in only through it
(SSO_ACCOUNTS_SSO_ONLY): someone the provider disables keeps no local password."""

import re

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.core import mail

from apps.profiles.models import Profile
from tests.accounts.test_sso import _setting
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
RESET = "/accounts/password/reset/"
WRONG = "The email address and/or password you specified are not correct."


@pytest.fixture
def sso_only_on(settings):
    settings.SSO_ACCOUNTS_SSO_ONLY = True


@pytest.fixture
def sso_user(db):
    """An account linked to the provider that still has a local password: it was created
    with one, before the provider was connected."""
    user = UserFactory()
    SocialAccount.objects.create(user=user, provider="sso", uid="subject-1")
    return user


def _sso_account():
    user = UserFactory()
    SocialAccount.objects.create(user=user, provider="sso", uid=f"subject-{user.pk}")
    return user


def _sign_in(client, email, password, **extra):
    return client.post(LOGIN, {"login": email, "password": password}, **extra)


def _error_of(response) -> str:
    return " ".join(str(error) for error in response.context["form"].non_field_errors())


def _page(response) -> bytes:
    """The page as sent, less what differs on every response (the CSRF token, CSP nonces)."""
    content = re.sub(rb'(name="csrfmiddlewaretoken" value=")[^"]+', rb"\1", response.content)
    content = re.sub(rb'("X-CSRFToken": ")[^"]+', rb"\1", content)
    return re.sub(rb'(nonce=")[^"]+', rb"\1", content)


class FakeDirectory:
    """The directory password check (apps.directory.services.signin.directory_authenticate),
    accepting one password for whichever account is asked about: the real bind against slapd
    is tested in tests/directory; here what matters is what the sign-in does with its answer."""

    def __init__(self):
        self.password = None
        self.binds = []

    def accepts(self, password):
        self.password = password

    def __call__(self, *, login, password):
        from django.contrib.auth import get_user_model

        self.binds.append(password)
        if password != self.password:
            return None
        return get_user_model().objects.filter(email__iexact=login).first()


@pytest.fixture
def directory(monkeypatch):
    from apps.directory.services import signin

    fake = FakeDirectory()
    monkeypatch.setattr(signin, "directory_authenticate", fake)
    return fake


class TestSetting:
    def test_on_by_default_once_a_provider_is_configured(self):
        oidc = {"OIDC_CLIENT_ID": "social", "OIDC_SERVER_URL": "https://login.example.com/realms/corp"}
        assert _setting(oidc, "settings.SSO_ACCOUNTS_SSO_ONLY") is True
        assert _setting({}, "settings.SSO_ACCOUNTS_SSO_ONLY") is False
        assert _setting({**oidc, "SSO_ACCOUNTS_SSO_ONLY": "false"}, "settings.SSO_ACCOUNTS_SSO_ONLY") is False


class TestPasswordSignIn:
    """A password typed for an SSO-only account is refused exactly as a wrong one is: the
    page would otherwise tell an attacker that a guess is right (the account's old local
    password, or its directory password, which is often the person's Active Directory
    one), and a right guess would not count against the failed sign-in limits."""

    def test_the_right_password_gets_the_wrong_password_page(self, client, sso_user, sso_only_on):
        right = _sign_in(client, sso_user.email, PASSWORD)
        wrong = _sign_in(client, sso_user.email, "wrong-password")
        assert right.status_code == wrong.status_code == 200
        assert _page(right) == _page(wrong)
        assert WRONG in _error_of(right) and "single sign-on button" in _error_of(right)
        assert client.get("/").status_code == 302

    def test_a_directory_password_gets_the_wrong_password_page_too(self, client, sso_user, sso_only_on, directory):
        directory.accepts("directory-password")
        right = _sign_in(client, sso_user.email, "directory-password")
        wrong = _sign_in(client, sso_user.email, "wrong-password")
        assert _page(right) == _page(wrong)
        assert directory.binds == ["directory-password", "wrong-password"]
        assert client.get("/").status_code == 302

    def test_a_deactivated_account_s_right_password_gets_the_wrong_password_page(self, client, sso_user, sso_only_on):
        """allauth sends an inactive account's right password to "account inactive"."""
        sso_user.is_active = False
        sso_user.save(update_fields=["is_active"])
        right = _sign_in(client, sso_user.email, PASSWORD)
        wrong = _sign_in(client, sso_user.email, "wrong-password")
        assert right.status_code == 200
        assert _page(right) == _page(wrong)

    @pytest.mark.parametrize("way", ["local", "directory"])
    def test_right_passwords_count_against_the_limits_as_wrong_ones(self, client, sso_only_on, directory, way):
        """5 failed sign-ins per account in 5 minutes (ACCOUNT_RATE_LIMITS): right guesses
        are no longer free, and the sixth attempt is locked out whatever it guesses."""
        guessed, other = _sso_account(), _sso_account()
        if way == "directory":
            for account in (guessed, other):
                account.set_unusable_password()
                account.save()
            directory.accepts(PASSWORD)
        right = [_error_of(_sign_in(client, guessed.email, PASSWORD, REMOTE_ADDR="192.0.2.1")) for _ in range(6)]
        wrong = [_error_of(_sign_in(client, other.email, "wrong", REMOTE_ADDR="192.0.2.2")) for _ in range(6)]
        assert right == wrong
        assert all(WRONG in error for error in right[:5])
        assert "Too many failed login attempts" in right[5]

    def test_a_wrong_password_says_the_same_whether_the_address_exists_or_not(self, client, sso_user, sso_only_on):
        for_sso_account = _error_of(_sign_in(client, sso_user.email, "wrong-password"))
        for_nobody = _error_of(_sign_in(client, "nobody@example.com", "wrong-password"))
        assert for_sso_account == for_nobody
        assert WRONG in for_nobody and "single sign-on" in for_nobody

    def test_no_backend_signs_an_sso_only_account_in(self, sso_user, sso_only_on, directory, rf):
        """Any path that authenticates with a password (not only allauth's form)."""
        from django.contrib.auth import authenticate

        directory.accepts(PASSWORD)
        assert authenticate(rf.post(LOGIN), email=sso_user.email, password=PASSWORD) is None
        assert authenticate(rf.post(LOGIN), username=sso_user.email, password=PASSWORD) is None

    def test_off_the_account_keeps_its_password(self, client, sso_user, settings):
        settings.SSO_ACCOUNTS_SSO_ONLY = False
        assert _sign_in(client, sso_user.email, PASSWORD).status_code == 302

    def test_other_accounts_sign_in_with_their_password(self, client, user, sso_only_on):
        assert _sign_in(client, user.email, PASSWORD).status_code == 302

    def test_other_accounts_sign_in_with_their_directory_password(self, client, user, sso_only_on, directory):
        user.set_unusable_password()
        user.save()
        directory.accepts("directory-password")
        assert _sign_in(client, user.email, "directory-password").status_code == 302


class TestPasswordReset:
    def test_no_reset_link_but_the_way_in(self, client, sso_user, sso_only_on, settings):
        settings.SITE_URL = "https://social.example.com"
        response = client.post(RESET, {"email": sso_user.email})
        assert response["Location"] == "/accounts/password/reset/done/"
        assert len(mail.outbox) == 1
        body = mail.outbox[0].body
        assert "/password/reset/key/" not in body
        assert "single sign-on" in body and "https://social.example.com/accounts/login/" in body

    def test_the_page_says_what_it_says_for_an_unknown_address(self, client, sso_user, sso_only_on):
        known = client.post(RESET, {"email": sso_user.email})
        unknown = client.post(RESET, {"email": "nobody@example.com"})
        assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])

    def test_other_accounts_get_their_link(self, client, user, sso_only_on):
        client.post(RESET, {"email": user.email})
        assert "/accounts/password/reset/key/" in mail.outbox[0].body


class TestPasswordPages:
    @pytest.mark.parametrize("path", ["/accounts/password/change/", "/accounts/password/set/"])
    def test_no_password_page_for_an_sso_only_account(self, client, sso_user, sso_only_on, path):
        client.force_login(sso_user)
        response = client.post(
            path, {"oldpassword": PASSWORD, "password1": "N3w-passphrase!", "password2": "N3w-passphrase!"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/accounts/email/"
        sso_user.refresh_from_db()
        assert sso_user.check_password(PASSWORD)

    def test_settings_do_not_link_to_a_password_page(self, client, sso_user, sso_only_on):
        client.force_login(sso_user)
        page = client.get("/accounts/email/").content.decode()
        assert 'href="/accounts/password/change/"' not in page

    def test_other_accounts_keep_their_password_pages(self, client, user, sso_only_on):
        client.force_login(user)
        assert client.get("/accounts/password/change/").status_code == 200
        assert 'href="/accounts/password/change/"' in client.get("/accounts/email/").content.decode()


def sso_account_update(**kwargs):
    from apps.accounts.sso import sso_account_update

    return sso_account_update(**kwargs)


class TestClaimsAtEachSignIn:
    def _addresses(self, email, verified=True):
        return [EmailAddress(email=email, verified=verified, primary=True)]

    def test_names_and_a_verified_address_replace_the_accounts(self, sso_user):
        Profile.objects.get_or_create(user=sso_user)
        old = sso_user.email
        changed = sso_account_update(
            user=sso_user,
            first_name="Hélène",
            last_name="Martin",
            email_addresses=self._addresses("H.Martin@corp.example"),
        )
        assert changed == ["first_name", "last_name", "email"]
        sso_user.refresh_from_db()
        assert (sso_user.first_name, sso_user.last_name, sso_user.email) == (
            "Hélène",
            "Martin",
            "h.martin@corp.example",
        )
        addresses = list(EmailAddress.objects.filter(user=sso_user).values_list("email", "verified", "primary"))
        assert addresses == [("h.martin@corp.example", True, True)]
        assert not EmailAddress.objects.filter(email=old).exists()
        assert "martin" in Profile.objects.get(user=sso_user).search_text

    def test_an_address_another_account_holds_is_not_taken(self, sso_user):
        other = UserFactory(email="taken@corp.example")
        old = sso_user.email
        sso_account_update(
            user=sso_user, first_name="", last_name="", email_addresses=self._addresses("Taken@corp.example")
        )
        sso_user.refresh_from_db()
        assert sso_user.email == old
        assert EmailAddress.objects.get(email="taken@corp.example").user == other

    def test_an_unverified_address_is_not_taken(self, sso_user):
        old = sso_user.email
        sso_account_update(
            user=sso_user,
            first_name="",
            last_name="",
            email_addresses=self._addresses("new@corp.example", verified=False),
        )
        sso_user.refresh_from_db()
        assert sso_user.email == old

    def test_empty_claims_change_nothing(self, sso_user):
        before = (sso_user.first_name, sso_user.last_name, sso_user.email)
        assert sso_account_update(user=sso_user, first_name="", last_name=" ", email_addresses=[]) == []
        sso_user.refresh_from_db()
        assert (sso_user.first_name, sso_user.last_name, sso_user.email) == before

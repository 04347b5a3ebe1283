import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
WRONG = "The email address and/or password you specified are not correct."


def _sign_in(client, email, password, **extra):
    return client.post(LOGIN, {"login": email, "password": password}, **extra)


def test_sign_in_with_email_and_password(client, user):
    response = _sign_in(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_sign_in_ignores_email_case(client, user):
    assert _sign_in(client, user.email.upper(), PASSWORD).status_code == 302


def test_wrong_password_shows_an_error_and_no_session(client, user):
    response = _sign_in(client, user.email, "not-the-password")
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert client.get("/").status_code == 302


def test_unverified_email_cannot_sign_in(client):
    user = UserFactory(verified_email=False)
    response = _sign_in(client, user.email, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert client.get("/").status_code == 302


def test_deactivated_user_cannot_sign_in_and_loses_open_sessions(client, user):
    _sign_in(client, user.email, PASSWORD)
    user.is_active = False
    user.save()
    assert client.get("/").status_code == 302
    response = _sign_in(client, user.email, PASSWORD)
    assert response["Location"] == "/accounts/inactive/"
    assert client.get("/").status_code == 302


def test_sign_out_ends_the_session(client, user):
    client.force_login(user)
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


class TestRateLimits:
    @pytest.fixture
    def redis_down(self, settings):
        settings.CACHES = {
            "default": {
                "BACKEND": "apps.core.cache.ResilientRedisCache",
                "LOCATION": "redis://127.0.0.1:1/0",
                "OPTIONS": {"socket_connect_timeout": 0.2},
            }
        }

    def test_failed_sign_ins_are_limited_per_account_whatever_x_forwarded_for_says(self, client, user):
        for attempt in range(5):
            response = _sign_in(client, user.email, "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")
            assert WRONG in response.content.decode()
        response = _sign_in(client, user.email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.77")
        # Even the right password is refused while the account is locked out.
        assert response.status_code in (200, 429)
        assert "Too many failed login attempts" in response.content.decode()
        assert client.get("/").status_code == 302

    def test_failed_sign_ins_are_limited_per_client_address(self, client):
        for attempt in range(10):
            _sign_in(client, f"nobody{attempt}@example.com", "wrong", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")
        response = _sign_in(client, "someone-else@example.com", "wrong", HTTP_X_FORWARDED_FOR="192.0.2.200")
        assert "Too many failed login attempts" in response.content.decode()

    def test_sign_in_keeps_working_while_redis_is_down(self, client, user, redis_down):
        assert _sign_in(client, user.email, PASSWORD).status_code == 302
        assert client.get("/").status_code == 200

    def test_limits_still_apply_while_redis_is_down(self, client, user, redis_down):
        for _ in range(5):
            _sign_in(client, user.email, "wrong")
        assert "Too many failed login attempts" in _sign_in(client, user.email, PASSWORD).content.decode()


class TestTwoFactor:
    @pytest.fixture
    def mfa_user(self, user):
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        RecoveryCodes.activate(user)
        return user, secret

    def test_totp_code_is_required_after_the_password(self, client, mfa_user):
        user, secret = mfa_user
        response = _sign_in(client, user.email, PASSWORD)
        assert response["Location"] == "/accounts/2fa/authenticate/"
        assert client.get("/").status_code == 302
        counter = next(yield_hotp_counters_from_time())
        response = client.post("/accounts/2fa/authenticate/", {"code": format_hotp_value(hotp_value(secret, counter))})
        assert response.status_code == 302
        assert client.get("/").status_code == 200

    def test_wrong_totp_code_is_refused(self, client, mfa_user):
        user, _ = mfa_user
        _sign_in(client, user.email, PASSWORD)
        response = client.post("/accounts/2fa/authenticate/", {"code": "000000"})
        assert response.status_code == 200
        assert "Incorrect code" in response.content.decode()
        assert client.get("/").status_code == 302

    def test_a_recovery_code_works_once(self, client, mfa_user):
        user, _ = mfa_user
        code = RecoveryCodes(user.authenticator_set.get(type="recovery_codes")).get_unused_codes()[0]
        _sign_in(client, user.email, PASSWORD)
        assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 302
        client.post("/accounts/logout/")
        _sign_in(client, user.email, PASSWORD)
        assert client.post("/accounts/2fa/authenticate/", {"code": code}).status_code == 200

    def test_the_setup_page_offers_totp(self, client, user):
        client.force_login(user)
        response = client.get("/accounts/2fa/totp/activate/")
        # allauth asks for the password again before security changes.
        assert response.status_code in (200, 302)
        assert client.get("/accounts/2fa/").status_code == 200


class TestAdminSignIn:
    def test_anonymous_admin_goes_to_the_allauth_sign_in(self, client):
        response = client.get("/admin/", follow=True)
        assert response.redirect_chain[-1][0] == "/accounts/login/?next=/admin/"

    def test_admin_login_form_is_never_shown(self, client):
        response = client.get("/admin/login/?next=/admin/auth/")
        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/admin/auth/"

    def test_signed_in_employee_gets_404(self, client, user):
        client.force_login(user)
        assert client.get("/admin/", follow=True).status_code == 404

    def test_staff_signs_in_through_allauth_and_reaches_the_admin(self, client, staff_user):
        response = client.post(
            f"{LOGIN}?next=/admin/", {"login": staff_user.email, "password": PASSWORD, "next": "/admin/"}
        )
        assert response["Location"] == "/admin/"
        assert client.get("/admin/").status_code == 200

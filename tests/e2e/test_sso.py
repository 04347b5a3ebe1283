"""Single sign-on in a real browser against a real OpenID Connect provider (django-oidc-provider,
started by tests/sso_provider), configured from the README's variables alone (config/sso.py)."""

import re

import environ
import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from tests.e2e.pages import LOGIN, submit_sign_in
from tests.e2e.pages import url_pattern as _url
from tests.factories import PASSWORD, UserFactory
from tests.sso_provider.control import identity_provider
from tests.sso_provider.saml import saml_identity_provider

pytestmark = pytest.mark.e2e

CLIENT_ID = "enterprise-social"
CLIENT_SECRET = "test-client-secret"
PROVIDER_NAME = "Corporate SSO"
IDP_PASSWORD = "idp-password-1"
# Records every CSP violation the document reports (init scripts are not subject to the policy).
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


@pytest.fixture(scope="module")
def provider(live_server):
    with identity_provider(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=f"{live_server.url}/accounts/oidc/sso/login/callback/",
    ) as running:
        yield running


def _settings_from(variables: dict) -> tuple[dict, list[str]]:
    """What config/settings.py makes of these variables: the providers and form-action."""
    from config import sso

    env = environ.Env()
    saved = {name: environ.Env.ENVIRON.get(name) for name in variables}
    environ.Env.ENVIRON.update(variables)
    try:
        providers = sso.providers(env)
    finally:
        for name, value in saved.items():
            if value is None:
                environ.Env.ENVIRON.pop(name, None)
            else:
                environ.Env.ENVIRON[name] = value
    return providers, ["'self'", *sso.form_action_origins(providers)]


def _configure(settings, variables: dict) -> dict:
    providers, form_action = _settings_from(variables)
    settings.SOCIALACCOUNT_PROVIDERS = providers
    policy = {**settings.CONTENT_SECURITY_POLICY, "DIRECTIVES": dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])}
    policy["DIRECTIVES"]["form-action"] = form_action
    settings.CONTENT_SECURITY_POLICY = policy
    settings.SSO_ACCOUNTS_SSO_ONLY = True  # the default once a provider is configured
    return providers


@pytest.fixture
def sso(settings, provider):
    """The product configured as the README says: OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
    OIDC_SERVER_URL (the issuer), OIDC_NAME."""
    _configure(
        settings,
        {
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_SERVER_URL": provider.issuer,
            "OIDC_NAME": PROVIDER_NAME,
        },
    )
    return provider


@pytest.fixture
def person(sso, request):
    """Someone in the company's identity provider, a new one for each test."""
    username = f"person{abs(hash(request.node.nodeid)) % 10**8}"
    sso.add_person(username, IDP_PASSWORD, email=f"{username}@corp.example", first_name="Hélène", last_name="Lefèvre")
    return username


def _sign_in_through_the_provider(page, username, password=IDP_PASSWORD, *, signed_in_at_provider=False):
    page.goto(LOGIN)
    page.get_by_role("link", name=PROVIDER_NAME).click()
    # allauth asks before leaving: a form posted to itself, which redirects to the provider.
    page.get_by_role("button", name="Continue").click()
    if signed_in_at_provider:
        # Its session outlives the product's: it sends the browser straight back.
        expect(page).to_have_url(_url("/"))
        return
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in to the provider").click()


def test_signing_in_through_the_provider(page, person):
    page.add_init_script(RECORD_CSP_VIOLATIONS)

    _sign_in_through_the_provider(page, person)

    expect(page).to_have_url(_url("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    expect(page.locator(".account-menu .account-name")).to_have_text("Hélène")
    assert page.evaluate("window.__cspViolations") == []


def _sign_out(page):
    menu = page.locator(".account-menu")
    menu.get_by_role("button", name="Your account").click()
    menu.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(_url(LOGIN))


def test_each_sign_in_brings_the_providers_names_and_address(page, sso, person):
    _sign_in_through_the_provider(page, person)
    expect(page.locator(".account-menu .account-name")).to_have_text("Hélène")
    user = get_user_model().objects.get(email=f"{person}@corp.example")
    _sign_out(page)

    # The company renames her and changes her address.
    sso.update_person(person, first_name="Héloïse", last_name="Martin", email=f"heloise.{person}@corp.example")
    # Signing out of the product did not sign her out of the provider (as the README says).
    _sign_in_through_the_provider(page, person, signed_in_at_provider=True)

    expect(page).to_have_url(_url("/"))
    expect(page.locator(".account-menu .account-name")).to_have_text("Héloïse")
    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email) == ("Héloïse", "Martin", f"heloise.{person}@corp.example")
    assert list(EmailAddress.objects.filter(user=user).values_list("email", "verified", "primary")) == [
        (f"heloise.{person}@corp.example", True, True)
    ]


def test_an_existing_account_with_the_verified_address_is_linked_and_loses_its_password(page, person):
    existing = UserFactory(email=f"{person}@corp.example", first_name="Old")
    assert existing.has_usable_password()

    _sign_in_through_the_provider(page, person)

    expect(page).to_have_url(_url("/"))
    expect(page.locator(".account-menu .account-name")).to_have_text("Hélène")
    assert get_user_model().objects.filter(email__iexact=f"{person}@corp.example").count() == 1
    existing.refresh_from_db()
    assert existing.socialaccount_set.count() == 1
    assert not existing.has_usable_password()


def test_an_unverified_local_account_is_linked_loses_its_password_and_must_confirm_its_address(page, person):
    """What the README says: someone who signed up with the address but never confirmed it
    cannot keep a way in; the owner of the address still confirms it once."""
    existing = UserFactory(email=f"{person}@corp.example", verified_email=False)
    EmailAddress.objects.create(user=existing, email=existing.email, verified=False, primary=True)

    _sign_in_through_the_provider(page, person)

    expect(page).to_have_url(_url("/accounts/confirm-email/"))
    existing.refresh_from_db()
    assert not existing.has_usable_password()
    assert existing.socialaccount_set.count() == 1
    assert len(mail.outbox) == 1
    confirm = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mail.outbox[0].body).group(0)
    page.goto(confirm.split("/accounts/", 1)[1].join(["/accounts/", ""]))
    page.get_by_role("button", name="Confirm").click()
    expect(page).to_have_url(_url("/"))
    expect(page.locator(".account-menu .account-name")).to_have_text("Hélène")


def test_someone_disabled_at_the_provider_has_no_way_in(page, sso, person):
    _sign_in_through_the_provider(page, person)
    expect(page).to_have_url(_url("/"))
    _sign_out(page)

    sso.update_person(person, is_active=False)

    # The provider refuses them.
    _sign_in_through_the_provider(page, person)
    expect(page.get_by_text("Wrong user name or password, or a disabled account.")).to_be_visible()
    # "Forgot password" sends no reset link, and the page says what it says for anyone.
    page.goto("/accounts/password/reset/")
    page.locator("input[name=email]").fill(f"{person}@corp.example")
    page.get_by_role("button", name="Reset My Password").click()
    expect(page).to_have_url(_url("/accounts/password/reset/done/"))
    assert len(mail.outbox) == 1
    assert "/accounts/password/reset/key/" not in mail.outbox[0].body
    assert "single sign-on" in mail.outbox[0].body
    # No local password signs them in, and the page says where such accounts sign in.
    submit_sign_in(page, f"{person}@corp.example", PASSWORD)
    expect(page.get_by_text("has no password here: use the single sign-on button")).to_be_visible()
    expect(page).to_have_url(_url(LOGIN))


# ---------------------------------------------------------------- SAML

SAML_NAME = "ADFS"


@pytest.fixture
def saml(settings):
    """The product configured as the README says for ADFS: SAML_IDP_ENTITY_ID,
    SAML_IDP_SSO_URL, SAML_IDP_X509CERT, SAML_NAME, and the company's domain."""
    with saml_identity_provider() as idp:
        providers = _configure(
            settings,
            {
                "SAML_IDP_ENTITY_ID": idp.entity_id,
                "SAML_IDP_SSO_URL": idp.sso_url,
                "SAML_IDP_X509CERT": idp.certificate,
                "SAML_NAME": SAML_NAME,
                "SSO_VERIFIED_EMAIL_DOMAINS": "corp.example",
            },
        )
        # live_server's host is "localhost", which python3-saml refuses in URLs unless told:
        # a real site's name has a dot.
        providers["saml"]["APPS"][0]["settings"]["advanced"]["allow_single_label_domains"] = True
        yield idp


def _sign_in_through_saml(page, username, password=IDP_PASSWORD):
    page.goto(LOGIN)
    page.get_by_role("link", name=SAML_NAME).click()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Test SAML identity provider")).to_be_visible()
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in to the provider").click()
    page.get_by_role("button", name="Continue to the service").click()


def test_signing_in_through_saml_and_again_after_a_rename(page, saml):
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    saml.add_person("hlefevre", IDP_PASSWORD, email="helene@corp.example", first_name="Hélène", last_name="Lefèvre")

    _sign_in_through_saml(page, "hlefevre")

    expect(page).to_have_url(_url("/"))
    expect(page.locator(".account-menu .account-name")).to_have_text("Hélène")
    assert page.evaluate("window.__cspViolations") == []
    user = get_user_model().objects.get(email="helene@corp.example")
    assert not user.has_usable_password()
    _sign_out(page)

    saml.update_person("hlefevre", first_name="Héloïse", email="heloise@corp.example")
    _sign_in_through_saml(page, "hlefevre")

    expect(page.locator(".account-menu .account-name")).to_have_text("Héloïse")
    user.refresh_from_db()
    assert (user.first_name, user.email) == ("Héloïse", "heloise@corp.example")

"""Single sign-on in a real browser against a real OpenID Connect provider (django-oidc-provider,
started by tests/sso_provider), configured from the README's variables alone (config/sso.py)."""

import environ
import pytest
from playwright.sync_api import expect

from tests.e2e.pages import LOGIN
from tests.e2e.pages import url_pattern as _url
from tests.sso_provider.control import identity_provider

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


@pytest.fixture
def sso(settings, provider):
    """The product configured as the README says: OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
    OIDC_SERVER_URL (the issuer), OIDC_NAME."""
    providers, form_action = _settings_from(
        {
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_SERVER_URL": provider.issuer,
            "OIDC_NAME": PROVIDER_NAME,
        }
    )
    settings.SOCIALACCOUNT_PROVIDERS = providers
    policy = {**settings.CONTENT_SECURITY_POLICY, "DIRECTIVES": dict(settings.CONTENT_SECURITY_POLICY["DIRECTIVES"])}
    policy["DIRECTIVES"]["form-action"] = form_action
    settings.CONTENT_SECURITY_POLICY = policy
    return provider


@pytest.fixture
def person(sso, request):
    """Someone in the company's identity provider, a new one for each test."""
    username = f"person{abs(hash(request.node.nodeid)) % 10**8}"
    sso.add_person(username, IDP_PASSWORD, email=f"{username}@corp.example", first_name="Hélène", last_name="Lefèvre")
    return username


def _sign_in_through_the_provider(page, username, password=IDP_PASSWORD):
    page.goto(LOGIN)
    page.get_by_role("link", name=PROVIDER_NAME).click()
    # allauth asks before leaving: a form posted to itself, which redirects to the provider.
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Test identity provider")).to_be_visible()
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in to the provider").click()


def test_signing_in_through_the_provider(page, person):
    page.add_init_script(RECORD_CSP_VIOLATIONS)

    _sign_in_through_the_provider(page, person)

    expect(page).to_have_url(_url("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    expect(page.locator(".menu summary")).to_have_text("Hélène")
    assert page.evaluate("window.__cspViolations") == []

"""OpenID Connect and SAML providers are configured from the environment."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]

SAML_CERT = "MIIBszCCAVmgAwIBAgIUXsaml0testcertificate0000000000wCgYIKoZIzj0EAwIw"

SSO_ENV = {
    "OIDC_PROVIDER_ID": "corp",
    "OIDC_NAME": "Corporate SSO",
    "OIDC_CLIENT_ID": "social-client",
    "OIDC_CLIENT_SECRET": "s3cret",
    "OIDC_SERVER_URL": "https://login.example.com/realms/corp",
    "SAML_PROVIDER_ID": "adfs",
    "SAML_NAME": "ADFS",
    "SAML_IDP_ENTITY_ID": "https://adfs.example.com/adfs/services/trust",
    "SAML_IDP_SSO_URL": "https://adfs.example.com/adfs/ls/",
    "SAML_IDP_X509CERT": SAML_CERT,
}


NO_SSO = dict.fromkeys([*SSO_ENV, "SAML_IDP_METADATA_URL", "CSP_FORM_ACTION", "SSO_VERIFIED_EMAIL_DOMAINS"], "")


def _run_settings(env: dict, expression: str) -> subprocess.CompletedProcess:
    code = f"import django, json; django.setup(); from django.conf import settings; print(json.dumps({expression}))"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **NO_SSO, **env},
        capture_output=True,
        text=True,
    )


def _setting(env: dict, expression: str):
    result = _run_settings(env, expression)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _providers_from(env: dict) -> dict:
    return _setting(env, "settings.SOCIALACCOUNT_PROVIDERS")


def _form_action(env: dict) -> list:
    return _setting(env, 'settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"]')


def test_no_provider_without_environment():
    env = dict.fromkeys(SSO_ENV, "")
    assert _providers_from(env) == {}


def test_providers_come_from_the_environment():
    providers = _providers_from(SSO_ENV)
    oidc = providers["openid_connect"]["APPS"][0]
    assert oidc["provider_id"] == "corp"
    assert oidc["client_id"] == "social-client"
    assert oidc["settings"]["server_url"] == "https://login.example.com/realms/corp"
    saml = providers["saml"]["APPS"][0]
    assert saml["settings"]["idp"]["entity_id"] == SSO_ENV["SAML_IDP_ENTITY_ID"]
    assert saml["settings"]["idp"]["sso_url"] == SSO_ENV["SAML_IDP_SSO_URL"]


def test_addresses_in_the_companys_domains_count_as_verified():
    providers = _providers_from({**SSO_ENV, "SSO_VERIFIED_EMAIL_DOMAINS": "Corp.example, @corp.example.net"})
    for name in ("openid_connect", "saml"):
        assert providers[name]["APPS"][0]["settings"]["verified_email"] == ["corp.example", "corp.example.net"]
    assert "verified_email" not in _providers_from(SSO_ENV)["saml"]["APPS"][0]["settings"]


def test_saml_metadata_url_alone_enables_saml():
    metadata = "https://adfs.example.com/FederationMetadata/2007-06/FederationMetadata.xml"
    saml = _providers_from({"SAML_IDP_METADATA_URL": metadata})["saml"]["APPS"][0]
    assert saml["settings"]["idp"]["metadata_url"] == metadata
    assert saml["settings"]["idp"]["entity_id"] is None


class TestFormTargets:
    """The sign-in form redirects to the provider: the page's CSP form-action allows the
    configured providers' origins, and nothing else, from the README's variables alone."""

    def test_without_a_provider_forms_go_to_this_site_only(self):
        assert _form_action({}) == ["'self'"]

    def test_the_providers_origins_are_allowed(self):
        assert _form_action(SSO_ENV) == ["'self'", "https://login.example.com", "https://adfs.example.com"]

    def test_ports_and_schemes_are_kept_paths_and_credentials_are_not(self):
        env = {
            "OIDC_CLIENT_ID": "social",
            "OIDC_SERVER_URL": "http://127.0.0.1:8300/openid",
            "SAML_IDP_ENTITY_ID": "urn:idp",
            "SAML_IDP_SSO_URL": "https://user:pw@ADFS.example.com:8443/adfs/ls/?x=1",
            "SAML_IDP_X509CERT": SAML_CERT,
        }
        assert _form_action(env) == ["'self'", "http://127.0.0.1:8300", "https://adfs.example.com:8443"]

    def test_saml_metadata_alone_allows_its_host(self):
        env = {"SAML_IDP_METADATA_URL": "https://login.microsoftonline.com/tenant/federationmetadata.xml"}
        assert _form_action(env) == ["'self'", "https://login.microsoftonline.com"]

    def test_csp_form_action_adds_more(self):
        env = {**SSO_ENV, "CSP_FORM_ACTION": "https://authorize.example.net"}
        assert _form_action(env)[-1] == "https://authorize.example.net"

    @pytest.mark.parametrize(
        ("env", "message"),
        [
            ({"OIDC_CLIENT_ID": "social"}, "OIDC_SERVER_URL must be set"),
            ({"OIDC_CLIENT_ID": "social", "OIDC_SERVER_URL": "login.example.com"}, "OIDC_SERVER_URL must be an http"),
            ({"SAML_IDP_ENTITY_ID": "urn:idp", "SAML_IDP_X509CERT": SAML_CERT}, "SAML_IDP_SSO_URL must be set"),
            ({"SAML_IDP_ENTITY_ID": "urn:idp", "SAML_IDP_SSO_URL": "https://adfs.example.com/"}, "SAML_IDP_X509CERT"),
        ],
    )
    def test_an_incomplete_provider_refuses_to_start(self, env, message):
        result = _run_settings(env, "1")
        assert result.returncode != 0
        assert message in result.stderr


@pytest.fixture
def sso_settings(settings):
    providers = _providers_from(SSO_ENV)
    settings.SOCIALACCOUNT_PROVIDERS = providers
    # python3-saml insists on a host name with a domain in its endpoint URLs.
    settings.ALLOWED_HOSTS = ["social.example.com"]
    return providers


@pytest.mark.django_db
def test_sign_in_page_offers_both_providers(client, sso_settings):
    page = client.get("/accounts/login/", HTTP_HOST="social.example.com").content.decode()
    assert "Corporate SSO" in page
    assert "ADFS" in page


@pytest.mark.django_db
def test_saml_sign_in_sends_the_browser_to_the_identity_provider(client, sso_settings):
    response = client.post("/accounts/saml/adfs/login/", {"process": "login"}, HTTP_HOST="social.example.com")
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == SSO_ENV["SAML_IDP_SSO_URL"]
    assert "SAMLRequest" in parse_qs(target.query)


@pytest.mark.django_db
def test_saml_metadata_is_published(client, sso_settings):
    response = client.get("/accounts/saml/adfs/metadata/", HTTP_HOST="social.example.com")
    assert response.status_code == 200
    assert b"EntityDescriptor" in response.content

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


def _providers_from(env: dict) -> dict:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.SOCIALACCOUNT_PROVIDERS))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


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

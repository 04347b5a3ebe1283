"""Single sign-on from the environment (README, "Single sign-on"): allauth's providers, and
the origins the sign-in form may be sent to.

Signing in through a provider posts the sign-in page's form to allauth, which redirects the
browser to the provider. Browsers hold that redirect to the page's CSP `form-action`, so the
providers' origins must be in it, or the button does nothing."""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

ADFS_CLAIM = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/"


def _url(env, name: str, *, required: bool = False) -> str:
    value = env.str(name, default="").strip()
    if required and not value:
        raise ImproperlyConfigured(f"{name} must be set for single sign-on (README, Single sign-on).")
    parts = urlsplit(value)
    if value and (parts.scheme not in ("http", "https") or not parts.hostname):
        raise ImproperlyConfigured(f"{name} must be an http:// or https:// address, not {value!r}.")
    return value


def providers(env) -> dict:
    """allauth's SOCIALACCOUNT_PROVIDERS: OpenID Connect once OIDC_CLIENT_ID is set, SAML once
    SAML_IDP_ENTITY_ID or SAML_IDP_METADATA_URL is."""
    configured: dict = {}
    # Addresses in these domains count as verified whatever the provider says: SAML assertions
    # (ADFS's) never say, and Entra ID's tokens seldom do. Verified, an address links an
    # existing account and needs no confirmation e-mail (allauth's "verified_email").
    verified = {}
    domains = [domain.strip().lower().lstrip("@") for domain in env.list("SSO_VERIFIED_EMAIL_DOMAINS", default=[])]
    if domains:
        verified["verified_email"] = [domain for domain in domains if domain]
    if env.str("OIDC_CLIENT_ID", default=""):
        configured["openid_connect"] = {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": env.str("OIDC_PROVIDER_ID", default="sso"),
                    "name": env.str("OIDC_NAME", default="Single sign-on"),
                    "client_id": env.str("OIDC_CLIENT_ID"),
                    "secret": env.str("OIDC_CLIENT_SECRET", default=""),
                    "settings": {"server_url": _url(env, "OIDC_SERVER_URL", required=True), **verified},
                }
            ],
        }
    entity_id = env.str("SAML_IDP_ENTITY_ID", default="")
    metadata_url = _url(env, "SAML_IDP_METADATA_URL")
    if entity_id or metadata_url:
        idp = {
            # With the metadata alone, python3-saml takes the metadata's only (first) IdP.
            "entity_id": entity_id or None,
            "sso_url": _url(env, "SAML_IDP_SSO_URL", required=not metadata_url),
            "slo_url": _url(env, "SAML_IDP_SLO_URL"),
            "x509cert": env.str("SAML_IDP_X509CERT", default="").strip(),
        }
        if not metadata_url and not idp["x509cert"]:
            raise ImproperlyConfigured(
                "SAML_IDP_X509CERT (the provider's signing certificate) or SAML_IDP_METADATA_URL must be set."
            )
        if metadata_url:
            idp["metadata_url"] = metadata_url
        configured["saml"] = {
            "APPS": [
                {
                    "provider_id": env.str("SAML_PROVIDER_ID", default="saml"),
                    "name": env.str("SAML_NAME", default="SAML sign-on"),
                    "client_id": env.str("SAML_PROVIDER_ID", default="saml"),
                    "settings": {
                        "attribute_mapping": {
                            "uid": env.str("SAML_ATTR_UID", default=ADFS_CLAIM + "nameidentifier"),
                            "email": env.str("SAML_ATTR_EMAIL", default=ADFS_CLAIM + "emailaddress"),
                            "first_name": env.str("SAML_ATTR_FIRST_NAME", default=ADFS_CLAIM + "givenname"),
                            "last_name": env.str("SAML_ATTR_LAST_NAME", default=ADFS_CLAIM + "surname"),
                        },
                        "idp": idp,
                        **verified,
                        "advanced": {
                            "want_assertion_signed": True,
                            "want_message_signed": False,
                            "authn_request_signed": False,
                            "reject_idp_initiated_sso": True,
                        },
                    },
                }
            ]
        }
    return configured


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}".lower()


def form_action_origins(configured: dict) -> list[str]:
    """Where the sign-in form's redirect may lead: the OpenID Connect issuer's origin, and the
    SAML sign-on URL's (else its metadata's: identity providers serve both from one host).
    An authorization endpoint on another host goes in CSP_FORM_ACTION."""
    urls = []
    for app in configured.get("openid_connect", {}).get("APPS", []):
        urls.append(app["settings"]["server_url"])
    for app in configured.get("saml", {}).get("APPS", []):
        idp = app["settings"]["idp"]
        urls.append(idp.get("sso_url") or idp.get("metadata_url"))
    return list(dict.fromkeys(_origin(url) for url in urls if url))

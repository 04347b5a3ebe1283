"""Settings (one of the parts config/settings.py gathers): direct messaging, directory
sync, accounts (allauth and single sign-on), e-mail and passwords."""

from config import sso
from config.settings_core import HTTPS, env

# ---------------------------------------------------------------- direct messaging

# The most people in a group conversation, its creator included.
MESSAGING_GROUP_MAX_PARTICIPANTS = env.int("MESSAGING_GROUP_MAX_PARTICIPANTS", default=50)
# How long a message stays unread before the recipient hears of it by e-mail.
MESSAGING_EMAIL_DELAY_MINUTES = env.int("MESSAGING_EMAIL_DELAY_MINUTES", default=10)

# ---------------------------------------------------------------- directory sync

# A run that would deactivate more than max(MIN, PERCENT % of a source's people) aborts,
# unless forced (a source may set its own limit).
DIRECTORY_DEACTIVATION_MIN = env.int("DIRECTORY_DEACTIVATION_MIN", default=5)
DIRECTORY_DEACTIVATION_PERCENT = env.float("DIRECTORY_DEACTIVATION_PERCENT", default=2.0)
# An employee's contact file (Outlook CSV, vCard): the largest accepted, and its number of contacts.
CONTACTS_UPLOAD_MAX_BYTES = env.int("CONTACTS_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
CONTACTS_MAX_PER_IMPORT = env.int("CONTACTS_MAX_PER_IMPORT", default=20_000)
# Exchange Online: the application the admin registered in Microsoft Entra ID (application
# permission Contacts.Read, with admin consent). All three set: employees can import.
GRAPH_TENANT_ID = env.str("GRAPH_TENANT_ID", default="")
GRAPH_CLIENT_ID = env.str("GRAPH_CLIENT_ID", default="")
GRAPH_CLIENT_SECRET = env.str("GRAPH_CLIENT_SECRET", default="")
GRAPH_AUTHORITY_HOST = env.str("GRAPH_AUTHORITY_HOST", default="https://login.microsoftonline.com")
GRAPH_API_URL = env.str("GRAPH_API_URL", default="https://graph.microsoft.com/v1.0")
GRAPH_CA_BUNDLE = env.str("GRAPH_CA_BUNDLE", default="")  # a proxy's CA, if TLS is intercepted
GRAPH_TIMEOUT_SECONDS = env.int("GRAPH_TIMEOUT_SECONDS", default=20)
# Exchange on premises (EWS): a service account holding the ApplicationImpersonation role.
EWS_URL = env.str("EWS_URL", default="")  # https://mail.corp.example.com/EWS/Exchange.asmx
EWS_USERNAME = env.str("EWS_USERNAME", default="")
EWS_PASSWORD = env.str("EWS_PASSWORD", default="")
EWS_AUTH_TYPE = env.str("EWS_AUTH_TYPE", default="NTLM")  # or "basic"
EWS_VERSION = env.str("EWS_VERSION", default="")  # e.g. 15.1.2507.6; empty: asked of the server
EWS_CA_BUNDLE = env.str("EWS_CA_BUNDLE", default="")
# ---------------------------------------------------------------- accounts (allauth)

# Django's and allauth's, reading the signed-in user with a compiled statement.
AUTHENTICATION_BACKENDS = [
    "apps.accounts.backends.ModelBackend",
    "apps.accounts.backends.AuthenticationBackend",
    "apps.accounts.backends.DirectoryBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "apps.accounts.adapter.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "apps.accounts.adapter.SocialAccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "apps.accounts.forms.SignupForm"}
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = env.str("EMAIL_SUBJECT_PREFIX", default="[Enterprise Social] ")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
ACCOUNT_RATE_LIMITS = {
    # Failed sign-ins: 10 a minute per client address, 5 per 5 minutes per account.
    "login_failed": "10/m/ip,5/300s/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
# Empty: nobody signs up on their own; an admin sends invitations.
ALLOWED_SIGNUP_DOMAINS = [d.lower().lstrip("@") for d in env.list("ALLOWED_SIGNUP_DOMAINS", default=[])]
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
# People who sign in through the company's SSO get an account on first sign-in.
SSO_ALLOW_SIGNUP = env.bool("SSO_ALLOW_SIGNUP", default=True)

MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Enterprise Social")

SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION = True
SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT = True
# OpenID Connect and SAML, from OIDC_* and SAML_* (config/sso.py).
SOCIALACCOUNT_PROVIDERS = sso.providers(env)
# Accounts linked to a provider sign in only through it: no local password, no reset, so
# that someone the provider disables has no other way in (apps/accounts/sso.py).
SSO_ACCOUNTS_SSO_ONLY = env.bool("SSO_ACCOUNTS_SSO_ONLY", default=bool(SOCIALACCOUNT_PROVIDERS))

# ---------------------------------------------------------------- e-mail

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
# A mail server that stops answering fails the send (retried later) instead of holding a worker.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Enterprise Social <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# ---------------------------------------------------------------- passwords

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

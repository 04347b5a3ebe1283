"""Settings (one of the parts config/settings.py gathers): static and uploaded files, the
content security policy and the health check."""

import os
from pathlib import Path
from urllib.parse import urlsplit

from config import embedded, sso
from config.settings_core import BASE_DIR, DEBUG, env
from config.settings_features import SOCIALACCOUNT_PROVIDERS
from config.settings_stores import LIVE_URL

_live = urlsplit(LIVE_URL)

# ---------------------------------------------------------------- static and media

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(embedded.VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=5 * 1024 * 1024)
# Post and message attachments: per file, per post, and which kinds of file.
ATTACHMENT_MAX_BYTES = env.int("ATTACHMENT_MAX_BYTES", default=20 * 1024 * 1024)
ATTACHMENT_MAX_COUNT = env.int("ATTACHMENT_MAX_COUNT", default=6)
ATTACHMENT_EXTENSIONS = env.list(
    "ATTACHMENT_EXTENSIONS",
    default=[
        "jpg", "jpeg", "png", "gif", "webp",
        "pdf", "txt", "csv", "md", "rtf", "odt", "ods", "odp",
        "doc", "docx", "xls", "xlsx", "ppt", "pptx", "zip",
    ],
)  # fmt: skip
# The ASGI server refuses a request body past this, whatever its Content-Length says.
REQUEST_BODY_MAX_BYTES = env.int(
    "REQUEST_BODY_MAX_BYTES", default=ATTACHMENT_MAX_BYTES * ATTACHMENT_MAX_COUNT + 2 * 1024 * 1024
)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
# Each pytest-xdist worker (make test runs two) its own: the branding file below, which every
# page reads, is one worker's to change.
_TEST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_MEDIA_DEFAULT = embedded.VAR_DIR / (f"media-{_TEST_WORKER}" if _TEST_WORKER else "media")
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(_MEDIA_DEFAULT)))
# The branding the pages show, written when an admin saves it (apps/pages/branding.py): beside
# the uploads, which every web and live process shares.
BRANDING_FILE = MEDIA_ROOT / "branding" / "branding.json"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed, cached forever once collectstatic has run (the Docker image);
    # before that (make run, tests) files are served by name from the finders.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if (STATIC_ROOT / "staticfiles.json").exists()
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Without collectstatic (make run, tests) WhiteNoise serves straight from the finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# ---------------------------------------------------------------- content security policy

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'", *([f"{_live.scheme}://{_live.netloc}"] if LIVE_URL else [])],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        # The sign-in form redirects to the identity providers (config/sso.py).
        "form-action": [
            "'self'",
            *sso.form_action_origins(SOCIALACCOUNT_PROVIDERS),
            *env.list("CSP_FORM_ACTION", default=[]),
        ],
        "frame-ancestors": ["'none'"],
    }
}

HEALTHZ_CACHE_SECONDS = env.float("HEALTHZ_CACHE_SECONDS", default=5)

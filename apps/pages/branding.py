"""The branding the pages show, read from a small JSON file (settings.BRANDING_FILE) that is
written whenever the SiteBranding row is saved and after migrations.

Why a file: the shell shows the name, logo and colour on every page, and a warm page must run
the queries it ran before the shell existed. A stat() per request (about 2 µs) tells whether
another process saved a change; every process (web, live) sees it on its next request."""

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

from apps.pages.colours import theme_css
from apps.pages.models import DEFAULT_PRIMARY, SiteBranding

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Branding:
    site_name: str
    primary_colour: str
    logo_version: str
    version: str

    @property
    def css_url(self) -> str:
        return f"{reverse('branding_css')}?v={self.version}"

    @property
    def logo_url(self) -> str:
        return f"{reverse('branding_logo')}?v={self.logo_version}" if self.logo_version else ""

    @property
    def css(self) -> str:
        return theme_css(self.primary_colour)


def _default() -> Branding:
    return Branding(site_name=settings.SITE_NAME, primary_colour=DEFAULT_PRIMARY, logo_version="", version="default")


_memo: dict = {}


def current() -> Branding:
    path = settings.BRANDING_FILE
    try:
        stat = path.stat()
    except OSError as error:  # no file yet, or a media volume that is not what it should be
        if not isinstance(error, FileNotFoundError) and not _memo.get("warned"):
            _memo["warned"] = True  # once per process, not once per page
            logger.warning("branding: cannot read %s (%s); showing the defaults", path, error)
        return _default()
    key = (stat.st_mtime_ns, stat.st_size)
    if _memo.get("key") != key:
        try:
            data = json.loads(path.read_text())
            branding = Branding(
                site_name=data["site_name"] or settings.SITE_NAME,
                primary_colour=data["primary_colour"],
                logo_version=data["logo_version"],
                version=data["version"],
            )
        except (OSError, ValueError, KeyError):
            return _default()
        _memo.update(key=key, branding=branding)
    return _memo["branding"]


def publish(row: SiteBranding | None) -> None:
    """Write the row (or the defaults, when there is none) where current() reads it, atomically."""
    data = {
        "site_name": row.site_name if row else "",
        "primary_colour": row.primary_colour if row else DEFAULT_PRIMARY,
        "logo_version": (row.logo or {}).get("version", "") if row else "",
    }
    # The stylesheet's URL changes with what it says (a digest, never guessable ahead of a
    # save): a shared cache keeps each version for a year, and never an old one under a new URL.
    data["version"] = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16] if row else "default"
    path = settings.BRANDING_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".branding-")
    # Readable by every process, whichever user the web, the live process or migrate run as.
    os.fchmod(descriptor, 0o644)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(data, handle)
    os.replace(temporary, path)


def publish_from_database() -> None:
    """After migrate: a media volume that cannot be written only costs the branding (the
    pages show the defaults, and say so in the log), never the deploy."""
    try:
        publish(SiteBranding.objects.filter(pk=1).first())
    except OSError as error:
        logger.warning("branding: cannot write %s (%s); the pages show the defaults", settings.BRANDING_FILE, error)

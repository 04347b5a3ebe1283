"""The site's branding as every page, e-mail and error page shows it: its name, primary
colour and logo, read from a small JSON file (settings.BRANDING_FILE) that apps/pages writes
when an administrator saves them (and after migrate). Here, in core, so that what sits below
pages (notifications' e-mails, the 503 page) shows the same name.

Why a file: the shell shows the branding on every page, and a warm page must run the queries
it ran before; a stat() per call (about 2 µs) tells whether another process saved a change,
and every process (web, live, worker) sees it on its next request. It never needs the
database, so the error pages can show it too."""

import json
import logging
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse

logger = logging.getLogger(__name__)

DEFAULT_PRIMARY_COLOUR = "#1d4ed8"


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


def _default() -> Branding:
    return Branding(
        site_name=settings.SITE_NAME, primary_colour=DEFAULT_PRIMARY_COLOUR, logo_version="", version="default"
    )


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

"""Where the branding's file is written (apps/core/branding.py reads it): whenever the
SiteBranding row is saved, and after migrations. `current` and `Branding` are core's."""

import hashlib
import json
import logging
import os
import tempfile

from django.conf import settings

from apps.core.branding import Branding, current
from apps.pages.models import DEFAULT_PRIMARY, SiteBranding

__all__ = ["Branding", "current", "publish", "publish_from_database"]

logger = logging.getLogger(__name__)


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

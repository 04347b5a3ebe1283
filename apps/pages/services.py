"""Writes of the pages layer: the site's branding."""

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from apps.files.pictures import CheckedImage, render_webp
from apps.moderation.services import audit_record
from apps.pages import branding
from apps.pages.models import SiteBranding

LOGO_SIDE = 256


def branding_get() -> SiteBranding:
    return SiteBranding.objects.filter(pk=1).first() or SiteBranding(pk=1)


def logo_render(image: CheckedImage):
    """The checked upload re-encoded as WebP within 256 px (a ValidationError if unreadable)."""
    from apps.files.images import Within  # Pillow, only where a logo is made

    (rendered,) = render_webp(image, [Within(LOGO_SIDE)])
    return rendered


def branding_save(*, actor, row: SiteBranding, logo=None, remove_logo: bool = False) -> SiteBranding:
    """Save the branding (`logo`: what logo_render made), record it in the audit log, and
    publish it to every process once it commits."""
    old_file = (row.logo or {}).get("file", "")
    before = SiteBranding.objects.filter(pk=1).values("site_name", "primary_colour").first() or {}
    if logo is not None:
        version = secrets.token_hex(6)
        name = default_storage.save(f"branding/logo-{version}.webp", ContentFile(logo.data))
        row.logo = {"file": name, "version": version}
    elif remove_logo:
        row.logo = {}
    with transaction.atomic():
        row.save()
        audit_record(
            actor=actor,
            action="branding.change",
            target=row,
            before=before,
            after={"site_name": row.site_name, "primary_colour": row.primary_colour, "logo": bool(row.logo)},
        )
        transaction.on_commit(lambda: branding.publish(row))
        if old_file and old_file != (row.logo or {}).get("file", ""):
            transaction.on_commit(lambda: default_storage.delete(old_file))
    return row

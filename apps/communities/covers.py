"""Cover images: checked like avatars, then re-encoded server-side into one wide banner
(decoded in a capped child process, as avatars are)."""

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from apps.files.pictures import CheckedImage, render_webp

COVER_SIZE = (1200, 300)


def render_cover(image: CheckedImage, *, community_id: int) -> dict:
    from apps.files.images import Cover  # Pillow, only where a cover is made (as avatars.py)

    (banner,) = render_webp(image, [Cover(*COVER_SIZE, quality=82)])
    version = secrets.token_hex(6)
    name = default_storage.save(f"covers/{community_id}/{version}.webp", ContentFile(banner.data))
    return {"file": name, "version": version}


def delete_cover_file(cover: dict) -> None:
    if cover.get("file"):
        default_storage.delete(cover["file"])

"""Cover images: checked like avatars, then re-encoded server-side into one wide banner."""

import io
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps

COVER_SIZE = (1200, 300)


def render_cover(image: Image.Image, *, community_id: int) -> dict:
    image = ImageOps.exif_transpose(image).convert("RGB")
    banner = ImageOps.fit(image, COVER_SIZE, method=Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    banner.save(buffer, format="WEBP", quality=82, method=4)
    version = secrets.token_hex(6)
    name = default_storage.save(f"covers/{community_id}/{version}.webp", ContentFile(buffer.getvalue()))
    return {"file": name, "version": version}


def delete_cover_file(cover: dict) -> None:
    if cover.get("file"):
        default_storage.delete(cover["file"])

"""Avatar images: a checked picture (apps/files/pictures.py) re-encoded into a few square
sizes."""

import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from apps.files.pictures import CheckedImage, render_webp
from apps.profiles.models import AVATAR_SIZES


def render_avatar(image: CheckedImage, *, user_id: int) -> dict:
    """Square, centred crops in each size, re-encoded as WebP; returns {size: storage name, "version": v}."""
    from apps.files.images import Cover  # Pillow, only where an avatar is made

    rendered = render_webp(image, [Cover(size, size, quality=85) for size in AVATAR_SIZES])
    version = secrets.token_hex(6)
    names = {"version": version}
    for size, made in zip(AVATAR_SIZES, rendered, strict=True):
        names[str(size)] = default_storage.save(f"avatars/{user_id}/{version}-{size}.webp", ContentFile(made.data))
    return names


def delete_avatar_files(avatar: dict) -> None:
    for size in AVATAR_SIZES:
        name = avatar.get(str(size))
        if name:
            default_storage.delete(name)

"""Avatar images: check what was uploaded, then re-encode it server-side into a few
square sizes. Nothing the person uploaded is ever served as such."""

import io
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from apps.profiles.models import AVATAR_SIZES

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MIN_SIDE = 64
MAX_SIDE = 6000


def validate_avatar(upload) -> Image.Image:
    """The uploaded image, opened and checked; a ValidationError saying what is wrong otherwise."""
    max_bytes = settings.AVATAR_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            _("The image is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1_000_000, 1), "limit": round(max_bytes / 1_000_000, 1)},
            code="too_large",
        )
    try:
        upload.seek(0)
        image = Image.open(upload)
        image_format = image.format
        width, height = image.size
        if width * height > MAX_SIDE * MAX_SIDE:
            raise ValidationError(_("The image is too large: at most %(max)s pixels a side.") % {"max": MAX_SIDE})
        image.verify()
        upload.seek(0)
        image = Image.open(upload)
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValidationError(
            _("This file is not an image we can read (JPEG, PNG, WebP or GIF)."), code="invalid"
        ) from error
    if image_format not in ACCEPTED_FORMATS:
        raise ValidationError(_("Please upload a JPEG, PNG, WebP or GIF image."), code="format")
    if width < MIN_SIDE or height < MIN_SIDE:
        raise ValidationError(
            _("The image is %(w)s by %(h)s pixels; it must be at least %(min)s by %(min)s.")
            % {"w": width, "h": height, "min": MIN_SIDE},
            code="too_small",
        )
    if width > MAX_SIDE or height > MAX_SIDE:
        raise ValidationError(
            _("The image is too large: at most %(max)s pixels a side.") % {"max": MAX_SIDE}, code="too_big"
        )
    return image


def render_avatar(image: Image.Image, *, user_id: int) -> dict:
    """Square, centred crops in each size, re-encoded as WebP; returns {size: storage name, "version": v}."""
    image = ImageOps.exif_transpose(image).convert("RGB")
    version = secrets.token_hex(6)
    names = {"version": version}
    for size in AVATAR_SIZES:
        square = ImageOps.fit(image, (size, size), method=Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        square.save(buffer, format="WEBP", quality=85, method=4)
        names[str(size)] = default_storage.save(
            f"avatars/{user_id}/{version}-{size}.webp", ContentFile(buffer.getvalue())
        )
    return names


def delete_avatar_files(avatar: dict) -> None:
    for size in AVATAR_SIZES:
        name = avatar.get(str(size))
        if name:
            default_storage.delete(name)

"""Image files for the tests of uploads: huge but tiny on disk (the issue's 154 KB PNG of
6300 x 6300), malformed, or turned by their EXIF orientation."""

import functools
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

HUGE_SIDE = 6300  # 39.7 megapixels: under the attachments' limit of 40


def huge_png_bytes(side: int = HUGE_SIDE) -> bytes:
    """A flat picture with two shapes: about 150 KB of PNG, 159 MB once decoded (made once)."""
    return _huge_png_bytes(side)


@functools.cache
def _huge_png_bytes(side: int) -> bytes:
    image = Image.new("RGB", (side, side), (30, 120, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle([side // 6, side // 6, side // 2, side // 3], fill="orange")
    draw.ellipse([side // 2, side // 2, side - side // 20, side - side // 20], fill="white")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def image_bytes(size=(300, 200), fmt="PNG", mode="RGB", color=(200, 30, 30), **save) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, color).save(buffer, fmt, **save)
    return buffer.getvalue()


def broken_png_bytes(size=(3000, 3000)) -> bytes:
    """A PNG whose header is sound (it passes the request's checks) but whose pixels stop
    short: only decoding it finds out."""
    whole = image_bytes(size, color=(10, 20, 30))
    return whole[: len(whole) // 2]


def upload(content: bytes, name: str = "photo.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def huge_png(name: str = "poster.png", side: int = HUGE_SIDE) -> SimpleUploadedFile:
    return upload(huge_png_bytes(side), name)

"""Attached files: checked against the limits in settings, images re-encoded server-side,
everything else stored as uploaded and only ever served as a download.

An image is whatever Pillow opens as JPEG, PNG, WebP or GIF, whatever its name says; it is
re-encoded (WebP) so nothing the person uploaded is served inline. SVG, HTML and every
other kind are plain files: `Content-Disposition: attachment`, `nosniff`."""

import io
import mimetypes
import secrets
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, ImageOps, UnidentifiedImageError

IMAGE_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp"}
MAX_PIXELS = 40_000_000
FULL_SIDE = 2048
THUMBNAIL_SIDE = 640


@dataclass
class PreparedFile:
    """An upload that passed the checks, ready to be written under a post."""

    name: str
    size: int
    content_type: str
    data: bytes
    is_image: bool = False
    width: int | None = None
    height: int | None = None
    thumbnail: bytes = b""


def _size(size: int) -> str:
    # The same units as the composer's help text (Django's filesizeformat).
    return filesizeformat(size)


def clean_name(name: str) -> str:
    """A file name safe to show and to put in a header: no path, no control characters."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        name = "file"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 190 - len(ext)] + dot + ext) if dot and len(ext) <= 10 else name[:200]
    return name


def extension_of(name: str) -> str:
    return name.rpartition(".")[2].lower() if "." in name else ""


def _reencode(image: Image.Image, side: int) -> tuple[bytes, int, int]:
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    copy.save(buffer, format="WEBP", quality=82, method=4)
    return buffer.getvalue(), copy.width, copy.height


def _prepare_image(upload, name: str) -> PreparedFile:
    try:
        upload.seek(0)
        image = Image.open(upload)
        if image.format not in IMAGE_FORMATS:
            raise ValidationError(_("%(name)s: not an image we can show.") % {"name": name})
        if image.width * image.height > MAX_PIXELS:
            raise ValidationError(_("%(name)s: the image has too many pixels.") % {"name": name})
        image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValidationError(
            _("%(name)s is not an image we can read (JPEG, PNG, WebP or GIF).") % {"name": name}
        ) from error
    image = ImageOps.exif_transpose(image)
    image = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    full, width, height = _reencode(image, FULL_SIDE)
    thumbnail, _w, _h = _reencode(image, THUMBNAIL_SIDE)
    stem = name.rpartition(".")[0] if "." in name else name
    return PreparedFile(
        name=f"{stem}.webp",
        size=len(full),
        content_type="image/webp",
        data=full,
        is_image=True,
        width=width,
        height=height,
        thumbnail=thumbnail,
    )


def prepare_uploads(uploads: list) -> list[PreparedFile]:
    """Check every upload against the settings and prepare it; one ValidationError listing
    every problem otherwise (nothing is stored until all are good)."""
    limit, count = settings.ATTACHMENT_MAX_BYTES, settings.ATTACHMENT_MAX_COUNT
    if len(uploads) > count:
        raise ValidationError(
            ngettext("At most %(count)d file per post.", "At most %(count)d files per post.", count) % {"count": count}
        )
    allowed = {ext.lower() for ext in settings.ATTACHMENT_EXTENSIONS}
    prepared, errors = [], []
    for upload in uploads:
        name = clean_name(upload.name)
        extension = extension_of(name)
        if upload.size > limit:
            errors.append(
                _("%(name)s is %(size)s; the limit is %(limit)s.")
                % {"name": name, "size": _size(upload.size), "limit": _size(limit)}
            )
            continue
        if upload.size == 0:
            errors.append(_("%(name)s is empty.") % {"name": name})
            continue
        if extension not in allowed:
            errors.append(
                _("%(name)s: this kind of file is not accepted. Accepted: %(kinds)s.")
                % {"name": name, "kinds": ", ".join(sorted(allowed))}
            )
            continue
        try:
            if extension in IMAGE_EXTENSIONS:
                prepared.append(_prepare_image(upload, name))
            else:
                upload.seek(0)
                content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
                prepared.append(
                    PreparedFile(name=name, size=upload.size, content_type=content_type, data=upload.read())
                )
        except ValidationError as error:
            errors.extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return prepared


def store(prepared: PreparedFile, *, folder: str) -> dict:
    """Write the files of one attachment under `folder`; the storage names, for its row."""
    folder = f"{folder}/{secrets.token_hex(8)}"
    stored = {"file": default_storage.save(f"{folder}/file", ContentFile(prepared.data))}
    if prepared.thumbnail:
        stored["thumbnail"] = default_storage.save(f"{folder}/thumbnail.webp", ContentFile(prepared.thumbnail))
    return stored


def attached_rows(model, prepared: list[PreparedFile], *, folder: str, stored: list[str], **owner) -> list:
    """Write each prepared file under `folder` and return the unsaved `model` rows (an
    `AttachedFile`) for `owner`. Each storage name is added to `stored` as soon as it is
    written: the caller deletes them if its transaction fails."""
    rows = []
    for position, item in enumerate(prepared):
        names = store(item, folder=folder)
        stored.extend(names.values())
        rows.append(
            model(
                **owner,
                name=item.name,
                content_type=item.content_type,
                size=item.size,
                file=names["file"],
                thumbnail=names.get("thumbnail", ""),
                is_image=item.is_image,
                width=item.width,
                height=item.height,
                position=position,
            )
        )
    return rows


def delete_files(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)

"""Attached files: checked against the limits in settings, images re-encoded server-side,
everything else stored as uploaded and only ever served as a download.

An image is whatever Pillow recognises as JPEG (MPO too: a phone's JPEG with a gain map or a
depth map), PNG, WebP or GIF, whatever its name says;
it is re-encoded (WebP) so nothing the person uploaded is served inline. SVG, HTML and every
other kind are plain files: `Content-Disposition: attachment`, `nosniff`.

A request never decodes an image itself (apps/files/images.py): decoding a 154 KB PNG of
6300 x 6300 took a web process from 161 MB to 699 MB. It reads each image's header (format
and size, where the limits are checked), then
- re-encodes the small ones (within REQUEST_PIXEL_BUDGET) at once, in a capped child;
- stores the others as uploaded, `pending`, for the worker to re-encode after the commit
  (attachment_processing.py): the page shows a placeholder until then."""

import logging
import mimetypes
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core.models import FileState
from apps.core.queue import enqueue_on_commit
from apps.files import images

logger = logging.getLogger(__name__)

IMAGE_FORMATS = set(images.FORMATS)
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp"}
CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
MAX_PIXELS = 40_000_000
FULL_SIDE = 2048
THUMBNAIL_SIDE = 640
RENDERINGS = (images.Within(FULL_SIDE), images.Within(THUMBNAIL_SIDE))
# A request re-encodes its images itself, smallest first, as long as their pixels add up
# to no more than this: two pictures of 2048 x 2048, about 0.4 s of a child's time. The
# others (a phone's photo already) wait for the worker. The request's time stays bounded
# whatever the number of files.
REQUEST_PIXEL_BUDGET = 2 * FULL_SIDE * FULL_SIDE
REQUEST_TIMEOUT = images.REQUEST_TIMEOUT  # seconds; past it, the request's images are left to the worker
# Seconds a request waits for a free child slot (apps/files/images.py): the worker is there
# for images a request could not re-encode, so it need not wait long.
REQUEST_SLOT_WAIT = 1.0
# How long the task queued with a pending image has to claim it before the sweep does.
QUEUED_GRACE = timedelta(minutes=2)


@dataclass
class PreparedFile:
    """An upload that passed the checks, ready to be written under a post or a message."""

    name: str
    size: int
    content_type: str
    upload: Any = None  # stored as uploaded: a plain file, or a pending image's original
    data: bytes = b""  # or: the re-encoded image
    thumbnail: bytes = b""
    is_image: bool = False
    width: int | None = None
    height: int | None = None
    pending: bool = False


def limits() -> dict:
    """What the composers say of attachments (posts and messages share them)."""
    return {
        "count": settings.ATTACHMENT_MAX_COUNT,
        "bytes": settings.ATTACHMENT_MAX_BYTES,
        "extensions": sorted(settings.ATTACHMENT_EXTENSIONS),
    }


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


def _image_header(upload, name: str) -> images.Header:
    """Format and size from the header, checked against the limits; nothing decoded."""
    unreadable = _("%(name)s is not an image we can read (JPEG, PNG, WebP or GIF).") % {"name": name}
    too_large = _("%(name)s: the image has too many pixels.") % {"name": name}
    try:
        header = images.read_header(upload)
    except images.TooManyPixels as error:
        raise ValidationError(too_large) from error
    except images.UnreadableImage as error:
        raise ValidationError(unreadable) from error
    if header.format not in IMAGE_FORMATS:
        raise ValidationError(_("%(name)s: not an image we can show.") % {"name": name})
    if header.pixels > MAX_PIXELS:
        raise ValidationError(too_large)
    return header


def _webp_name(name: str) -> str:
    return f"{name.rpartition('.')[0] if '.' in name else name}.webp"


def rendered_file(name: str, rendered: list[images.Rendered]) -> PreparedFile:
    full, thumbnail = rendered
    return PreparedFile(
        name=_webp_name(name),
        size=len(full.data),
        content_type="image/webp",
        data=full.data,
        thumbnail=thumbnail.data,
        is_image=True,
        width=full.width,
        height=full.height,
    )


def _pending_file(upload, name: str, header: images.Header) -> PreparedFile:
    return PreparedFile(
        name=name,
        size=upload.size,
        content_type=CONTENT_TYPES[header.format],
        upload=upload,
        is_image=True,
        width=header.width,
        height=header.height,
        pending=True,
    )


def _within_budget(found: list[tuple[int, Any, str, images.Header]]) -> list:
    """The images a request re-encodes itself: the smallest, up to REQUEST_PIXEL_BUDGET in all."""
    chosen, spent = [], 0
    for item in sorted(found, key=lambda item: item[3].pixels):
        spent += item[3].pixels
        if spent > REQUEST_PIXEL_BUDGET:
            break
        chosen.append(item)
    return chosen


def _render_now(chosen: list[tuple[int, Any, str, images.Header]], prepared: list, errors: list) -> None:
    """Re-encode the chosen images now, in one child; an image the child could not read is
    refused with the others' errors; if the child itself failed, they wait for the worker."""
    try:
        results = images.render_many(
            [upload for _i, upload, _n, _h in chosen],
            RENDERINGS,
            max_pixels=MAX_PIXELS,
            timeout=REQUEST_TIMEOUT,
            wait=REQUEST_SLOT_WAIT,
        )
    except images.RenderFailed as error:
        logger.warning("images left to the worker: %s", error)
        results = [None] * len(chosen)
    for (index, upload, name, header), result in zip(chosen, results, strict=True):
        if isinstance(result, images.TooManyPixels):
            errors.append(_("%(name)s: the image has too many pixels.") % {"name": name})
        elif isinstance(result, images.UnreadableImage):
            errors.append(_("%(name)s is not an image we can read (JPEG, PNG, WebP or GIF).") % {"name": name})
        elif result is None:
            prepared[index] = _pending_file(upload, name, header)
        else:
            prepared[index] = rendered_file(name, result)


def prepare_uploads(uploads: list) -> list[PreparedFile]:
    """Check every upload against the settings and prepare it; one ValidationError listing
    every problem otherwise (nothing is stored until all are good)."""
    limit, count = settings.ATTACHMENT_MAX_BYTES, settings.ATTACHMENT_MAX_COUNT
    if len(uploads) > count:
        raise ValidationError(
            ngettext("At most %(count)d file per post.", "At most %(count)d files per post.", count) % {"count": count}
        )
    allowed = {ext.lower() for ext in settings.ATTACHMENT_EXTENSIONS}
    prepared, errors, images_found = [], [], []
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
        if extension not in IMAGE_EXTENSIONS:
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            prepared.append(PreparedFile(name=name, size=upload.size, content_type=content_type, upload=upload))
            continue
        try:
            header = _image_header(upload, name)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        images_found.append((len(prepared), upload, name, header))
        prepared.append(None)  # filled in below
    now = _within_budget(images_found)
    rendered_now = {index for index, *_rest in now}
    for index, upload, name, header in images_found:
        if index not in rendered_now:
            prepared[index] = _pending_file(upload, name, header)
    if now:
        _render_now(now, prepared, errors)
    if errors:
        raise ValidationError(errors)
    return prepared


def store(prepared: PreparedFile, *, folder: str) -> dict:
    """Write the files of one attachment under `folder`; the storage names, for its row.
    An upload is copied a chunk at a time, never read whole into memory."""
    folder = f"{folder}/{secrets.token_hex(8)}"
    if prepared.upload is not None:
        prepared.upload.seek(0)
        name = "original" if prepared.pending else "file"
        return {"file": default_storage.save(f"{folder}/{name}", prepared.upload)}
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
                state=FileState.PENDING if item.pending else FileState.READY,
                claimed_until=timezone.now() + QUEUED_GRACE if item.pending else None,
            )
        )
    return rows


def process_later(rows: list, task_name: str) -> None:
    """Once the rows are committed, queue the task called `task_name` (which re-encodes
    one) for each pending image. If the broker is down, the sweep finds them (processing.py)."""
    for row in rows:
        if row.state == FileState.PENDING:
            enqueue_on_commit(task_name, row.pk)


def delete_files(names: list[str]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)

"""Pictures people upload (avatars, community covers): check what was uploaded, then
re-encode it server-side. Nothing the person uploaded is ever served as such.

The check reads the header only (format, size); the decoding and re-encoding run in a
child process with capped memory (apps/files/images.py): a 6000 x 6000 PNG is 144 MB of
pixels, which the web process never holds."""

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from apps.files.images import Header, Rendered

# Pillow (apps.files.images) is imported where an image is checked or rendered, not with this
# module: the profiles' and communities' services import it, and the live process, which must stay small,
# loads those through the admin.
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MIN_SIDE = 64
MAX_SIDE = 6000


@dataclass(frozen=True)
class CheckedImage:
    """An upload whose header passed the checks; decoded only when rendered."""

    upload: Any
    header: "Header"


def validate_picture(upload) -> CheckedImage:
    """The uploaded image, checked from its header; a ValidationError saying what is wrong
    otherwise. A file whose pixels turn out unreadable is refused when rendered."""
    from apps.files import images

    max_bytes = settings.AVATAR_MAX_BYTES
    if upload.size > max_bytes:
        raise ValidationError(
            _("The image is %(size)s MB; the limit is %(limit)s MB.")
            % {"size": round(upload.size / 1_000_000, 1), "limit": round(max_bytes / 1_000_000, 1)},
            code="too_large",
        )
    too_big = _("The image is too large: at most %(max)s pixels a side.") % {"max": MAX_SIDE}
    try:
        header = images.read_header(upload)
    except images.TooManyPixels as error:
        raise ValidationError(too_big, code="too_big") from error
    except images.UnreadableImage as error:
        raise ValidationError(
            _("This file is not an image we can read (JPEG, PNG, WebP or GIF)."), code="invalid"
        ) from error
    if header.format not in ACCEPTED_FORMATS:
        raise ValidationError(_("Please upload a JPEG, PNG, WebP or GIF image."), code="format")
    if header.width < MIN_SIDE or header.height < MIN_SIDE:
        raise ValidationError(
            _("The image is %(w)s by %(h)s pixels; it must be at least %(min)s by %(min)s.")
            % {"w": header.width, "h": header.height, "min": MIN_SIDE},
            code="too_small",
        )
    if header.width > MAX_SIDE or header.height > MAX_SIDE:
        raise ValidationError(too_big, code="too_big")
    return CheckedImage(upload=upload, header=header)


def render_webp(image: CheckedImage, outputs) -> list["Rendered"]:
    """The checked image decoded and re-encoded in a capped child; a ValidationError if its
    pixels cannot be read (or the child gave no answer)."""
    from apps.files import images

    try:
        # Within a web request: the request's timeout, and a bounded wait for a child slot.
        return images.render(image.upload, outputs, max_pixels=MAX_SIDE * MAX_SIDE, timeout=images.REQUEST_TIMEOUT)
    except images.Busy as error:
        raise ValidationError(
            _("Other images are being processed right now. Please try again in a moment."), code="busy"
        ) from error
    except images.UnreadableImage as error:
        raise ValidationError(
            _("This file is not an image we can read (JPEG, PNG, WebP or GIF)."), code="invalid"
        ) from error
    except images.RenderFailed as error:
        raise ValidationError(
            _("The image could not be processed. Please try again, or try a smaller image."), code="failed"
        ) from error

"""Reading uploaded images without letting one of them cost a web process its memory.

Decoding is what costs: a 154 KB PNG of 6300 x 6300 is 159 MB of pixels once decoded, and
re-encoding it took a web process from 161 MB to 699 MB. So the calling process only ever
reads an image's header (format, size, orientation: a few kilobytes, a few milliseconds),
and every decode runs in a child process of its own (`render`), started afresh for the job
with its address space and CPU time capped (RLIMIT_AS, RLIMIT_CPU; no core file when it
dies of either) and a wall-clock timeout. A hostile or merely huge image makes that child
fail, never its parent: the web process, or the Celery worker, that asked. A process runs
at most two children at once; a request waits a few seconds for its turn (SLOT_WAIT), then
says "try again" rather than hold its thread.

What a camera or an editor writes is shown as it looks: a JPEG with more than one picture
in it (MPO: HDR gain maps, depth maps) is a JPEG, its first picture shown; a picture of
more than 8 bits a channel (a 16-bit grey PNG) is scaled down to 8 bits, not clipped.

This module imports nothing from Django: the child runs it as a script (`python -I
images.py`), with Pillow and the standard library only.
"""

import io
import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass

from PIL import Image, ImageMath, PngImagePlugin, UnidentifiedImageError

FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# What Pillow calls some files of an accepted format: a phone's JPEG whose MPF segment lists
# more than one picture (an HDR gain map, a depth map) opens as "MPO".
ALIASES = {"MPO": "JPEG"}
# A child may map this much (its interpreter and Pillow take about 30 MB of it). The worst
# image within the limits, a WebP of 40 megapixels with transparency, peaks at about 700 MB
# (Pillow's WebP decoder holds the picture three times; a PNG of the same size, 390 MB; a
# 16-bit grey PNG with a transparent value, scaled to 8 bits, 590 MB): tests/core/test_images.py
# decodes them under the cap.
MEMORY_LIMIT = 1024 * 1024 * 1024
TIMEOUT = 60.0  # seconds of wall-clock time (and of CPU time) a child may take
REQUEST_TIMEOUT = 10.0  # the same, for a child a web request waits for
SLOT_WAIT = 5.0  # seconds a caller waits for one of its process's child slots (Busy after)
# Reading a PNG's header reads its text chunks, decompressed: Pillow allows 64 MB of them.
# No image we show needs more than a few of its metadata.
PngImagePlugin.MAX_TEXT_MEMORY = 4 * 1024 * 1024

# EXIF orientation -> the transposition that shows the picture upright.
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_SIDEWAYS = {5, 6, 7, 8}
_ORIENTATION_TAG = 0x0112


class UnreadableImage(Exception):
    """The image itself is the problem: not an image of an accepted format, malformed,
    truncated, or more than a child may spend on it. Trying again will not help."""


class TooManyPixels(UnreadableImage):
    pass


class RenderFailed(Exception):
    """The child gave no answer (killed, timed out, could not start): perhaps the machine
    was busy, perhaps the image is hostile. Worth one more try, not many."""


class Busy(RenderFailed):
    """No child was started: the process's slots stayed taken for SLOT_WAIT. Try again soon."""


@dataclass(frozen=True)
class Header:
    format: str
    width: int  # as shown: EXIF orientation applied
    height: int

    @property
    def pixels(self) -> int:
        return self.width * self.height


@dataclass(frozen=True)
class Within:
    """The whole picture, scaled down (never up) to fit a `side` x `side` square."""

    side: int
    quality: int = 82


@dataclass(frozen=True)
class Cover:
    """A centred crop filling exactly `width` x `height` (scaled up if need be), without alpha."""

    width: int
    height: int
    quality: int = 85


@dataclass(frozen=True)
class Rendered:
    data: bytes  # WebP
    width: int
    height: int


def _orientation(image: Image.Image) -> int:
    # Only what the header carried: asking Pillow for the EXIF of a PNG whose eXIf chunk
    # follows the pixels would decode them.
    raw = image.info.get("exif")
    if not raw:
        return 1
    try:
        exif = Image.Exif()
        exif.load(raw)
        return int(exif.get(_ORIENTATION_TAG, 1))
    except Exception:  # noqa: BLE001 - a broken EXIF block only loses the rotation
        return 1


def _format(image: Image.Image) -> str:
    return ALIASES.get(image.format or "", image.format or "")


def read_header(upload) -> Header:
    """An image's format (one of FORMATS for what we show; MPO is JPEG) and size from its
    first bytes, without decoding a pixel. UnreadableImage if Pillow does not recognise it;
    TooManyPixels if it is so large that Pillow refuses even to open it (over twice
    Image.MAX_IMAGE_PIXELS)."""
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            width, height = image.size
            header = Header(format=_format(image), width=width, height=height)
            if _orientation(image) in _SIDEWAYS:
                header = Header(format=header.format, width=height, height=width)
    except Image.DecompressionBombError as error:
        raise TooManyPixels(str(error)) from error
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise UnreadableImage(str(error)) from error
    finally:
        upload.seek(0)
    return header


def render(source, outputs, *, max_pixels: int, timeout: float = TIMEOUT, wait: float | None = None) -> list[Rendered]:
    """The image in `source` (a binary file) decoded in a capped child and re-encoded (WebP)
    once per output spec. UnreadableImage, or RenderFailed if the child died (Busy if none
    could start within `wait` seconds, SLOT_WAIT by default)."""
    result = render_many([source], outputs, max_pixels=max_pixels, timeout=timeout, wait=wait)[0]
    if isinstance(result, UnreadableImage):
        raise result
    return result


# Children a process runs at once: a web process's threads wait their turn rather than
# each start one (a child may take hundreds of megabytes while it decodes).
_children = threading.BoundedSemaphore(2)


def render_many(
    sources: list, outputs, *, max_pixels: int, timeout: float = TIMEOUT, wait: float | None = None
) -> list:
    """Several images (binary files) in one child, one start-up: for each, its renderings
    or the UnreadableImage that says why there are none. RenderFailed if the child died;
    Busy if the process's slots stayed taken for `wait` seconds (SLOT_WAIT by default)."""
    sizes = []
    with tempfile.TemporaryFile() as stdin:
        # The child reads a line of JSON, then the images one after the other. They go
        # through a file, a chunk at a time: the caller never holds them whole in memory.
        for source in sources:
            source.seek(0, io.SEEK_END)
            sizes.append(source.tell())
        request = {
            "memory": MEMORY_LIMIT,
            "cpu": math.ceil(timeout),
            "max_pixels": max_pixels,
            "formats": FORMATS,
            "outputs": [_spec(output) for output in outputs],
            "sizes": sizes,
        }
        stdin.write(json.dumps(request).encode() + b"\n")
        for source in sources:
            source.seek(0)
            shutil.copyfileobj(source, stdin)
            source.seek(0)
        stdin.seek(0)
        wait = SLOT_WAIT if wait is None else wait
        if not _children.acquire(timeout=wait):
            raise Busy(f"no free slot within {wait} s")
        try:
            # -I: the child ignores PYTHON* variables and the user's site-packages.
            finished = subprocess.run(
                [sys.executable, "-I", __file__], stdin=stdin, capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as error:
            raise RenderFailed(f"no answer within {timeout} s") from error
        except OSError as error:
            raise RenderFailed(f"could not start: {error}") from error
        finally:
            _children.release()
    if finished.returncode != 0:
        raise RenderFailed(f"exit {finished.returncode}: {finished.stderr[-500:].decode(errors='replace')}")
    head, _newline, body = finished.stdout.partition(b"\n")
    try:
        answers = json.loads(head)["results"]
    except (ValueError, KeyError) as error:
        raise RenderFailed("an answer that could not be read") from error
    results, offset = [], 0
    for answer in answers:
        if answer["error"]:
            results.append(TooManyPixels(answer["error"]) if answer["pixels"] else UnreadableImage(answer["error"]))
            continue
        made = []
        for output in answer["outputs"]:
            made.append(Rendered(body[offset : offset + output["size"]], output["width"], output["height"]))
            offset += output["size"]
        results.append(made)
    return results


def _spec(output) -> dict:
    if isinstance(output, Within):
        return {"kind": "within", "side": output.side, "quality": output.quality}
    return {"kind": "cover", "width": output.width, "height": output.height, "quality": output.quality}


# ---------------------------------------------------------------- in the child


def _needed(size: tuple[int, int], specs: list[dict], sideways: bool) -> tuple[int, int]:
    """The smallest stored size every output can still be made from (JPEG decodes at 1/2,
    1/4 or 1/8 of its size when that is enough: a fraction of the memory and time)."""
    width, height = size
    need_w = need_h = 1
    for spec in specs:
        if spec["kind"] == "within":
            scale = min(spec["side"] / width, spec["side"] / height, 1)
        else:
            target_w, target_h = (spec["height"], spec["width"]) if sideways else (spec["width"], spec["height"])
            scale = min(max(target_w / width, target_h / height), 1)
        need_w, need_h = max(need_w, math.ceil(width * scale)), max(need_h, math.ceil(height * scale))
    return need_w, need_h


def _within_size(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The size Image.thumbnail((side, side)) gives an image of `size` (the same rounding)."""
    width, height = size
    if width <= side and height <= side:
        return size
    aspect = width / height

    def nearest(number: float, key) -> int:
        return max(min(math.floor(number), math.ceil(number), key=key), 1)

    if aspect <= 1:
        return nearest(side * aspect, lambda n: abs(aspect - n / side)), side
    return side, nearest(side / aspect, lambda n: 0 if n == 0 else abs(aspect - side / n))


def _upright(image: Image.Image, orientation: int) -> Image.Image:
    # Turned once small: the same picture as turning the original, for far less.
    return image.transpose(_UPRIGHT[orientation]) if orientation in _UPRIGHT else image


def _resized(image: Image.Image, size: tuple[int, int], box=None) -> Image.Image:
    if size == image.size and box is None:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, box=box, reducing_gap=2.0)


def _cover(image: Image.Image, spec: dict, orientation: int) -> Image.Image:
    if image.mode != "RGB":
        image = image.convert("RGB")
    width, height = image.size
    size = (spec["height"], spec["width"]) if orientation in _SIDEWAYS else (spec["width"], spec["height"])
    scale = max(size[0] / width, size[1] / height)
    crop_w, crop_h = min(width, size[0] / scale), min(height, size[1] / scale)
    left, top = (width - crop_w) / 2, (height - crop_h) / 2
    return _upright(_resized(image, size, box=(left, top, left + crop_w, top + crop_h)), orientation)


def _top(image: Image.Image) -> float:
    """The value shown as white: 65535 in a 16-bit picture; in a picture of 32-bit integers
    or floats, whose depth is not said, the maximum of the smallest depth its values fit
    in (0..1 for floats, 8 bits, 16 bits), or else its highest value."""
    if image.mode.startswith("I;16"):
        return 65535
    low, high = image.getextrema()
    depths = (1.0, 255, 65535) if image.mode == "F" else (255, 65535)
    return next((top for top in depths if low >= 0 and high <= top), max(high, 1))


def _eight_bit(image: Image.Image) -> Image.Image:
    """A picture of more than 8 bits a channel (I;16*, I, F) scaled to 8-bit grey ("L", or
    "LA" if one value was transparent). Pillow's convert() clips their values to 255
    instead: a 16-bit grey PNG of 40000 everywhere came out white, not grey."""
    if not (image.mode.startswith("I;16") or image.mode in ("I", "F")):
        return image
    transparent = image.info.get("transparency")
    scale = 255 / _top(image)
    if image.mode.startswith("I;16") and image.mode != "I;16":
        image = image.convert("I")  # point() scales "I;16", "I" and "F" only
    # point() takes a linear function as a scale and an offset: + 0.5 rounds.
    grey = image.point(lambda value: value * scale + 0.5).convert("L")
    if isinstance(transparent, int | float):
        wide = image.convert("I") if image.mode == "I;16" else image  # ImageMath reads "I" and "F"
        opaque = ImageMath.lambda_eval(lambda args: args["wide"] != transparent, wide=wide).convert("L")
        del wide  # 4 bytes a pixel: gone before the alpha is made
        grey = Image.merge("LA", (grey, opaque.point(lambda value: 255 if value else 0)))
    return grey


def _decode_and_render(data: bytes, request: dict) -> tuple[list[bytes], list[dict]]:
    image = Image.open(io.BytesIO(data))  # a multi-picture file (MPO, GIF) at its first picture
    if _format(image) not in request["formats"]:
        raise UnreadableImage(f"format {image.format}")
    if image.width * image.height > request["max_pixels"]:
        raise TooManyPixels(f"{image.width} x {image.height}")
    original_size = image.size
    orientation = _orientation(image)
    sideways = orientation in _SIDEWAYS
    image.draft(None, _needed(image.size, request["outputs"], sideways))
    image.load()
    image = _eight_bit(image)
    # Resizing a palette picks the nearest colour: converted first. Alpha is kept only
    # where the picture has some.
    mode = "RGBA" if image.has_transparency_data else "RGB"
    if image.mode != mode:
        image = image.convert(mode)
    blobs, outputs = [], []
    larger = None  # the last "within" made: a smaller one is made from it, not from the original
    for spec in request["outputs"]:
        if spec["kind"] == "within":
            # Sizes from the original's, as Image.thumbnail would give them (a JPEG may
            # have been decoded at a fraction of its size).
            size = _within_size(original_size, spec["side"])
            if larger is not None and max(larger.size) >= max(size):
                made = _resized(larger, size[::-1] if sideways else size)
            else:
                made = _upright(_resized(image, size), orientation)
            larger = made
        else:
            made = _cover(image, spec, orientation)
        buffer = io.BytesIO()
        made.save(buffer, format="WEBP", quality=spec["quality"], method=4)
        blobs.append(buffer.getvalue())
        outputs.append({"width": made.width, "height": made.height, "size": len(blobs[-1])})
    return blobs, outputs


def _child() -> None:
    stdin = sys.stdin.buffer
    request = json.loads(stdin.readline())
    resource.setrlimit(resource.RLIMIT_AS, (request["memory"], request["memory"]))
    resource.setrlimit(resource.RLIMIT_CPU, (request["cpu"], request["cpu"]))
    # Past its CPU time a child dies of SIGXCPU, which dumps core by default: a file the
    # size of its memory (up to MEMORY_LIMIT) in the working directory, for nothing.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    Image.MAX_IMAGE_PIXELS = request["max_pixels"]
    results, blobs = [], []
    for size in request["sizes"]:
        data = stdin.read(size)
        try:
            made, outputs = _decode_and_render(data, request)
        except MemoryError:
            results.append({"error": "more memory than an image may use", "pixels": False})
        except TooManyPixels as error:
            results.append({"error": str(error), "pixels": True})
        except Image.DecompressionBombError as error:
            results.append({"error": str(error), "pixels": True})
        except Exception as error:  # noqa: BLE001 - whatever a malformed file makes Pillow raise
            results.append({"error": f"{type(error).__name__}: {error}"[:300], "pixels": False})
        else:
            blobs.extend(made)
            results.append({"error": None, "pixels": False, "outputs": outputs})
        del data
    out = sys.stdout.buffer
    out.write(json.dumps({"results": results}).encode() + b"\n")
    for blob in blobs:
        out.write(blob)
    out.flush()


if __name__ == "__main__":
    _child()

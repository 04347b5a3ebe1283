"""apps/files/images.py: headers read without decoding, every decode in a child whose memory
and time are capped, and renderings that look as Image.thumbnail and ImageOps.fit made them."""

import io
import resource
import threading
import time
from pathlib import Path

import pytest
from PIL import Image, ImageFile, PngImagePlugin

from apps.files import images
from tests.image_files import broken_png_bytes, huge_png_bytes, image_bytes

FULL, THUMB = images.Within(2048), images.Within(640)


def source(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def opened(rendered: images.Rendered) -> Image.Image:
    image = Image.open(io.BytesIO(rendered.data))
    assert image.format == "WEBP" and image.size == (rendered.width, rendered.height)
    image.load()
    return image


def shown(rendered: images.Rendered, at=(5, 5)) -> tuple:
    return opened(rendered).convert("RGBA").getpixel(at)


def near(pixel, expected, tolerance=3) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


def turned_jpeg(orientation: int, size=(400, 200)) -> bytes:
    """Stored left half red, right half blue, with an EXIF orientation."""
    image = Image.new("RGB", size, "red")
    image.paste("blue", (size[0] // 2, 0, size[0], size[1]))
    exif = Image.Exif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif.tobytes(), quality=95)
    return buffer.getvalue()


# ---------------------------------------------------------------- headers


def test_a_header_is_read_without_decoding_a_pixel(monkeypatch):
    decoded = []
    load = ImageFile.ImageFile.load
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda image: decoded.append(image.size) or load(image))
    header = images.read_header(source(huge_png_bytes()))
    assert (header.format, header.width, header.height, header.pixels) == ("PNG", 6300, 6300, 6300 * 6300)
    for fmt in ("JPEG", "WEBP", "GIF"):
        assert images.read_header(source(image_bytes((300, 200), fmt))).format == fmt
    assert decoded == []


def test_a_header_gives_the_size_as_shown():
    sideways, upside_down = images.read_header(source(turned_jpeg(6))), images.read_header(source(turned_jpeg(3)))
    assert (sideways.width, sideways.height) == (200, 400)
    assert (upside_down.width, upside_down.height) == (400, 200)


@pytest.mark.parametrize("data", [b"not an image at all" * 10, b"", b"\x89PNG\r\n\x1a\n"])
def test_what_is_not_an_image_is_unreadable(data):
    with pytest.raises(images.UnreadableImage):
        images.read_header(source(data))


def test_a_header_with_megabytes_of_text_chunks_is_refused():
    # Pillow would decompress up to 64 MB of text chunks to read a PNG's header.
    info = PngImagePlugin.PngInfo()
    for i in range(6):
        info.add_text(f"k{i}", "x" * 1_000_000, zip=True)
    buffer = io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "PNG", pnginfo=info)
    assert len(buffer.getvalue()) < 100_000
    with pytest.raises(images.UnreadableImage):
        images.read_header(source(buffer.getvalue()))


# ---------------------------------------------------------------- rendering


@pytest.mark.parametrize("size", [(2100, 300), (300, 2100), (2049, 2047), (641, 10), (5000, 3), (1000, 700)])
def test_sizes_are_those_of_image_thumbnail(size):
    expected = []
    for side in (2048, 640):
        image = Image.new("RGB", size)
        image.thumbnail((side, side))
        expected.append(image.size)
    rendered = images.render(source(image_bytes(size)), [FULL, THUMB], max_pixels=40_000_000)
    assert [(r.width, r.height) for r in rendered] == expected


@pytest.mark.parametrize(("orientation", "top", "bottom"), [(6, "red", "blue"), (8, "blue", "red")])
def test_a_turned_photo_is_rendered_upright(orientation, top, bottom):
    full, square = images.render(
        source(turned_jpeg(orientation)), [FULL, images.Cover(100, 100)], max_pixels=40_000_000
    )
    assert (full.width, full.height) == (200, 400)
    picture = opened(full).convert("RGB")
    colours = {"red": (255, 0, 0), "blue": (0, 0, 255)}
    for y, name in ((20, top), (380, bottom)):
        pixel = picture.getpixel((100, y))
        assert all(abs(a - b) < 40 for a, b in zip(pixel, colours[name], strict=True)), (y, pixel)
    assert (square.width, square.height) == (100, 100)


def test_covers_are_centred_crops_without_alpha():
    (banner,) = images.render(
        source(image_bytes((800, 800), mode="RGBA", color=(0, 0, 0, 0))), [images.Cover(1200, 300)], max_pixels=10**8
    )
    assert (banner.width, banner.height) == (1200, 300) and opened(banner).mode == "RGB"


@pytest.mark.parametrize(
    ("mode", "color", "shown"),
    [("RGBA", (10, 20, 30, 100), "RGBA"), ("RGB", (10, 20, 30), "RGB"), ("L", 128, "RGB"), ("I;16", 300, "RGB")],
)
def test_alpha_is_kept_only_where_there_is_some(mode, color, shown):
    (full,) = images.render(source(image_bytes((64, 48), mode=mode, color=color)), [FULL], max_pixels=10**6)
    assert opened(full).mode == shown


def test_one_child_renders_several_images_each_with_its_own_outcome():
    results = images.render_many(
        [source(image_bytes((300, 200))), source(broken_png_bytes((600, 600))), source(image_bytes((50, 60), "GIF"))],
        [FULL, THUMB],
        max_pixels=10**6,
    )
    assert [(r.width, r.height) for r in results[0]] == [(300, 200), (300, 200)]
    assert isinstance(results[1], images.UnreadableImage) and "truncated" in str(results[1])
    assert [(r.width, r.height) for r in results[2]] == [(50, 60), (50, 60)]
    assert opened(results[2][1]).size == (50, 60)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (broken_png_bytes((600, 600)), images.UnreadableImage),
        (image_bytes((100, 100), "BMP"), images.UnreadableImage),
        (image_bytes((2000, 2000)), images.TooManyPixels),
    ],
)
def test_what_the_child_cannot_read_is_said_so(data, error):
    with pytest.raises(error):
        images.render(source(data), [FULL], max_pixels=1_000_000)


# ---------------------------------------------------------------- the caps


def test_an_image_past_the_memory_cap_fails_in_the_child_not_here(monkeypatch):
    monkeypatch.setattr(images, "MEMORY_LIMIT", 160 * 1024 * 1024)  # a 6300 x 6300 picture is 159 MB decoded
    with pytest.raises(images.UnreadableImage, match="memory"):
        images.render(source(huge_png_bytes()), [FULL, THUMB], max_pixels=40_000_000)


def test_the_worst_image_within_the_limits_renders_under_the_cap():
    """40 megapixels of WebP with alpha: Pillow's WebP decoder holds the picture three times."""
    buffer = io.BytesIO()
    Image.new("RGBA", (6324, 6324), (10, 20, 30, 128)).save(buffer, "WEBP", quality=50, method=0)
    full, thumbnail = images.render(source(buffer.getvalue()), [FULL, THUMB], max_pixels=40_000_000)
    assert (full.width, thumbnail.width) == (2048, 640)


def test_the_worst_16_bit_png_within_the_limits_renders_under_the_cap():
    """40 megapixels of 16-bit grey with a transparent value: scaled, and its alpha found,
    at 4 bytes a pixel."""
    picture = Image.new("I;16", (6324, 6324), 40000)
    picture.paste(Image.new("I;16", (3162, 6324), 1000), (0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", transparency=40000)
    del picture
    full, thumbnail = images.render(source(buffer.getvalue()), [FULL, THUMB], max_pixels=40_000_000)
    assert (full.width, thumbnail.width) == (2048, 640)
    assert near(shown(thumbnail, (10, 10)), (4, 4, 4, 255)) and shown(thumbnail, (600, 10))[3] == 0


def test_a_child_past_its_time_is_stopped():
    with pytest.raises(images.RenderFailed, match="no answer"):
        images.render(source(huge_png_bytes()), [FULL], max_pixels=40_000_000, timeout=0.05)


# ---------------------------------------------------------------- what cameras and editors write


def sixteen_bit_png(value=40000, size=(300, 200), **save) -> bytes:
    """A 16-bit grey PNG: Pillow opens it as "I;16", values 0..65535."""
    buffer = io.BytesIO()
    Image.new("I;16", size, value).save(buffer, "PNG", **save)
    return buffer.getvalue()


@pytest.mark.parametrize("output", [FULL, images.Cover(100, 100)])
def test_a_16_bit_grey_png_is_scaled_to_8_bits_not_clipped_to_white(output):
    # 40000 of 65535 is 156 of 255: convert("RGB") clipped it to 255.
    assert Image.open(io.BytesIO(sixteen_bit_png())).mode == "I;16"
    (made,) = images.render(source(sixteen_bit_png()), [output], max_pixels=10**6)
    assert near(shown(made), (156, 156, 156, 255)), shown(made)


def test_a_16_bit_grey_png_keeps_its_transparent_value():
    picture = Image.new("I;16", (300, 200), 40000)
    picture.paste(Image.new("I;16", (100, 200), 1000), (0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, "PNG", transparency=40000)
    (full,) = images.render(source(buffer.getvalue()), [FULL], max_pixels=10**6)
    assert near(shown(full, (20, 100)), (4, 4, 4, 255)) and shown(full, (250, 100))[3] == 0


@pytest.mark.parametrize(
    ("mode", "value", "grey"),
    [
        ("I;16", 40000, 156),
        ("I;16B", 40000, 156),
        ("I;16B", 200, 1),  # 16-bit values, however low
        ("I;16L", 65535, 255),
        ("I", 40000, 156),  # 16-bit values
        ("I", 200, 200),  # 8-bit values in a wide mode: as they are
        ("I", -5, 0),
        ("F", 0.6, 153),  # floats from 0 to 1
        ("F", 200.0, 200),
        ("F", 40000.0, 156),
    ],
)
def test_every_mode_of_more_than_8_bits_is_scaled_to_8(mode, value, grey):
    scaled = images._eight_bit(Image.new(mode, (4, 4), value))
    assert scaled.mode == "L" and scaled.getpixel((0, 0)) == grey


def mpo_bytes(size=(3000, 2000), orientation=None) -> bytes:
    """A phone's photo with a second picture in its MPF segment (as an HDR gain map or a
    depth map is stored): the first red, the second small and blue."""
    first, second = Image.new("RGB", size, (200, 30, 30)), Image.new("RGB", (300, 200), (0, 0, 255))
    save = {}
    if orientation:
        exif = Image.Exif()
        exif[0x0112] = orientation
        save["exif"] = exif.tobytes()
    buffer = io.BytesIO()
    first.save(buffer, "MPO", save_all=True, append_images=[second], quality=90, **save)
    return buffer.getvalue()


def test_a_multi_picture_jpeg_is_a_jpeg_and_shows_its_first_picture():
    assert Image.open(io.BytesIO(mpo_bytes())).format == "MPO"
    header = images.read_header(source(mpo_bytes()))
    assert (header.format, header.width, header.height) == ("JPEG", 3000, 2000)
    full, thumbnail = images.render(source(mpo_bytes()), [FULL, THUMB], max_pixels=40_000_000)
    assert [(r.width, r.height) for r in (full, thumbnail)] == [(2048, 1365), (640, 427)]
    assert near(shown(thumbnail), (200, 30, 30, 255), tolerance=8), shown(thumbnail)
    sideways = images.read_header(source(mpo_bytes(orientation=6)))
    assert (sideways.format, sideways.width, sideways.height) == ("JPEG", 2000, 3000)
    (turned,) = images.render(source(mpo_bytes(orientation=6)), [THUMB], max_pixels=40_000_000)
    assert (turned.width, turned.height) == (427, 640)


# ---------------------------------------------------------------- the child's slots and limits


@pytest.fixture
def slots_taken():
    """Both of this process's child slots held, as by two long renders in other threads."""
    for _slot in range(2):
        assert images._children.acquire(timeout=5)
    yield
    for _slot in range(2):
        images._children.release()


def test_a_caller_waits_a_bounded_time_for_a_slot_then_is_told_to_try_again(slots_taken, monkeypatch):
    monkeypatch.setattr(images, "SLOT_WAIT", 0.2)
    outcome = []

    def render():
        try:
            images.render(source(image_bytes((64, 64))), [FULL], max_pixels=10**6)
        except images.RenderFailed as error:
            outcome.append(error)

    started = time.monotonic()
    caller = threading.Thread(target=render, daemon=True)
    caller.start()
    caller.join(timeout=5)
    assert not caller.is_alive(), "the caller still waits for a slot"
    assert isinstance(outcome[0], images.Busy) and time.monotonic() - started < 3
    with pytest.raises(images.Busy):
        images.render_many([source(image_bytes((64, 64)))], [FULL], max_pixels=10**6, wait=0.05)


def test_a_slot_is_given_back_whatever_the_child_did():
    for _attempt in range(3):  # more than the two slots
        with pytest.raises(images.RenderFailed):
            images.render(source(huge_png_bytes()), [FULL], max_pixels=40_000_000, timeout=0.05, wait=1)
    assert images.render(source(image_bytes((64, 64))), [FULL], max_pixels=10**6, wait=1)


def _children_of_this_process() -> list[int]:
    found = []
    for task in Path("/proc/self/task").iterdir():
        found += [int(pid) for pid in (task / "children").read_text().split()]
    return found


def _limits(pid: int) -> dict[str, str]:
    try:
        lines = Path(f"/proc/{pid}/limits").read_text().splitlines()[1:]
    except OSError:
        return {}
    return {line[:26].strip(): line[26:47].strip() for line in lines}


def test_a_child_runs_under_its_caps_and_dumps_no_core(monkeypatch):
    """Past its CPU time a child dies of SIGXCPU, which dumps core by default: its limits are
    read from /proc while it decodes, with this process allowing core files."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    allowed = hard if hard != resource.RLIM_INFINITY else 1024 * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_CORE, (allowed, hard))
    seen, done = {}, threading.Event()

    def watch():
        # The last reading of the child's limits (it sets them one after the other, then
        # decodes for about a second).
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not done.is_set():
            for pid in _children_of_this_process():
                limits = _limits(pid)
                if limits.get("Max address space") == str(images.MEMORY_LIMIT):
                    seen["limits"] = limits
            time.sleep(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    try:
        watcher.start()
        images.render(source(huge_png_bytes()), [FULL], max_pixels=40_000_000, timeout=7.2)
        done.set()
        watcher.join(timeout=5)
    finally:
        resource.setrlimit(resource.RLIMIT_CORE, (soft, hard))
    limits = seen["limits"]
    assert limits["Max cpu time"] == "8"
    assert limits["Max core file size"] == "0"

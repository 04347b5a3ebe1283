"""apps/core/images.py: headers read without decoding, every decode in a child whose memory
and time are capped, and renderings that look as Image.thumbnail and ImageOps.fit made them."""

import io

import pytest
from PIL import Image, ImageFile, PngImagePlugin

from apps.core import images
from tests.image_files import broken_png_bytes, huge_png_bytes, image_bytes

FULL, THUMB = images.Within(2048), images.Within(640)


def source(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def opened(rendered: images.Rendered) -> Image.Image:
    image = Image.open(io.BytesIO(rendered.data))
    assert image.format == "WEBP" and image.size == (rendered.width, rendered.height)
    image.load()
    return image


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


def test_a_child_past_its_time_is_stopped():
    with pytest.raises(images.RenderFailed, match="no answer"):
        images.render(source(huge_png_bytes()), [FULL], max_pixels=40_000_000, timeout=0.05)

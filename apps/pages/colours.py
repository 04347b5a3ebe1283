"""The primary colour's shades for the light and dark themes, and the contrast check that keeps
text on it readable (WCAG 2.2: 4.5:1 for normal text)."""

import re

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")
WHITE = (255, 255, 255)
DARK_BODY = (33, 37, 41)  # Bootstrap 5.3's dark --bs-body-bg (#212529)
# The lightest surface links sit on in the dark theme (--bs-secondary-bg, #343a40): a shade
# that reads there reads on every darker one.
DARK_SURFACE = (52, 58, 64)
LIGHT_BODY = WHITE
AA = 4.5


def rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def hex_of(value: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*value)


def _luminance(value: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in value)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def mix(a: tuple[int, int, int], b: tuple[int, int, int], weight: float) -> tuple[int, int, int]:
    """`weight` of b into a."""
    return tuple(round(x + (y - x) * weight) for x, y in zip(a, b, strict=True))


def readable_on(colour: tuple[int, int, int], background: tuple[int, int, int]) -> tuple[int, int, int]:
    """The colour, mixed towards white (on a dark background) or black (on a light one) in
    steps of 5 % until it reads at 4.5:1 on the background."""
    towards = WHITE if _luminance(background) < 0.5 else (0, 0, 0)
    for step in range(21):
        candidate = mix(colour, towards, step / 20)
        if contrast(candidate, background) >= AA:
            return candidate
    return towards


def theme_css(primary: str) -> str:
    """Bootstrap 5.3's variables for the primary colour, in both themes. Buttons keep white
    text on the colour itself (checked at 4.5:1 when the colour is saved); links and the
    selected navigation use a shade that reads on each theme's background."""
    base = rgb(primary)
    hover = mix(base, (0, 0, 0), 0.15)
    active = mix(base, (0, 0, 0), 0.25)
    light_link = readable_on(base, LIGHT_BODY)
    light_subtle = mix(base, WHITE, 0.85)
    light_emphasis = readable_on(mix(base, (0, 0, 0), 0.35), light_subtle)
    dark_link = readable_on(base, DARK_SURFACE)
    dark_subtle = mix(base, DARK_BODY, 0.75)
    dark_emphasis = readable_on(mix(base, WHITE, 0.45), dark_subtle)

    def rgb_list(value):
        return ", ".join(str(c) for c in value)

    return (
        ":root, [data-bs-theme=light] {"
        f" --bs-primary: {primary}; --bs-primary-rgb: {rgb_list(base)};"
        f" --bs-link-color: {hex_of(light_link)}; --bs-link-color-rgb: {rgb_list(light_link)};"
        f" --bs-link-hover-color: {hex_of(mix(light_link, (0, 0, 0), 0.2))};"
        f" --bs-link-hover-color-rgb: {rgb_list(mix(light_link, (0, 0, 0), 0.2))};"
        f" --bs-primary-bg-subtle: {hex_of(light_subtle)}; --bs-primary-text-emphasis: {hex_of(light_emphasis)};"
        f" --bs-primary-border-subtle: {hex_of(mix(base, WHITE, 0.6))};"
        f" --bs-focus-ring-color: rgba({rgb_list(base)}, .25); }}\n"
        "[data-bs-theme=dark] {"
        f" --bs-link-color: {hex_of(dark_link)}; --bs-link-color-rgb: {rgb_list(dark_link)};"
        f" --bs-link-hover-color: {hex_of(mix(dark_link, WHITE, 0.2))};"
        f" --bs-link-hover-color-rgb: {rgb_list(mix(dark_link, WHITE, 0.2))};"
        f" --bs-primary-bg-subtle: {hex_of(dark_subtle)}; --bs-primary-text-emphasis: {hex_of(dark_emphasis)};"
        f" --bs-primary-border-subtle: {hex_of(mix(base, DARK_BODY, 0.4))}; }}\n"
        ".btn-primary {"
        f" --bs-btn-bg: {primary}; --bs-btn-border-color: {primary};"
        f" --bs-btn-hover-bg: {hex_of(hover)}; --bs-btn-hover-border-color: {hex_of(hover)};"
        f" --bs-btn-active-bg: {hex_of(active)}; --bs-btn-active-border-color: {hex_of(active)};"
        f" --bs-btn-disabled-bg: {primary}; --bs-btn-disabled-border-color: {primary};"
        f" --bs-btn-focus-shadow-rgb: {rgb_list(base)}; }}\n"
        ".btn-outline-primary {"
        f" --bs-btn-color: var(--bs-link-color); --bs-btn-border-color: var(--bs-link-color);"
        f" --bs-btn-hover-bg: {primary}; --bs-btn-hover-border-color: {primary};"
        f" --bs-btn-active-bg: {hex_of(active)}; --bs-btn-active-border-color: {hex_of(active)}; }}\n"
        f".nav-pills {{ --bs-nav-pills-link-active-bg: {primary}; }}\n"
        f".form-check-input:checked {{ background-color: {primary}; border-color: {primary}; }}\n"
        f".form-control:focus, .form-select:focus {{ border-color: {hex_of(mix(base, WHITE, 0.5))}; }}\n"
        f".dropdown-menu {{ --bs-dropdown-link-active-bg: {primary}; }}\n"
        f".page-link {{ --bs-pagination-active-bg: {primary}; --bs-pagination-active-border-color: {primary}; }}\n"
    )

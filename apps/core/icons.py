"""Icons: Bootstrap Icons' SVG files (static/vendor/bootstrap-icons-*/, MIT), inlined into the
page. Inline SVG draws with `currentColor`, so icons follow the text colour in both themes
and never depend on an emoji font (with none installed, 👍 rendered as a blank box).

Only the icons the pages use are vendored; to add one, copy its file from the npm package
(`npm pack bootstrap-icons@1.13.2`, package/icons/NAME.svg) into ICON_DIR."""

import functools
import re

from django.conf import settings
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ICON_DIR = settings.BASE_DIR / "static" / "vendor" / "bootstrap-icons-1.13.2"
_INNER = re.compile(r"<svg[^>]*>(.*)</svg>", re.S)


@functools.cache
def _paths(name: str) -> str:
    if not re.fullmatch(r"[a-z0-9-]+", name):
        raise ValueError(f"not an icon name: {name!r}")
    path = ICON_DIR / f"{name}.svg"
    if not path.exists():
        raise ValueError(f"icon {name!r} is not vendored: copy it into {ICON_DIR}")
    return " ".join(_INNER.search(path.read_text()).group(1).split())


def icon_svg(name: str, label: str = "", css: str = "") -> SafeString:
    """The icon as inline SVG, 1em square. Decorative (hidden from screen readers) unless
    `label` names it; then it is an image with that accessible name."""
    classes = escape(f"bi {css}".strip())
    a11y = f'role="img" aria-label="{escape(label)}"' if label else 'aria-hidden="true" focusable="false"'
    return mark_safe(  # noqa: S308 - the paths come from the vendored files, the rest is escaped
        f'<svg class="{classes}" width="1em" height="1em" viewBox="0 0 16 16" fill="currentColor" {a11y}>'
        f"{_paths(name)}</svg>"
    )

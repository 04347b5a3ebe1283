"""The weight the pages ship: every stylesheet and script under static/ (the design system
vendored, the site's own), compressed as the server sends them, stays within 150 KB. No
build step: the files are served as they are in the repository."""

import gzip
from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "static"
BUDGET = 150 * 1024


def shipped() -> list[Path]:
    return sorted(path for path in STATIC.rglob("*") if path.suffix in {".css", ".js"} and path.is_file())


def test_css_and_js_stay_within_150_kb_compressed():
    sizes = {path.relative_to(STATIC): len(gzip.compress(path.read_bytes(), compresslevel=6)) for path in shipped()}
    total = sum(sizes.values())
    listing = "\n".join(f"{size / 1024:6.1f} KB  {path}" for path, size in sorted(sizes.items(), key=lambda i: -i[1]))
    print(f"\n{listing}\n{total / 1024:6.1f} KB in all (budget {BUDGET / 1024:.0f} KB)")
    assert total <= BUDGET, listing


def test_the_vendored_libraries_carry_their_licences():
    for folder in (STATIC / "vendor").iterdir():
        if folder.is_dir():
            assert (folder / "LICENSE").exists(), folder
    assert (STATIC / "vendor" / "htmx-LICENSE.txt").exists()

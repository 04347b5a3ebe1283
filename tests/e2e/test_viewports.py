"""Every main page at three sizes (1366x900, 820x1180, 390x844) in a real Chromium: nothing
scrolls sideways, the navigation, the main column and the rail (and the messages' two panes)
never overlap, and axe-core finds nothing at WCAG 2.2 AA, colour contrast included, in the
light theme and the dark one. A screenshot of each is kept under test-results/viewports/."""

import contextlib

import pytest

from tests.e2e.pages import sign_in
from tests.e2e.viewports import PANES, REGIONS, SHOTS, VIEWPORTS, axe, build_organisation, overflow, overlaps
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

ADMIN_PAGES = {
    "admin": "/admin/",
    "admin-people": "/admin/accounts/user/",
    "admin-branding": "/admin/pages/sitebranding/",
}


@pytest.fixture
def organisation(transactional_db):
    return build_organisation()


def settle(page):
    """The page and its lazily loaded parts (the rail, my communities, the welcome steps)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):  # a busy machine: check what is there
        page.wait_for_load_state("networkidle", timeout=20_000)
    page.wait_for_timeout(150)


def check_pages(page, pages: dict[str, str], size: str, *, theme: str = "light", shell: bool = True) -> list[str]:
    width, height = VIEWPORTS[size]
    page.set_viewport_size({"width": width, "height": height})
    page.emulate_media(color_scheme=theme)
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for name, path in pages.items():
        page.goto(path)
        settle(page)
        page.screenshot(path=str(SHOTS / f"{name}-{size}-{theme}.png"), full_page=True)
        where = f"{name} at {width}x{height} ({theme})"
        if (extra := overflow(page)) > 0:
            problems.append(f"{where}: scrolls sideways by {extra}px")
        # The top bar is one row at every width (it took three on phones, 40 % of the screen).
        bar = page.evaluate(
            "(() => { const b = document.querySelector('.top-bar'); return b ? b.offsetHeight : 0; })()"
        )
        if bar > 72:
            problems.append(f"{where}: the top bar is {bar}px high (more than one row)")
        # The panes are inside the main column: each set is checked on its own.
        groups = [REGIONS] + ([PANES] if name in ("messages", "conversation") else [])
        for group in groups:
            problems += [f"{where}: overlap {pair}" for pair in overlaps(page, group)]
            # Django's admin has its own layout, without the shell's regions.
            expected = [region for region in group if region != ".rail" and (shell or group is not REGIONS)]
            missing = [region for region in expected if not page.locator(region).count()]
            problems += [f"{where}: no {region} to check" for region in missing]
        found = axe(page)
        problems += [f"{where}: axe {line}" for line in found["violations"]]
        problems += [f"{where}: axe incomplete {line}" for line in found["incomplete"]]
    return problems


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_main_pages_fit_and_pass_axe(page, organisation, size):
    sign_in(page, organisation.viewer.email, PASSWORD)
    problems = check_pages(page, organisation.pages(), size)
    assert not problems, "\n".join(problems)


def test_main_pages_pass_axe_in_the_dark_theme(page, organisation):
    sign_in(page, organisation.viewer.email, PASSWORD)
    problems = check_pages(page, organisation.pages(), "desktop", theme="dark")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("size", list(VIEWPORTS))
def test_admin_pages_fit_and_pass_axe(page, organisation, size):
    sign_in(page, organisation.admin.email, PASSWORD)
    problems = check_pages(page, ADMIN_PAGES, size, shell=False)
    assert not problems, "\n".join(problems)


def test_the_home_page_paints_its_largest_content_within_a_second(page, organisation):
    sign_in(page, organisation.viewer.email, PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 900})
    paints = []
    for _ in range(3):  # the median of three visits: one slow tick of a busy machine is not the page
        page.goto("/")
        paints.append(
            page.evaluate(
                """() => new Promise((resolve) => {
                    new PerformanceObserver((list) => {
                      const entries = list.getEntries();
                      resolve(entries[entries.length - 1].startTime);
                    }).observe({type: "largest-contentful-paint", buffered: true});
                })"""
            )
        )
    lcp = sorted(paints)[1]
    print(f"\nhome page largest contentful paint: {', '.join(f'{p:.0f}' for p in paints)} ms (median {lcp:.0f})")
    assert lcp <= 1000

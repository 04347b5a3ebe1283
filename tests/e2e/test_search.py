"""Search in a real Chromium: the top bar's suggestions (people, communities, hashtags) with
the keyboard, Enter on free text opening the results page, its tabs and filters."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import REPO_ROOT
from tests.e2e.pages import sign_in
from tests.e2e.viewports import build_organisation
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e
SHOTS = REPO_ROOT / "test-results" / "search"


@pytest.fixture
def organisation(transactional_db):
    return build_organisation()


def test_suggestions_then_the_results_page_with_tabs_and_filters(page, organisation):
    sign_in(page, organisation.viewer.email, PASSWORD)
    page.goto("/")
    box = page.locator("#top-search-input")

    # People, communities and hashtags as one types; arrows and Enter open one.
    box.fill("rel")
    suggestions = page.locator("#top-search-suggestions")
    expect(suggestions.get_by_role("option", name="#release")).to_be_visible()
    box.fill("payments")
    expect(suggestions.get_by_role("option", name="Payments guild")).to_be_visible()
    expect(suggestions.get_by_role("option").filter(has_text="Ben Okafor")).to_be_visible()
    box.press("ArrowDown")
    expect(suggestions.get_by_role("option").first).to_be_focused()
    page.keyboard.press("Escape")
    expect(box).to_be_focused()

    # Enter on free text: the results page, every tab with its count.
    box.fill("changelog")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=changelog"))
    results = page.locator("#search-results")
    expect(results.locator("mark", has_text="changelog")).to_be_visible()
    expect(page.get_by_role("link", name="Posts and comments 1")).to_be_visible()
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "results.png", full_page=True)

    # A filter that excludes everything says so, and keeps what was typed.
    page.locator("summary", has_text="Filters and order").click()
    page.get_by_label("Kind", exact=True).select_option("question")
    page.get_by_role("button", name="Apply").click()
    expect(results).to_contain_text("Nothing found for “changelog”")
    expect(page.locator("#search-q")).to_have_value("changelog")

    # A wrong date range is refused with the reason, nothing lost.
    page.get_by_label("From", exact=True).fill("2026-05-02")
    page.get_by_label("To", exact=True).fill("2026-05-01")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("The end date is before the start date.")).to_be_visible()
    expect(page.locator("#search-q")).to_have_value("changelog")


@pytest.mark.parametrize("width", [390])
def test_the_results_page_at_phone_width(page, organisation, width):
    page.set_viewport_size({"width": width, "height": 844})
    sign_in(page, organisation.viewer.email, PASSWORD)
    page.goto("/search/?q=payments")
    expect(page.get_by_role("heading", name="People")).to_be_visible()
    expect(page.get_by_role("heading", name="Communities")).to_be_visible()
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, scroll_width
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "phone.png", full_page=True)

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import LOGIN, WEBSOCKET_FAILURE
from tests.e2e.pages import submit_sign_in as _sign_in
from tests.e2e.pages import url_pattern as _url
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

WRONG = "The email address and/or password you specified are not correct."
MAIN_NAVIGATION = ["Home", "Communities", "People", "Messages", "Notifications", "Bookmarks"]
# Records every CSP violation the document reports. Init scripts are injected by the
# browser itself, so the policy (script-src 'self') does not block this one.
RECORD_CSP_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"}`);
});
"""


def _watch_for_errors(page):
    """Console errors, uncaught exceptions and CSP violations, as they happen."""
    console_errors, page_errors = [], []

    def on_console(message):
        if message.type == "error":
            console_errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    page.add_init_script(RECORD_CSP_VIOLATIONS)
    return console_errors, page_errors


def test_sign_in_then_sign_out(page, user):
    _sign_in(page, user.email, PASSWORD)

    expect(page).to_have_url(_url("/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    expect(page.locator(".account-menu .account-name")).to_have_text(user.first_name)
    navigation = page.get_by_role("navigation", name="Main")
    # (inner text: the Messages link's unread count is there, hidden while there is none)
    expect(navigation.get_by_role("link")).to_have_text(MAIN_NAVIGATION, use_inner_text=True)
    expect(navigation.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")

    menu = page.locator(".account-menu")
    menu.get_by_role("button", name="Your account").click()
    expect(menu.locator(".dropdown-menu")).to_be_visible()
    menu.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(_url(LOGIN))
    expect(page.locator("input[name=password]")).to_be_visible()
    page.goto("/")
    expect(page).to_have_url(_url(LOGIN))
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)


def test_wrong_password_shows_an_error(page, user):
    _sign_in(page, user.email, "not-the-password")

    expect(page.get_by_text(WRONG)).to_be_visible()
    expect(page).to_have_url(_url(LOGIN))
    expect(page.locator("input[name=password]")).to_be_visible()


def test_pages_load_without_csp_violations_or_script_errors(page, user):
    console_errors, page_errors = _watch_for_errors(page)

    page.goto(LOGIN)
    expect(page.locator("input[name=login]")).to_be_visible()
    page.wait_for_load_state("load")
    # Signed out, the page opens no WebSocket: nothing may go wrong at all.
    assert page.evaluate("window.__cspViolations") == []
    assert console_errors == []
    assert page_errors == []

    with page.expect_response(lambda response: urlsplit(response.url).path == "/") as home:
        _sign_in(page, user.email, PASSWORD)
    # The policy is really there, so that "no violations" means something.
    assert "script-src 'self'" in home.value.headers["content-security-policy"]
    expect(page.get_by_role("heading", level=1)).to_have_text("Home")
    expect(page.locator(".account-menu .account-name")).to_have_text(user.first_name)
    page.wait_for_load_state("load")
    # app.js opens the WebSocket on DOMContentLoaded: wait until it has connected or failed.
    expect(page.locator("body")).to_have_attribute("data-live", re.compile(r"^(connected|disconnected)$"))

    assert page.evaluate("window.__cspViolations") == []
    assert page_errors == []
    # live_server is Django's WSGI server, which answers the WebSocket handshake to /ws/
    # with a 404 (production serves /ws/ from the ASGI app): Chromium logs that as an error.
    # That failed handshake is the only console error allowed; a CSP violation would be a
    # "Refused to ..." error and fail here too.
    assert [text for text in console_errors if not WEBSOCKET_FAILURE.match(text)] == []


def test_skip_link_is_the_first_focusable_element(page, user):
    _sign_in(page, user.email, PASSWORD)
    expect(page).to_have_url(_url("/"))

    page.keyboard.press("Tab")

    focused = page.locator(":focus")
    expect(focused).to_have_text("Skip to main content")
    expect(focused).to_have_attribute("href", "#main")

"""Two journeys through the reworked pages in a real Chromium: with the keyboard only
(publish, comment, send a message), and in French (the main pages show no English left)."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from tests.e2e.pages import sign_in
from tests.e2e.viewports import build_organisation
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e

FRENCH = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES" / "django.po"


@pytest.fixture
def organisation(transactional_db):
    return build_organisation()


def tab_to(page, predicate: str, *, limit: int = 120):
    """Press Tab until the focused element satisfies `predicate` (JS, given `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({predicate}); }})()"):
            return
    raise AssertionError(f"Tab never reached an element where {predicate}")


def test_publish_comment_and_message_with_the_keyboard_only(page, organisation):
    sign_in(page, organisation.viewer.email, PASSWORD)
    page.goto("/")
    page.wait_for_load_state("networkidle")

    # Publish: Tab to the composer's text, type, Tab to its Post button, Enter.
    tab_to(page, "el.matches('form textarea[name=body]')")
    page.keyboard.type("Typed without a mouse #keyboard")
    tab_to(page, "el.matches('button[type=submit]') && /^(Post|Publish)$/.test(el.textContent.trim())")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Typed without a mouse")).to_be_visible()

    # Comment on it: Tab to its comments (the card's "0 comments" opens them with Enter), then
    # to the comment field.
    tab_to(
        page,
        "(el.matches('textarea') && el.closest('form') && /comment/.test(el.closest('form').action))"
        " || (el.id || '').startsWith('comment-count-')",
    )
    if page.evaluate("document.activeElement.tagName") != "TEXTAREA":
        page.keyboard.press("Enter")
        tab_to(page, "el.matches('textarea') && el.closest('form') && /comment/.test(el.closest('form').action)")
    page.keyboard.type("A comment, from the keyboard")
    page.keyboard.press("Tab")
    if page.evaluate("document.activeElement.tagName") != "BUTTON":
        tab_to(page, "el.matches('button[type=submit]')")
    page.keyboard.press("Enter")
    expect(page.get_by_text("A comment, from the keyboard")).to_be_visible()

    # A message: to the conversation, Tab to its composer, type, Enter sends.
    page.goto(f"/messages/{organisation.conversation.pk}/")
    page.wait_for_load_state("networkidle")
    tab_to(page, "el.matches('textarea')")
    page.keyboard.type("Sent with the keyboard")
    page.keyboard.press("Enter")
    expect(page.locator("#dm-messages").get_by_text("Sent with the keyboard")).to_be_visible()


def english_left(page, english: set[str]) -> list[str]:
    texts = page.evaluate(
        """() => {
            const out = [];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
              const node = walker.currentNode, el = node.parentElement;
              if (!el || el.closest("script, style")) continue;
              // A language's own name in the language menu ("English", lang="en") is meant.
              const marked = el.closest("[lang]");
              if (marked && marked.getAttribute("lang") !== "fr") continue;
              const text = node.textContent.trim();
              if (text) out.push(text);
            }
            document.querySelectorAll("[aria-label], [placeholder], [title]").forEach((el) => {
              ["aria-label", "placeholder", "title"].forEach((name) => {
                const value = el.getAttribute(name);
                if (value) out.push(value.trim());
              });
            });
            return out;
        }"""
    )
    return sorted({text for text in texts if text in english})


def test_the_main_pages_in_french_leave_no_english(browser, live_server, organisation):
    with FRENCH.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    english = set()
    for message in catalogue:
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            # Only whole, placeholder-free strings that French writes differently.
            if msgid and "%" not in msgid and "{" not in msgid and msgid not in strings and len(msgid) > 2:
                english.add(msgid.strip())
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    page = context.new_page()
    try:
        sign_in(page, organisation.viewer.email, PASSWORD)
        problems = []
        for name, path in organisation.pages().items():
            page.goto(path)
            page.wait_for_load_state("networkidle")
            expect(page.locator("html")).to_have_attribute("lang", "fr")
            left = english_left(page, english)
            problems += [f"{name}: {text!r}" for text in left]
        assert not problems, "English left on French pages:\n" + "\n".join(problems)
    finally:
        context.close()

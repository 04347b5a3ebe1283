"""The error pages in a real Chromium, checked by axe-core (WCAG 2.x A and AA rules) in the
light and the dark theme: a 404 and a 405 for someone signed in, a 404 for a visitor."""

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import sign_in
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.e2e

AXE = "tests/e2e/vendor/axe-core-4.14.1.min.js"
RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}}


# Every rule on the whole page (landmarks, headings, names), and contrast inside <main>: the
# error page's own part (the shell's colours are checked with the shell).
VIOLATIONS = """async (rules) => {
  const result = await axe.run(document, rules);
  const ours = (id, target) => id !== "color-contrast" || document.querySelector(target)?.closest("#main");
  return result.violations
    .map((v) => [v.id, v.nodes.map((n) => String(n.target[0])).filter((t) => ours(v.id, t))])
    .filter(([, nodes]) => nodes.length);
}"""


def _axe_violations(page):
    with open(AXE, encoding="utf-8") as source:
        page.evaluate(source.read())  # evaluate: not an inline <script>, which the CSP refuses
    return page.evaluate(VIOLATIONS, RULES)


def _check(page, path, kind, status):
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        response = page.goto(path)
        assert response.status == status
        expect(page.locator(f'[data-error="{kind}"] h1')).to_be_visible()
        expect(page.locator("[data-error-home]")).to_be_visible()
        assert _axe_violations(page) == [], (path, scheme)


@pytest.mark.django_db(transaction=True)
def test_the_error_pages_pass_axe(page):
    profile = ProfileFactory()
    sign_in(page, profile.user.email, PASSWORD)
    _check(page, "/no-such-page/", "404", 404)
    _check(page, "/feed/tags/lunch/follow/", "405", 405)
    page.context.clear_cookies()
    _check(page, "/no-such-page/", "404", 404)

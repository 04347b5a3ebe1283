"""The People journey in a real Chromium: live directory search without accents, a profile,
following someone, the org chart with its folding branches, and the business card."""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect

from apps.profiles.models import Profile
from apps.profiles.services import profile_update
from tests.e2e.pages import sign_in as _sign_in
from tests.e2e.pages import url_pattern as _url
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.e2e

SEARCH_LABEL = "Search by name, job, department, office or skill"
# Set on window before an action: still there afterwards means the page was not reloaded.
MARK_PAGE = "window.__samePage = true"
SAME_PAGE = "window.__samePage === true"


def _watch_for_script_errors(page):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


@dataclass
class Org:
    ceo: Profile
    amelie: Profile
    zoe: Profile
    lucas: Profile


def _person(admin, first, last, *, job_title, department, location, manager=None, skills=None):
    profile = ProfileFactory(user__first_name=first, user__last_name=last)
    changes = {"job_title": job_title, "department": department, "location": location}
    if manager is not None:
        changes["manager"] = manager
    # profile_update refreshes the search index (and sets the expertise when skills are given).
    return profile_update(actor=admin, profile=profile, changes=changes, skills=skills)


@pytest.fixture
def org(staff_user):
    """Hélène (CEO) <- Amélie Durand (manager) <- Zoë Garçon and Lucas Petit."""
    ceo = _person(
        staff_user, "Hélène", "Lefèvre", job_title="Chief Executive Officer", department="Executive", location="Paris"
    )
    amelie = _person(
        staff_user,
        "Amélie",
        "Durand",
        job_title="Finance Manager",
        department="Finance",
        location="Paris",
        manager=ceo,
    )
    zoe = _person(
        staff_user,
        "Zoë",
        "Garçon",
        job_title="Financial Controller",
        department="Finance",
        location="Lyon",
        manager=amelie,
        skills=["Contrôle de gestion", "Excel"],
    )
    lucas = _person(
        staff_user,
        "Lucas",
        "Petit",
        job_title="Accountant",
        department="Finance",
        location="Lyon",
        manager=amelie,
        skills=["Comptabilité"],
    )
    return Org(ceo=ceo, amelie=amelie, zoe=zoe, lucas=lucas)


def test_find_by_skill_follow_and_browse_the_org_chart(page, user, org):
    script_errors = _watch_for_script_errors(page)
    reports_requests = []
    page.on("request", lambda request: "/org/reports/" in request.url and reports_requests.append(request.url))
    _sign_in(page, user.email, PASSWORD)

    # People, from the main navigation.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page).to_have_url(_url("/people/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    results = page.locator("#results")
    expect(results.locator(".person-row")).to_have_count(4)

    # Live search: typed without accents, answered by htmx in place, the URL pushed.
    page.evaluate(MARK_PAGE)
    page.get_by_label(SEARCH_LABEL).press_sequentially("controle", delay=30)
    expect(page).to_have_url(re.compile(r"/people/\?(.*&)?q=controle(&|$)"))
    rows = results.locator(".person-row")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".person-row-name")).to_have_text("Zoë Garçon")
    expect(rows.first.locator(".skills")).to_contain_text("Contrôle de gestion")
    assert page.evaluate(SAME_PAGE), "the search reloaded the page instead of swapping the results"

    # Her profile.
    rows.first.get_by_role("link", name="Zoë Garçon").click()
    expect(page).to_have_url(_url(f"/people/{org.zoe.user_id}/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Zoë Garçon")
    expect(page.locator(".job-title")).to_have_text("Financial Controller")
    expect(page.locator(".manager-chain")).to_contain_text("Amélie Durand")

    # Follow (htmx swaps the button in place), and it holds after a reload.
    follow = page.locator(".profile-card .follow-form button")
    expect(follow).to_have_text("Follow")
    expect(follow).to_have_attribute("aria-pressed", "false")
    page.evaluate(MARK_PAGE)
    follow.click()
    expect(follow).to_have_text("Following")
    expect(follow).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(SAME_PAGE), "following reloaded the page instead of swapping the button"
    page.reload()
    expect(page.locator(".profile-card .follow-form button")).to_have_text("Following")
    expect(page.locator(".follow-counts")).to_contain_text("1 follower")

    # Her org chart: the management chain from the top down, her manager right above her.
    page.get_by_role("link", name="Org chart").click()
    expect(page).to_have_url(_url(f"/people/{org.zoe.user_id}/org/"))
    chain = page.locator(".org-chain > li")
    expect(chain).to_have_count(2)
    expect(chain.nth(0)).to_contain_text("Hélène Lefèvre")
    expect(chain.nth(1)).to_contain_text("Amélie Durand")
    current = page.locator(".org-node-current")
    expect(current).to_contain_text("Zoë Garçon")
    expect(current).to_have_attribute("aria-current", "true")
    expect(page.locator(".org-level > .org-item")).to_contain_text(["Lucas Petit", "Zoë Garçon"])
    manager_box = chain.nth(1).bounding_box()
    current_box = current.bounding_box()
    assert manager_box["y"] + manager_box["height"] <= current_box["y"], "the manager is not drawn above her"

    # Up to the CEO's chart: Amélie's "2 reports" unfolds her team (htmx), then folds it.
    chain.nth(0).get_by_role("link", name="Hélène Lefèvre").click()
    expect(page).to_have_url(_url(f"/people/{org.ceo.user_id}/org/"))
    expect(page.locator(".org-node-current")).to_contain_text("Hélène Lefèvre")
    # Her own item, not the CEO's that contains it.
    amelie = page.locator(".org-item:has(> .org-node a:text-is('Amélie Durand'))")
    toggle = amelie.locator("> .org-toggle")
    team = amelie.locator("> .org-children")
    expect(toggle).to_have_text("2 reports")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(team.locator(".org-item")).to_have_count(0)

    toggle.click()
    expect(team.locator(".org-item")).to_have_count(2)
    expect(team.locator(".org-node a")).to_have_text(["Lucas Petit", "Zoë Garçon"])
    expect(team).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert len(reports_requests) == 1

    toggle.click()
    expect(team).to_be_hidden()
    expect(toggle).to_have_attribute("aria-expanded", "false")

    toggle.click()
    expect(team).to_be_visible()
    expect(team.get_by_role("link", name="Zoë Garçon")).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    assert len(reports_requests) == 1, "unfolding again must not fetch the reports again"
    assert script_errors == []


def test_business_card_on_hover_and_on_keyboard_focus(page, user, org):
    script_errors = _watch_for_script_errors(page)
    _sign_in(page, user.email, PASSWORD)
    page.goto("/people/?q=durand")
    rows = page.locator("#results .person-row")
    expect(rows).to_have_count(1)

    # Hover: the card comes after a short delay, with the person's title and a Follow button.
    person = rows.first.locator(".person")
    expect(person.locator(".business-card")).to_have_count(0)
    person.get_by_role("link", name="Amélie Durand").hover()
    card = person.locator(".business-card")
    expect(card).to_be_visible()
    expect(card.locator(".business-card-name")).to_have_text("Amélie Durand")
    expect(card).to_contain_text("Finance Manager")
    expect(card).to_contain_text("Finance · Paris")
    expect(card.get_by_role("button", name="Follow")).to_be_visible()
    # Moving away hides it again.
    page.get_by_role("heading", level=1).hover()
    expect(card).to_be_hidden()

    # Keyboard: tab from the search box to a name; focus alone brings the card.
    page.get_by_label(SEARCH_LABEL).fill("finance")
    rows = page.locator("#results .person-row")
    expect(rows).to_have_count(3)
    expect(page).to_have_url(re.compile(r"[?&]q=finance(&|$)"))
    zoe = rows.filter(has_text="Zoë Garçon").locator(".person")
    zoe_link = zoe.get_by_role("link", name="Zoë Garçon")
    page.get_by_label(SEARCH_LABEL).focus()
    for _ in range(25):
        page.keyboard.press("Tab")
        if zoe_link.evaluate("link => link === document.activeElement"):
            break
    else:
        pytest.fail("Tab never reached Zoë Garçon's name in the results")
    card = zoe.locator(".business-card")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Financial Controller")
    expect(card).to_contain_text("Finance · Lyon")
    assert script_errors == []


def _box_in(inner, outer, slack=1):
    return (
        inner["x"] >= outer["x"] - slack
        and inner["y"] >= outer["y"] - slack
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack
    )


SCROLL = "el => [el.scrollLeft, el.scrollTop]"
PAGE_WIDTH = "[document.documentElement.scrollWidth, window.innerWidth]"


@pytest.mark.parametrize("width", [1366, 360])
def test_org_chart_opens_on_the_person_pans_and_keeps_an_opened_branch_in_place(
    browser, live_server, user, staff_user, org, width
):
    """A wide team: Amélie has nine reports, the first of whom has three. Her chart opens
    centred on her with her manager in sight, says there is more, pans with the mouse, keeps
    the page itself from scrolling sideways, and an opened branch stays where it was."""
    admin = staff_user
    first = _person(
        admin, "Aaron", "Abel", job_title="Analyst", department="Finance", location="Lyon", manager=org.amelie
    )
    for i in range(6):
        _person(
            admin, f"Report{i}", "Team", job_title="Analyst", department="Finance", location="Lyon", manager=org.amelie
        )
    for i in range(3):
        _person(admin, f"Junior{i}", "Abel", job_title="Junior", department="Finance", location="Lyon", manager=first)
    context = browser.new_context(base_url=live_server.url, locale="en-US", viewport={"width": width, "height": 800})
    context.set_default_timeout(5_000)
    page = context.new_page()
    script_errors = _watch_for_script_errors(page)
    try:
        _sign_in(page, user.email, PASSWORD)
        page.goto(f"/people/{org.amelie.user_id}/org/")
        viewport = page.locator("[data-org-viewport]")
        current = page.locator(".org-node-current")
        expect(current).to_contain_text("Amélie Durand")
        expect(page.get_by_text("Drag or scroll to see more")).to_be_visible()
        expect(page.locator("aside.rail")).to_have_count(0)
        page.wait_for_function("() => !document.querySelector('[data-org-edge=right]').hidden")

        # Centred on her, her manager above her and in sight.
        box, me = viewport.bounding_box(), current.bounding_box()
        assert abs((me["x"] + me["width"] / 2) - (box["x"] + box["width"] / 2)) <= 2
        manager = page.locator(".org-chain .org-node", has_text="Hélène Lefèvre")
        assert _box_in(manager.bounding_box(), box), "her manager is not in sight"
        assert manager.bounding_box()["y"] < me["y"]
        width_now, window_width = page.evaluate(PAGE_WIDTH)
        assert width_now <= window_width, "the page scrolls sideways"

        # Dragging pans the chart (from an empty spot of the canvas, left of her box).
        before = viewport.evaluate(SCROLL)
        page.mouse.move(box["x"] + 8, me["y"] + me["height"] / 2)
        page.mouse.down()
        page.mouse.move(box["x"] + 60, me["y"] + me["height"] / 2 + 30, steps=5)
        page.mouse.up()
        after = viewport.evaluate(SCROLL)
        assert after[0] < before[0], "dragging right did not reveal more on the left"
        expect(page).to_have_url(_url(f"/people/{org.amelie.user_id}/org/"))

        # Aaron's branch opens with Aaron where he was.
        aaron = page.locator(".org-item:has(> .org-node a:text-is('Aaron Abel'))")
        toggle = aaron.locator("> .org-toggle")
        toggle.scroll_into_view_if_needed()
        place = aaron.locator("> .org-node").bounding_box()
        toggle.click()
        expect(aaron.locator("> .org-children .org-item")).to_have_count(3)
        expect(toggle).to_have_attribute("aria-expanded", "true")
        page.wait_for_timeout(600)  # the smooth scroll that shows his reports
        moved = aaron.locator("> .org-node").bounding_box()
        assert _box_in(moved, viewport.bounding_box()), "the opened person left the view"
        # He may move up, never down, and only as far as showing his reports takes him: the
        # scroll that brings them in stops before he would leave the view (org.js keep()).
        assert moved["y"] <= place["y"] + 2, "the opened person moved down"
        first_report = aaron.locator("> .org-children .org-item .org-node").first.bounding_box()
        frame = viewport.bounding_box()
        assert first_report["y"] < frame["y"] + frame["height"], "his reports are not brought into view"

        # Every report is reachable: the first and the last.
        for name in ("Aaron Abel", "Report5 Team"):
            link = page.locator(".org-node a", has_text=name)
            link.scroll_into_view_if_needed()
            assert _box_in(link.bounding_box(), viewport.bounding_box()), name

        # Keyboard focus brings the business card, inside the window.
        link = current.get_by_role("link", name="Amélie Durand")
        link.focus()
        card = current.locator(".business-card")
        expect(card).to_be_visible()
        expect(card).to_contain_text("Finance Manager")
        # Placed beside her box once htmx has settled the card (org.js placeCard), a moment
        # after it shows: wait for the placement rather than read the box before it.
        page.wait_for_function(
            """([width]) => {
                const box = document.querySelector('.org-node-current .business-card').getBoundingClientRect();
                return box.width > 0 && box.left >= 0 && box.right <= width;
            }""",
            arg=[width],
        )
        assert script_errors == []
    finally:
        context.close()

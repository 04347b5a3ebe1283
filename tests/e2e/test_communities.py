"""The private community journey in a real Chromium: an employee creates a private community
and invites a colleague, who accepts it and sees it; for a third employee it does not exist
(404 on its URL, absent from the directory, its search and the colleague's profile)."""

import re
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from apps.communities.models import Visibility
from apps.communities.services import community_create
from apps.profiles.services import profile_refresh_search
from tests.e2e.pages import LOGIN, WEBSOCKET_FAILURE
from tests.e2e.pages import sign_in as _sign_in
from tests.e2e.pages import url_pattern as _url
from tests.factories import PASSWORD, ProfileFactory

pytestmark = pytest.mark.e2e

# A word found nowhere else in the database: the private community's canary.
WORD = "Zephyrine"
NAME = f"{WORD} Skunkworks"
DESCRIPTION = "Where the Zephyrine prototypes are discussed before anyone else hears of them."
# A public community sharing the word: searching it must find this one, never the private one.
PUBLIC_NAME = f"{WORD} Book Club"
SEARCH_LABEL = "Search communities"
# Chromium logs every resource answered with a 404: the pages this test expects to be 404s
# and the /favicon.ico it then asks for (Django's bare 404 page names no icon).
NOT_FOUND = "Failed to load resource: the server responded with a status of 404 (Not Found)"


def _sign_out(page):
    page.get_by_role("button", name="Your account").click()
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(_url(LOGIN))


def _watch_for_errors(page):
    console_errors, page_errors = [], []

    def on_console(message):
        if message.type == "error":
            console_errors.append((message.text, urlsplit(message.location.get("url") or "").path))

    page.on("console", on_console)
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    return console_errors, page_errors


def _employee(first, last):
    profile = ProfileFactory(user__first_name=first, user__last_name=last)
    profile_refresh_search(profile=profile)
    return profile


def _expect_no_trace(page):
    # The page's main part never names the word; the rail may suggest the public community
    # that shares it, never the private one.
    expect(page.locator("main")).not_to_contain_text(WORD)
    expect(page.locator("body")).not_to_contain_text(NAME)
    expect(page.locator("body")).not_to_contain_text("prototypes")


def _communities_section(page):
    return page.locator("section[aria-labelledby=communities-heading]")


def test_private_community_is_invisible_to_outsiders(page):
    owner = _employee("Alice", "Owner")
    colleague = _employee("Bruno", "Colleague")
    outsider = _employee("Chloé", "Outsider")
    community_create(actor=owner.user, name=PUBLIC_NAME, visibility=Visibility.PUBLIC)
    console_errors, page_errors = _watch_for_errors(page)

    # A creates the private community from the directory.
    _sign_in(page, owner.user.email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()
    expect(page).to_have_url(_url("/communities/"))
    page.get_by_role("link", name="Create a community").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Create a community")
    page.get_by_label("Name").fill(NAME)
    page.get_by_label("Description").fill(DESCRIPTION)
    page.get_by_role("radio", name=re.compile(r"^Private")).check()
    page.locator("#main").get_by_role("button", name="Create", exact=True).click()

    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    community_path = urlsplit(page.url).path
    assert re.fullmatch(r"/communities/[-a-z0-9]+/", community_path), community_path
    expect(page.locator(".messages")).to_contain_text("Community created.")
    expect(page.locator(".community-header .visibility-private")).to_have_text("Private")
    expect(page.locator(".community-header")).to_contain_text("You own this community")
    # Posts come first; the About tab shows the description.
    expect(page.get_by_role("tab", selected=True)).to_have_text("Posts")
    expect(page.locator("#composer")).to_be_visible()
    expect(page.locator("#about-heading + .prose")).to_be_hidden()
    page.get_by_role("tab", name="About").click()
    expect(page.locator("#about-heading + .prose")).to_be_visible()
    expect(page.locator("#about-heading + .prose")).to_contain_text(DESCRIPTION)

    # A invites B by e-mail from the Invitations tab.
    page.locator(".community-header").get_by_role("button", name="Manage").click()
    page.locator(".community-header").get_by_role("link", name="Invitations").click()
    expect(page).to_have_url(re.compile(r"[?&]state=invited(&|$)"))
    page.get_by_label("Invite a person (e-mail address)").fill(colleague.user.email)
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("Invitation sent.")
    invited = page.locator(".person-row")
    expect(invited).to_have_count(1)
    expect(invited).to_contain_text(colleague.name)
    expect(invited).to_contain_text(f"invited by {owner.name}")
    _sign_out(page)

    # B finds it in the directory, marked as an invitation, and accepts.
    _sign_in(page, colleague.user.email, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()
    row = page.locator("#results .community-card").filter(has=page.get_by_role("link", name=NAME, exact=True))
    expect(row).to_have_count(1)
    expect(row.locator(".community-state")).to_have_text("Invited")
    row.get_by_role("link", name=NAME, exact=True).click()
    expect(page).to_have_url(_url(community_path))
    expect(page.get_by_text("You are invited to join.")).to_be_visible()
    page.get_by_role("button", name="Accept the invitation").click()
    expect(page.locator(".messages")).to_contain_text(f"Welcome to {NAME}.")
    expect(page.locator(".community-header")).to_contain_text("You are a member")
    page.get_by_role("tab", name="Members").click()
    expect(page.locator(".member-list")).to_be_visible()
    expect(page.locator(".member-list")).to_contain_text(colleague.name)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()
    page.get_by_role("link", name="My communities").click()
    expect(page).to_have_url(re.compile(r"[?&]mine=1(&|$)"))
    mine = page.locator("#results .community-card")
    expect(mine).to_have_count(1)
    expect(mine.get_by_role("link", name=NAME, exact=True)).to_be_visible()
    expect(mine.locator(".community-state")).to_have_text("Member")

    page.goto(f"/people/{colleague.user_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(colleague.name)
    page.get_by_role("tab", name="About").click()  # the profile's communities are under About
    # (The profile may show its communities in a tab that is not the first: not asked visible.)
    expect(_communities_section(page).locator("a", has_text=NAME)).to_have_attribute("href", community_path)
    _sign_out(page)

    # For C the community does not exist.
    _sign_in(page, outsider.user.email, PASSWORD)
    response = page.goto(community_path)
    assert response is not None and response.status == 404
    _expect_no_trace(page)
    for path in (f"{community_path}members/", f"{community_path}members/?state=invited"):
        assert page.goto(path).status == 404, path
        _expect_no_trace(page)

    page.goto("/communities/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Communities")
    rows = page.locator("#results .community-card")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(PUBLIC_NAME)
    expect(page.locator("main")).not_to_contain_text(NAME)

    # Searching its word, live (htmx): only the public community sharing it answers.
    page.get_by_label(SEARCH_LABEL).fill(WORD.lower())
    expect(page).to_have_url(re.compile(rf"[?&]q={WORD.lower()}(&|$)"))
    expect(rows).to_have_count(1)
    expect(rows.first.get_by_role("link")).to_have_text(PUBLIC_NAME)
    expect(page.locator("main")).not_to_contain_text(NAME)
    page.get_by_label(SEARCH_LABEL).fill("skunkworks")
    expect(page.locator("#results .empty")).to_have_text("No community matches “skunkworks”.")

    page.goto(f"/people/{colleague.user_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(colleague.name)
    page.get_by_role("tab", name="About").click()  # the profile's communities are under About
    expect(_communities_section(page)).to_contain_text("No communities yet.")
    _expect_no_trace(page)

    assert page_errors == []
    expected_404 = {community_path, f"{community_path}members/", "/favicon.ico"}
    unexpected = [
        (text, where)
        for text, where in console_errors
        if not WEBSOCKET_FAILURE.match(text) and not (text == NOT_FOUND and where in expected_404)
    ]
    assert unexpected == []

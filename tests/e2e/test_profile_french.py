"""A French-speaking employee edits their profile in a real Chromium set to French: the
birthday they enter is still there after saving, after reloading, and after saving the form
again for another change (its date input once showed empty in French, and saved empty)."""

import datetime

import pytest
from playwright.sync_api import expect

from apps.profiles.models import Profile
from tests.e2e.pages import sign_in
from tests.e2e.pages import url_pattern as _url
from tests.factories import PASSWORD, ProfileFactory, UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def french_page(browser, live_server):
    """A browser that asks for French, as a French-speaking employee's does."""
    context = browser.new_context(base_url=live_server.url, locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()


def test_the_birthday_survives_saving_in_french(french_page):
    page = french_page
    user = UserFactory(first_name="Amélie", last_name="Durand")
    ProfileFactory(user=user, team="", birthday=None)
    sign_in(page, user.email, PASSWORD)

    page.goto("/people/me/edit/")
    expect(page.get_by_role("button", name="Enregistrer")).to_be_visible()  # the page is in French
    birthday = page.locator("input[name=birthday]")
    birthday.fill("1990-12-25")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page).to_have_url(_url(f"/people/{user.pk}/"))  # saved

    page.goto("/people/me/edit/")
    expect(page.locator("input[name=birthday]")).to_have_value("1990-12-25")
    page.reload()
    expect(page.locator("input[name=birthday]")).to_have_value("1990-12-25")

    # Another change, the birthday untouched: saved again, it stays.
    page.locator("input[name=team]").fill("Consolidation")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page).to_have_url(_url(f"/people/{user.pk}/"))
    page.goto("/people/me/edit/")
    expect(page.locator("input[name=birthday]")).to_have_value("1990-12-25")
    profile = Profile.objects.get(user=user)
    assert (profile.birthday, profile.team) == (datetime.date(1990, 12, 25), "Consolidation")

"""A new person's first minutes, in a real Chromium: the invitation e-mail's link, sign-up
with a first and a last name, the welcome steps on the home page (follow a colleague,
set a step aside), a first post, then a community joined, after which the steps are gone."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from apps.accounts import services as accounts
from apps.accounts.tasks import send_invitation_task
from apps.communities.services import community_create
from apps.profiles.models import Follow, Profile
from tests.e2e.pages import WEBSOCKET_FAILURE, employee
from tests.e2e.pages import url_pattern as _url
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a-Long-enough-passphrase-42"


@pytest.fixture
def colleague(db):
    user = employee("Beatrice", "Boss", "beatrice.boss@example.com", "Head of Engineering")
    Profile.objects.filter(user=user).update(department="Engineering")
    return user


@pytest.fixture
def invitation_link(db, settings, live_server):
    """The link of the invitation e-mail an administrator sent to oscar@partner.org."""
    settings.SITE_URL = live_server.url + "/"
    settings.ALLOWED_SIGNUP_DOMAINS = []
    admin = UserFactory(is_staff=True, is_superuser=True, first_name="Ada", last_name="Admin")
    invitation = accounts.invitation_create(actor=admin, email="oscar@partner.org")
    assert send_invitation_task(invitation.pk)
    (message,) = mail.outbox
    return re.search(r"https?://\S+/accounts/invitation/\S+/", message.body).group(0)


def test_an_invited_person_signs_up_is_welcomed_and_posts(page, invitation_link, colleague):
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: m.type == "error" and not WEBSOCKET_FAILURE.match(m.text) and errors.append(m.text))
    community = community_create(actor=colleague, name="Coffee Lovers")

    # The e-mail's link opens sign-up with the invited address filled in.
    page.goto(invitation_link)
    expect(page).to_have_url(_url("/accounts/signup/"))
    form = page.locator("form#signup-form")
    expect(form.get_by_label("Email")).to_have_value("oscar@partner.org")
    # Without names, the form says so by the fields.
    form.locator("#id_password1").fill(NEW_PASSWORD)
    form.locator("#id_password2").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Sign Up").click()
    expect(page.locator("#id_first_name_error")).to_contain_text("This field is required.")
    form = page.locator("form#signup-form")
    form.get_by_label("First name").fill("Oscar")
    form.get_by_label("Last name").fill("Nilsson")
    form.locator("#id_password1").fill(NEW_PASSWORD)
    form.locator("#id_password2").fill(NEW_PASSWORD)
    form.get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(_url("/"))
    oscar = Profile.objects.select_related("user").get(user__email="oscar@partner.org")
    assert oscar.name == "Oscar Nilsson"

    # The directory gives them their department (as a sync would): the home page welcomes them.
    Profile.objects.filter(pk=oscar.pk).update(department="Engineering")
    page.reload()
    welcome = page.locator("#welcome")
    expect(welcome.get_by_role("heading", name="Welcome, Oscar!")).to_be_visible()
    expect(welcome.locator("[data-step]")).to_have_count(3)

    # Follow the suggested colleague: the button turns to "Following" in place.
    suggestion = welcome.locator(f'[data-step=colleagues] [data-user="{colleague.pk}"]')
    expect(suggestion).to_contain_text("Beatrice Boss")
    suggestion.get_by_role("button", name="Follow").click()
    expect(suggestion.get_by_role("button", name="Following")).to_be_visible()
    assert Follow.objects.filter(follower=oscar.user, followee=colleague).exists()

    # Set the profile step aside: the panel comes back without it, and without the
    # colleagues' step, done now that they follow someone.
    welcome.locator("[data-step=profile]").get_by_role("button", name="Not now").click()
    expect(page.locator("#welcome [data-step=profile]")).to_have_count(0)
    expect(page.locator("#welcome [data-step]")).to_have_count(1)

    # A first post, from the composer under the welcome steps.
    composer = page.locator("form#composer")
    composer.get_by_label("Post to the whole company").fill("Hello everyone, I joined the platform team today!")
    composer.get_by_role("button", name="Post", exact=True).click()
    expect(page.locator("#feed-items article.post").first).to_contain_text("I joined the platform team today")

    # Next visit: the communities' step is left.
    page.goto("/")
    expect(page.locator("#welcome [data-step]")).to_have_count(1)
    step = page.locator("#welcome [data-step=communities]")
    step.locator(f'[data-community="{community.slug}"]').get_by_role("button", name="Join Coffee Lovers").click()
    expect(page).to_have_url(_url(f"/communities/{community.slug}/"))

    # Everything done or set aside: the panel is gone for good.
    page.goto("/")
    expect(page.locator('[hx-get="/welcome/"]')).to_have_count(0)  # loaded, and replaced by nothing
    expect(page.locator("#welcome")).to_have_count(0)
    assert "all" in Profile.objects.get(pk=oscar.pk).welcome_dismissed
    assert errors == []

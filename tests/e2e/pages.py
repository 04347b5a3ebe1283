"""What the browser tests share: the sign-in form, URL patterns, the known console noise."""

import re

from playwright.sync_api import expect

LOGIN = "/accounts/login/"
# live_server is Django's WSGI server: it cannot upgrade the /ws/ request to a WebSocket
# (that is the ASGI app's job in production), so Chromium logs the failed handshake.
WEBSOCKET_FAILURE = re.compile(r"^WebSocket connection to 'ws://[^/]+/ws/' failed")


def url_pattern(path):
    """The page at base_url + path, optionally followed by a query string."""
    return re.compile(rf"^http://[^/]+{re.escape(path)}(\?.*)?$")


def submit_sign_in(page, email, password):
    page.goto(LOGIN)
    form = page.locator("form").filter(has=page.locator("input[name=password]"))
    form.locator("input[name=login]").fill(email)
    form.locator("input[name=password]").fill(password)
    form.locator("[type=submit]").click()


def sign_in(page, email, password):
    submit_sign_in(page, email, password)
    expect(page).to_have_url(url_pattern("/"))


def employee(first, last, email, job_title):
    """An employee whom the mention search finds (their search data is built): job titles
    are given, not Faker's, so that a search matches one person only."""
    from apps.profiles.services import profile_refresh_search
    from tests.factories import ProfileFactory, UserFactory

    user = UserFactory(first_name=first, last_name=last, email=email)
    profile = ProfileFactory(user=user, job_title=job_title)
    profile_refresh_search(profile=profile, skill_names=[])
    return user

"""The base layout: navigation, landmarks, htmx, and a CSP that allows no inline script."""

import re

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db

PAGES = ["/", "/people/", "/communities/", "/messages/", "/notifications/", "/accounts/email/"]


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def _csp(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("url", PAGES)
def test_pages_have_navigation_and_landmarks(signed_in, url):
    html = signed_in.get(url).content.decode()
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert '<nav class="site-nav"' in html
    for target in (
        'href="/"',
        'href="/communities/"',
        'href="/people/"',
        'href="/messages/"',
        'href="/notifications/"',
    ):
        assert target in html
    assert 'action="/accounts/logout/"' in html
    assert 'action="/i18n/setlang/"' in html


@pytest.mark.parametrize("url", [*PAGES, "/accounts/login/"])
def test_no_inline_script_or_style(client, user, url):
    if url != "/accounts/login/":
        client.force_login(user)
    html = client.get(url).content.decode()
    for attributes, body in re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.S):
        # JSON data blocks (allauth's) are not code; anything else must be a file.
        if 'type="application/json"' not in attributes:
            assert "src=" in attributes and body.strip() == "", "inline script found"
    assert re.search(r"\son\w+=", html) is None, "inline event handler found"
    assert "<style" not in html


def test_csp_forbids_inline_code_and_framing(signed_in):
    csp = _csp(signed_in.get("/"))
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert all("'unsafe-inline'" not in sources for sources in csp.values())


def test_htmx_is_served_locally_and_sends_the_csrf_token(signed_in):
    response = signed_in.get("/")
    html = response.content.decode()
    assert '<script src="/static/vendor/htmx-2.0.11.min.js" defer></script>' in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert '"allowEval": false' in html
    assert signed_in.get("/static/vendor/htmx-2.0.11.min.js").status_code == 200


def test_live_socket_url_only_for_signed_in_people(client, user):
    assert "data-live-url" not in client.get("/accounts/login/").content.decode()
    client.force_login(user)
    assert 'data-live-url="/ws/"' in client.get("/").content.decode()
    # make run's pages reach the live process on its own port.
    with override_settings(LIVE_URL="ws://127.0.0.1:8001/ws/"):
        assert 'data-live-url="ws://127.0.0.1:8001/ws/"' in client.get("/").content.decode()


def test_staff_see_the_administration_link(client, user, staff_user):
    client.force_login(user)
    assert 'href="/admin/"' not in client.get("/").content.decode()
    client.force_login(staff_user)
    assert 'href="/admin/"' in client.get("/").content.decode()

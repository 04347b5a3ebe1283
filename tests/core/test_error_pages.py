"""The error pages (apps/core/errors.py, handler400/403/404/500 in config/urls.py,
CSRF_FAILURE_VIEW, the ErrorPages middleware for Django's empty 405): each is a page in the
site's layout, with its status, in the person's language, that says what happened and offers
a way back. A private post's or community's 404 is byte for byte a missing one's. The 500
page needs no database (no test of it here is marked django_db: pytest-django refuses any
query)."""

import json
import re

import pytest
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.test import Client
from django.urls import include, path
from django.views.decorators.http import require_POST

from apps.communities.services import community_create
from apps.feeds import services as feeds
from config import urls as project_urls
from tests.factories import ProfileFactory

FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


# ------------------------------------------------------ a URLconf with views that fail on purpose


@login_not_required
def _refuse(request):
    raise PermissionDenied("a reason only the server knows")


@login_not_required
def _suspicious(request):
    raise SuspiciousOperation("a detail only the server knows")


@login_not_required
def _crash(request):
    raise ValueError("a bug")


@login_not_required
@require_POST
def _form_only(request):
    raise AssertionError("never reached by a GET")


urlpatterns = [
    path("test-errors/403/", _refuse),
    path("test-errors/400/", _suspicious),
    path("test-errors/500/", _crash),
    path("test-errors/405/", _form_only),
    path("", include(project_urls)),
]
handler400 = project_urls.handler400
handler403 = project_urls.handler403
handler404 = project_urls.handler404
handler500 = project_urls.handler500

with_failing_views = pytest.mark.urls(__name__)


def _page(response) -> str:
    page = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "/static/vendor/bootstrap-5.3.9/bootstrap.min.css" in page  # the site's layout
    assert page.count("<h1") == 1 and '<main id="main"' in page
    return page


def _signed_in(**profile) -> Client:
    client = Client()
    client.force_login(ProfileFactory(**profile).user)
    return client


# ---------------------------------------------------------------------------------- 404


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "lang", "title"),
    [(ENGLISH, "en", "Page not found"), (FRENCH, "fr", "Page introuvable")],
)
def test_a_missing_page_is_a_404_in_the_layout_and_the_persons_language(headers, lang, title):
    response = _signed_in().get("/no-such-page/", **headers)
    assert response.status_code == 404
    page = _page(response)
    assert f'<html lang="{lang}"' in page and title in page and 'data-error="404"' in page
    assert 'data-error-home href="/"' in page or 'href="/" data-error-home' in page
    assert "Not Found" not in page and "no-such-page" not in page  # what was asked is not repeated


def _without_tokens(page: str) -> str:
    """The page with its CSRF tokens (masked anew for every page) blanked out."""
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", page)


@pytest.mark.django_db
def test_a_private_community_and_post_are_the_same_404_as_missing_ones():
    owner = ProfileFactory().user
    hidden = community_create(actor=owner, name="Hidden Lab", visibility="private")
    secret = feeds.post_create(actor=owner, community=hidden, body="Members only")
    outsider = _signed_in()
    for private, missing in [
        (f"/communities/{hidden.slug}/", "/communities/no-such-community/"),
        (f"/posts/{secret.pk}/", f"/posts/{secret.pk + 1000}/"),
        (f"/posts/{secret.pk}/", "/no-such-page/"),  # whatever the route
    ]:
        for headers in (ENGLISH, FRENCH):
            refused, absent = outsider.get(private, **headers), outsider.get(missing, **headers)
            assert refused.status_code == absent.status_code == 404
            assert _without_tokens(refused.content.decode()) == _without_tokens(absent.content.decode())
            assert "Hidden Lab" not in refused.content.decode()


@pytest.mark.django_db
def test_htmx_and_json_callers_get_a_404_of_their_kind():
    client = _signed_in()
    fragment = client.get("/posts/999999/", HTTP_HX_REQUEST="true")
    assert fragment.status_code == 404
    body = fragment.content.decode()
    assert "<html" not in body and 'data-error="404"' in body and "This page does not exist" in body
    answer = client.get("/posts/999999/", HTTP_ACCEPT="application/json")
    assert answer.status_code == 404 and json.loads(answer.content)["error"] == "not_found"


# ---------------------------------------------------------------------------------- 403


@pytest.mark.django_db
@with_failing_views
@pytest.mark.parametrize(
    ("headers", "lang", "title"),
    [(ENGLISH, "en", "Access denied"), (FRENCH, "fr", "Accès refusé")],
)
def test_a_refusal_is_a_403_page_that_keeps_its_reason(headers, lang, title):
    response = _signed_in().get("/test-errors/403/", **headers)
    assert response.status_code == 403
    page = _page(response)
    assert f'<html lang="{lang}"' in page and title in page and 'data-error="403"' in page
    assert "a reason only the server knows" not in page
    assert "data-error-sign-in" not in page  # signed in already
    assert "data-error-home" in page


@pytest.mark.django_db
@with_failing_views
def test_a_refused_anonymous_visitor_is_offered_to_sign_in():
    page = _page(Client().get("/test-errors/403/"))
    assert 'href="/accounts/login/?next=%2Ftest-errors%2F403%2F"' in page


# ---------------------------------------------------------------------------------- 400


@pytest.mark.django_db
@with_failing_views
@pytest.mark.parametrize(
    ("headers", "lang", "title"),
    [(ENGLISH, "en", "Bad request"), (FRENCH, "fr", "Requête incorrecte")],
)
def test_a_bad_request_is_a_400_page(headers, lang, title):
    response = _signed_in().get("/test-errors/400/", **headers)
    assert response.status_code == 400
    page = _page(response)
    assert f'<html lang="{lang}"' in page and title in page and 'data-error="400"' in page
    assert "a detail only the server knows" not in page


# ---------------------------------------------------------------------------------- 405


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "lang", "title"),
    [
        (ENGLISH, "en", "This address cannot be opened this way"),
        (FRENCH, "fr", "Cette adresse ne s\u2019ouvre pas ainsi"),
    ],
)
def test_a_get_on_a_form_address_is_a_405_page_that_keeps_allow(headers, lang, title):
    client = _signed_in()
    response = client.get("/feed/tags/lunch/follow/", HTTP_REFERER="http://testserver/feed/tags/lunch/", **headers)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    page = _page(response)
    assert f'<html lang="{lang}"' in page and title in page and 'data-error="405"' in page
    assert 'href="/feed/tags/lunch/" data-error-back' in page and "data-error-home" in page


@pytest.mark.django_db
def test_the_405_page_never_goes_back_to_another_site():
    response = _signed_in().get("/feed/tags/lunch/follow/", HTTP_REFERER="https://evil.example/phish")
    page = _page(response)
    assert "evil.example" not in page and "data-error-back" not in page


@pytest.mark.django_db
def test_htmx_and_json_callers_keep_the_empty_405():
    client = _signed_in()
    for headers in ({"HTTP_HX_REQUEST": "true"}, {"HTTP_ACCEPT": "application/json"}):
        response = client.get("/feed/tags/lunch/follow/", **headers)
        assert response.status_code == 405 and response["Allow"] == "POST"
        assert response.content == b""


@pytest.mark.django_db
@with_failing_views
def test_the_405_page_for_an_anonymous_visitor():
    response = Client().get("/test-errors/405/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert '<html lang="fr"' in _page(response)


# ---------------------------------------------------------------------------------- CSRF


def _csrf_client() -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(ProfileFactory().user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "lang", "title"),
    [(ENGLISH, "en", "Your session expired"), (FRENCH, "fr", "Votre session a expiré")],
)
def test_a_form_without_a_valid_token_gets_the_session_expired_page(headers, lang, title):
    client = _csrf_client()
    response = client.post(
        "/feed/tags/lunch/follow/",
        {"csrfmiddlewaretoken": "stale"},
        HTTP_REFERER="http://testserver/feed/tags/lunch/",
        **headers,
    )
    assert response.status_code == 403
    page = _page(response)
    assert f'<html lang="{lang}"' in page and title in page and 'data-error="csrf"' in page
    assert 'href="/feed/tags/lunch/" data-error-back' in page and "data-error-home" in page
    assert "data-error-sign-in" not in page
    assert "CSRF verification failed" not in page and "Forbidden" not in page  # not Django's page, no reason


@pytest.mark.django_db
def test_an_anonymous_visitor_whose_sign_in_form_expired_is_led_back_to_it():
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/accounts/login/",
        {"login": "someone@example.com", "password": "x"},
        HTTP_REFERER="http://testserver/accounts/login/",
    )
    assert response.status_code == 403
    page = _page(response)
    assert 'data-error="csrf"' in page and 'href="/accounts/login/" data-error-back' in page
    assert 'href="/accounts/login/" data-error-sign-in' in page


# ---------------------------------------------------------------------------------- 500


@with_failing_views
@pytest.mark.parametrize(
    ("headers", "lang", "title"),
    [(ENGLISH, "en", "Something went wrong"), (FRENCH, "fr", "Une erreur s\u2019est produite")],
)
def test_the_500_page_is_in_the_layout_without_the_database(headers, lang, title):
    """Not marked django_db: a query anywhere in the answer would fail the test."""
    client = Client(raise_request_exception=False)
    response = client.get("/test-errors/500/", **headers)
    assert response.status_code == 500
    page = _page(response)
    assert f'<html lang="{lang}"' in page and title in page and 'data-unavailable="500"' in page
    assert "a bug" not in page and "Server Error" not in page


def _broken(request):
    raise RuntimeError("a context processor that fails")


@with_failing_views
def test_the_500_page_renders_when_context_processors_fail(settings):
    engine = {**settings.TEMPLATES[0]}
    engine["OPTIONS"] = {
        **engine["OPTIONS"],
        "context_processors": [*engine["OPTIONS"]["context_processors"], f"{__name__}._broken"],
    }
    settings.TEMPLATES = [engine, *settings.TEMPLATES[1:]]
    response = Client(raise_request_exception=False).get("/test-errors/500/")
    assert response.status_code == 500 and 'data-unavailable="500"' in _page(response)

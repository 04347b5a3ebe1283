"""handler500 (apps/core/views.server_error): a styled 503 "temporarily unavailable" when the
database cannot be reached, a styled 500 otherwise; in the person's language; a page, an htmx
fragment or JSON. No test here may use the database (none is marked django_db): the answers
must not need it. The fault test (tests/faults/test_database_hang.py) gets them from a real
server whose PostgreSQL is stopped."""

import json

import pytest
from django.db import OperationalError
from django.test import RequestFactory
from psycopg_pool import PoolTimeout

from apps.core.views import server_error


def _answer(error: Exception, method: str = "get", path: str = "/feed/company/?after=3", **headers):
    request = getattr(RequestFactory(), method)(path, headers=headers)
    try:
        raise error
    except Exception:  # noqa: BLE001 - Django calls handler500 inside its except block
        return server_error(request)


@pytest.mark.parametrize(
    "error",
    [OperationalError("connection failed"), PoolTimeout("couldn't get a connection after 3.00 sec")],
    ids=["operational-error", "pool-timeout"],
)
def test_an_unreachable_database_gives_the_styled_503_page(error):
    response = _answer(error)
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "no-cache" in response["Cache-Control"]
    page = response.content.decode()
    assert '<html lang="en"' in page and "/static/css/app.css" in page
    assert 'data-unavailable="503"' in page and "Temporarily unavailable" in page
    assert 'href="/feed/company/?after=3"' in page  # try the same page again


def test_the_503_page_is_in_the_language_the_person_chose():
    request_headers = {"Cookie": "django_language=fr"}
    page = _answer(OperationalError("no answer"), **request_headers).content.decode()
    assert '<html lang="fr"' in page


def test_after_a_form_the_503_page_says_it_may_not_have_been_saved():
    page = _answer(OperationalError("no answer"), method="post", path="/posts/new/").content.decode()
    assert "may not have been saved" in page and 'href="/"' in page


def test_json_callers_get_json():
    response = _answer(OperationalError("no answer"), Accept="application/json")
    assert response.status_code == 503 and response["Retry-After"] == "10"
    assert json.loads(response.content)["error"] == "unavailable"


def test_htmx_gets_a_fragment():
    response = _answer(OperationalError("no answer"), HX_Request="true")
    body = response.content.decode()
    assert response.status_code == 503 and "<html" not in body and 'data-unavailable="503"' in body


def test_other_errors_get_a_styled_500_without_retry_after():
    response = _answer(ValueError("a bug"))
    assert response.status_code == 500 and "Retry-After" not in response
    page = response.content.decode()
    assert "/static/css/app.css" in page and 'data-unavailable="500"' in page and "Server Error" not in page


def test_an_htmx_form_that_got_a_503_is_told_it_may_have_been_saved():
    """A comment or message whose COMMIT reached the server before it hung may have been
    written: sending it again blindly could post it twice."""
    body = _answer(OperationalError("no answer"), method="post", path="/posts/1/comments/", HX_Request="true")
    assert "may not have been saved" in body.content.decode()
    read = _answer(OperationalError("no answer"), HX_Request="true").content.decode()
    assert "may not have been saved" not in read


def test_try_again_never_leads_to_another_site():
    """A path that starts with two slashes would make a protocol-relative link: a page with
    this site's name sending people elsewhere."""
    request = RequestFactory().get("/")
    request.path = request.path_info = "//evil.example/login"
    try:
        raise OperationalError("no answer")
    except OperationalError:
        page = server_error(request).content.decode()
    assert 'href="//evil.example' not in page
    assert 'href="/%2Fevil.example/login"' in page

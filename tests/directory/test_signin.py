"""Signing in with a directory password, beside local passwords and SSO."""

import pytest
from django.contrib.auth import get_user_model

from apps.directory.models import DirectoryAccount
from apps.directory.services.sync import directory_sync
from tests.directory.helpers import make_ad_source, make_source
from tests.directory.slapd import ad_guid, ad_person, person

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()
LOGIN = "/accounts/login/"
WRONG = "The email address and/or password you specified are not correct."


def _sign_in(client, login, password):
    return client.post(LOGIN, {"login": login, "password": password})


def _signed_in_as(client):
    return client.get("/").wsgi_request.user if client.get("/").status_code == 200 else None


@pytest.fixture
def synced(slapd):
    slapd.add([person("hlefevre", "Hélène", "Lefèvre", password="Directory-pass-1")])
    source = make_source(slapd, allow_signin=True)
    directory_sync(source=source)
    return source


def test_a_synced_person_signs_in_with_the_directory_password(client, synced):
    response = _sign_in(client, "hlefevre@example.com", "Directory-pass-1")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get("/").wsgi_request.user.email == "hlefevre@example.com"


def test_a_wrong_directory_password_is_refused(client, synced):
    response = _sign_in(client, "hlefevre@example.com", "wrong-password")
    assert response.status_code == 200 and WRONG in response.content.decode()
    assert client.get("/").status_code == 302


def test_no_directory_sign_in_unless_the_source_allows_it(client, synced):
    synced.allow_signin = False
    synced.save()
    assert _sign_in(client, "hlefevre@example.com", "Directory-pass-1").status_code == 200
    assert client.get("/").status_code == 302


def test_a_deactivated_person_cannot_sign_in_with_the_directory_password(client, synced):
    User.objects.filter(email="hlefevre@example.com").update(is_active=False)
    response = _sign_in(client, "hlefevre@example.com", "Directory-pass-1")
    assert client.get("/").status_code == 302
    assert response.status_code in (200, 302)


def test_the_account_is_created_at_first_sign_in_when_the_source_allows_it(client, slapd):
    slapd.add(
        [
            person("newbie", "Noémie", "Garnier", title="Stagiaire", password="Directory-pass-2"),
            person("other", "Other", "Person", password="Directory-pass-3"),
        ]
    )
    source = make_source(slapd, allow_signin=True, create_at_signin=True)

    response = _sign_in(client, "newbie@example.com", "Directory-pass-2")

    assert response.status_code == 302, response.content.decode()[:500]
    user = User.objects.get(email="newbie@example.com")
    assert user.profile.job_title == "Stagiaire"
    assert DirectoryAccount.objects.get(user=user).source == source
    assert not User.objects.filter(email="other@example.com").exists()
    # The next sync takes the account as its own.
    run = directory_sync(source=source)
    assert run.counts["created"] == 1 and run.counts["adopted"] == 0


def test_no_account_is_created_when_the_source_does_not_allow_it(client, slapd):
    slapd.add([person("newbie", "Noémie", "Garnier", password="Directory-pass-2")])
    make_source(slapd, allow_signin=True, create_at_signin=False)
    assert _sign_in(client, "newbie@example.com", "Directory-pass-2").status_code == 200
    assert not User.objects.filter(email="newbie@example.com").exists()


def test_an_ad_person_signs_in_with_their_address_and_directory_password(client, slapd):
    slapd.add([ad_person("jdoe", "Jérôme", "Dupré", guid=ad_guid(1), password="Directory-pass-4")])
    source = make_ad_source(slapd, allow_signin=True)
    directory_sync(source=source)
    response = _sign_in(client, "jdoe@example.com", "Directory-pass-4")
    assert response.status_code == 302, response.content.decode()[:300]
    assert response["Location"] == "/"
    assert client.get("/").wsgi_request.user.email == "jdoe@example.com"


def test_a_local_password_still_works_beside_the_directory(client, synced):
    local = User.objects.create_user(email="local@example.com", password="Local-pass-123")
    local.emailaddress_set.create(email=local.email, verified=True, primary=True)
    assert _sign_in(client, "local@example.com", "Local-pass-123").status_code == 302

"""Sign-up asks for a first and a last name: a new person appears under their name, not as
"new.hire@example.com", and the directory finds them by it from the moment they exist."""

import html
import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from apps.accounts import services
from apps.accounts.forms import NAME_MAX_LENGTH
from apps.profiles.selectors import profile_search
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = "/accounts/signup/"
NEW_PASSWORD = "a-Long-enough-passphrase-42"


def _sign_up(client, email, first_name="Noémie", last_name="Durand-Lefèvre"):
    return client.post(
        SIGNUP,
        {
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )


def _text(response) -> str:
    return html.unescape(response.content.decode())


def _field_errors(response, name) -> str:
    """The errors shown with the field (crispy's Bootstrap 5: under the input, which points to them)."""
    page = _text(response)
    assert f'aria-describedby="id_{name}_error"' in page, f"{name} is not marked invalid"
    match = re.search(rf'<div id="id_{name}_error" class="invalid-feedback">(.*?)</div>', page, re.S)
    return match.group(1) if match else ""


@pytest.fixture
def searcher(db):
    return ProfileFactory(user=UserFactory(first_name="Sam", last_name="Searcher")).user


class TestTheForm:
    def test_fields_in_order_first_name_last_name_email_passwords(self, client, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = ["example.com"]
        page = _text(client.get(SIGNUP))
        names = re.findall(r'<input[^>]* name="(first_name|last_name|email|password1|password2)"', page)
        assert names == ["first_name", "last_name", "email", "password1", "password2"]
        assert 'autocomplete="given-name"' in page and 'autocomplete="family-name"' in page
        assert "First name" in page and "Last name" in page
        assert "form-control" in page  # Bootstrap's fields, by crispy-forms

    @pytest.mark.parametrize("missing", ["first_name", "last_name"])
    def test_each_name_is_required_and_its_error_is_shown_by_the_field(self, client, settings, missing):
        settings.ALLOWED_SIGNUP_DOMAINS = ["example.com"]
        names = {"first_name": "Noémie", "last_name": "Durand", missing: "   "}
        response = _sign_up(client, "noemie@example.com", **names)
        assert response.status_code == 200
        assert "This field is required." in _field_errors(response, missing)
        assert not get_user_model().objects.filter(email="noemie@example.com").exists()

    def test_a_name_too_long_is_refused(self, client, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = ["example.com"]
        response = _sign_up(client, "noemie@example.com", first_name="N" * (NAME_MAX_LENGTH + 1))
        assert "at most 150 characters" in _field_errors(response, "first_name")
        assert not get_user_model().objects.filter(email="noemie@example.com").exists()

    def test_the_values_typed_are_kept_when_another_field_is_wrong(self, client, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = ["example.com"]
        response = _sign_up(client, "someone@gmail.com", first_name="Noémie", last_name="Durand")
        page = _text(response)
        assert "Sign-up is open only to company e-mail addresses." in _field_errors(response, "email")
        assert 'value="Noémie"' in page and 'value="Durand"' in page


class TestDomainSignUp:
    def test_names_are_saved_stripped_and_found_by_the_directory(self, client, settings, searcher):
        settings.ALLOWED_SIGNUP_DOMAINS = ["example.com"]
        response = _sign_up(client, "noemie@example.com", first_name="  Noémie ", last_name=" Durand-Lefèvre  ")
        assert response.status_code == 302
        user = get_user_model().objects.get(email="noemie@example.com")
        assert (user.first_name, user.last_name) == ("Noémie", "Durand-Lefèvre")
        assert user.profile.name == "Noémie Durand-Lefèvre"
        # Found by either name, without its accents, as soon as the account exists.
        for query in ("noemie", "durand lefevre", "Noémie Durand"):
            found = profile_search(viewer=searcher, query=query).items
            assert [p.user_id for p in found] == [user.pk], query

    def test_inner_spaces_become_one(self, client, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = ["example.com"]
        _sign_up(client, "anne@example.com", first_name="Anne   Marie", last_name="Le  Goff")
        user = get_user_model().objects.get(email="anne@example.com")
        assert (user.first_name, user.last_name) == ("Anne Marie", "Le Goff")


class TestInvitationSignUp:
    def test_an_invited_person_signs_up_with_their_names(self, client, staff_user, settings, searcher):
        settings.ALLOWED_SIGNUP_DOMAINS = []
        invitation = services.invitation_create(actor=staff_user, email="friend@partner.org")
        client.get(f"/accounts/invitation/{invitation.key}/")
        page = _text(client.get(SIGNUP))
        assert 'value="friend@partner.org"' in page
        response = _sign_up(client, "friend@partner.org", first_name="Oscar", last_name="Nilsson")
        assert response.status_code == 302
        user = get_user_model().objects.get(email="friend@partner.org")
        assert (user.first_name, user.last_name) == ("Oscar", "Nilsson")
        assert [p.user_id for p in profile_search(viewer=searcher, query="oscar nilsson").items] == [user.pk]
        assert client.get("/").status_code == 200

    def test_without_names_the_invitation_is_not_used(self, client, staff_user, settings):
        settings.ALLOWED_SIGNUP_DOMAINS = []
        invitation = services.invitation_create(actor=staff_user, email="friend@partner.org")
        client.get(f"/accounts/invitation/{invitation.key}/")
        response = _sign_up(client, "friend@partner.org", first_name="", last_name="")
        assert response.status_code == 200
        invitation.refresh_from_db()
        assert invitation.accepted_at is None
        assert mail.outbox == []

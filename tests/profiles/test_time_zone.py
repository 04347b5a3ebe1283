"""The viewer's time zone (apps/profiles/timezones.py): the profile's setting, remembered in
the session, activated per request, and proposed by the browser when the profile has none."""

import datetime as dt

import pytest
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from apps.profiles.models import Profile
from apps.profiles.timezones import SESSION_KEY, TimeZoneMiddleware, zone_of
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db

URL = "/people/me/time-zone/"


@pytest.fixture
def me(client):
    profile = ProfileFactory(time_zone="")
    client.force_login(profile.user)
    return profile


def test_the_url_is_people_time_zone():
    assert reverse("people:time_zone") == URL


def seen_zone(session: dict | None) -> tuple[str, bool]:
    """The zone the middleware makes current for a view, and whether the page should ask."""
    request = RequestFactory().get("/")
    request.session = session if session is not None else {}
    seen = {}

    def view(req):
        seen["zone"] = timezone.get_current_timezone_name()
        seen["unknown"] = req.time_zone_unknown
        return HttpResponse()

    TimeZoneMiddleware(view)(request)
    return seen["zone"], seen["unknown"]


class TestMiddleware:
    def test_each_request_has_its_session_s_zone(self, settings):
        assert seen_zone({SESSION_KEY: "Asia/Tokyo"}) == ("Asia/Tokyo", False)
        # The next request on the same thread, of someone else, does not inherit it.
        assert seen_zone({SESSION_KEY: "America/Lima"}) == ("America/Lima", False)
        assert seen_zone({}) == (settings.TIME_ZONE, True)
        timezone.deactivate()

    def test_without_one_the_site_s_zone_applies_and_the_page_asks(self, settings):
        assert seen_zone({}) == (settings.TIME_ZONE, True)

    def test_a_person_without_a_zone_is_not_asked_again(self, settings):
        assert seen_zone({SESSION_KEY: ""}) == (settings.TIME_ZONE, False)

    def test_a_zone_that_no_longer_exists_falls_back(self, settings):
        assert seen_zone({SESSION_KEY: "Mars/Olympus_Mons"}) == (settings.TIME_ZONE, False)

    def test_a_page_costs_no_query_for_it(self, django_assert_num_queries):
        with django_assert_num_queries(0):
            seen_zone({SESSION_KEY: "Europe/London"})

    def test_a_page_shows_dates_in_the_session_s_zone(self, client, me):
        from apps.feeds.services import post_create

        post = post_create(actor=me.user, community=None, body="Hello")
        moment = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
        type(post).objects.filter(pk=post.pk).update(created_at=moment)
        session = client.session
        session[SESSION_KEY] = "America/New_York"
        session.save()
        assert 'title="Monday, 1 June 2026, 08:00"' in client.get(f"/posts/{post.pk}/").content.decode()
        session[SESSION_KEY] = "Asia/Kolkata"
        session.save()
        assert 'title="Monday, 1 June 2026, 17:30"' in client.get(f"/posts/{post.pk}/").content.decode()


class TestBrowserProposal:
    def test_it_sets_the_zone_of_a_profile_without_one_and_remembers_it(self, client, me):
        response = client.post(URL, {"time_zone": "America/Montreal"})
        assert response.status_code == 200
        assert response.json() == {"time_zone": "America/Montreal"}
        me.refresh_from_db()
        assert me.time_zone == "America/Montreal"
        assert client.session[SESSION_KEY] == "America/Montreal"

    def test_it_never_replaces_a_zone_already_chosen(self, client, me):
        Profile.objects.filter(pk=me.pk).update(time_zone="Europe/Lisbon")
        response = client.post(URL, {"time_zone": "America/Montreal"})
        assert response.json() == {"time_zone": "Europe/Lisbon"}
        me.refresh_from_db()
        assert me.time_zone == "Europe/Lisbon"
        # The session learns the profile's: the page stops asking.
        assert client.session[SESSION_KEY] == "Europe/Lisbon"

    def test_a_zone_the_directory_keeps_is_left_to_it(self, client, me):
        Profile.objects.filter(pk=me.pk).update(field_sources={"time_zone": "ldap"})
        assert client.post(URL, {"time_zone": "America/Montreal"}).json() == {"time_zone": ""}
        me.refresh_from_db()
        assert me.time_zone == ""
        assert client.session[SESSION_KEY] == ""

    @pytest.mark.parametrize("zone", ["", "Mars/Olympus_Mons", "Europe/Paris<script>", "x" * 500])
    def test_an_unknown_zone_is_refused(self, client, me, zone):
        response = client.post(URL, {"time_zone": zone})
        assert response.status_code == 400
        me.refresh_from_db()
        assert me.time_zone == ""
        assert SESSION_KEY not in client.session

    def test_post_only(self, client, me):
        assert client.get(URL).status_code == 405

    def test_csrf_is_checked(self, me):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(me.user)
        assert browser.post(URL, {"time_zone": "Asia/Tokyo"}).status_code == 403
        me.refresh_from_db()
        assert me.time_zone == ""

    def test_anonymous_visitors_are_sent_to_sign_in(self):
        response = Client().post(URL, {"time_zone": "Asia/Tokyo"})
        assert response.status_code == 302


class TestSetting:
    def test_saving_the_profile_remembers_the_zone(self, client, me):
        from tests.profiles.test_views import edit_data

        response = client.post("/people/me/edit/", edit_data(me, time_zone="Pacific/Auckland"))
        assert response.status_code == 302
        me.refresh_from_db()
        assert me.time_zone == "Pacific/Auckland"
        assert client.session[SESSION_KEY] == "Pacific/Auckland"

    def test_a_zone_not_in_the_list_is_refused(self, client, me):
        from tests.profiles.test_views import edit_data

        response = client.post("/people/me/edit/", edit_data(me, time_zone="Mars/Olympus_Mons"))
        assert response.status_code == 200
        me.refresh_from_db()
        assert me.time_zone == ""
        assert SESSION_KEY not in client.session

    def test_an_administrator_editing_someone_keeps_their_own_zone(self, client, me):
        from tests.factories import UserFactory
        from tests.profiles.test_views import edit_data

        admin = UserFactory(is_staff=True, is_superuser=True)
        ProfileFactory(user=admin)
        client.force_login(admin)
        session = client.session
        session[SESSION_KEY] = "Europe/Paris"
        session.save()
        response = client.post(f"/people/{me.user_id}/edit/", edit_data(me, time_zone="Asia/Tokyo"))
        assert response.status_code == 302
        assert client.session[SESSION_KEY] == "Europe/Paris"

    def test_the_edit_page_offers_the_zones(self, client, me):
        content = client.get("/people/me/edit/").content.decode()
        assert 'name="time_zone"' in content
        assert '<option value="Europe/Paris"' in content


def test_the_zone_of_a_recipient(settings):
    assert zone_of(ProfileFactory(time_zone="Asia/Tokyo").user_id) == "Asia/Tokyo"
    assert zone_of(ProfileFactory(time_zone="").user_id) == settings.TIME_ZONE
    assert zone_of(10**9) == settings.TIME_ZONE

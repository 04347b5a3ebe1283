"""The welcome steps on a new person's home page (/welcome/, loaded lazily): a photo and a
job title, colleagues to follow, communities to join. Each step goes once done or dismissed;
when all have, the panel is over for good and costs one query."""

import html
import re

import pytest
from django.contrib.auth import get_user_model

from apps.communities.models import Membership, State
from apps.communities.services import community_create
from apps.profiles.models import Follow, Profile
from apps.profiles.services import welcome_dismiss
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

WELCOME = "/welcome/"
HTMX = {"HTTP_HX_REQUEST": "true"}
PHOTO = {"256": "avatars/1-256.webp", "96": "avatars/1-96.webp", "40": "avatars/1-40.webp", "version": "1"}


def person(first, last, department="Engineering", **profile):
    return ProfileFactory(
        user=UserFactory(first_name=first, last_name=last), department=department, job_title="Engineer", **profile
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def steps(response) -> list[str]:
    return re.findall(r'data-step="(\w+)"', response.content.decode())


def suggested_people(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-user="(\d+)"', response.content.decode())}


def suggested_communities(response) -> list[str]:
    return re.findall(r'data-community="([\w-]+)"', response.content.decode())


@pytest.fixture
def boss():
    return person("Beatrice", "Boss")


@pytest.fixture
def newcomer(boss):
    """Just signed up: no photo, no job title, follows nobody, in no community."""
    return ProfileFactory(
        user=UserFactory(first_name="Nina", last_name="Newcomer"), department="Engineering", job_title="", manager=boss
    )


@pytest.fixture
def browser(client, newcomer):
    client.force_login(newcomer.user)
    return client


def join(user, community):
    Membership.objects.create(community=community, user=user, state=State.ACTIVE)


class TestANewcomer:
    def test_sees_the_three_steps_greeted_by_name(self, browser):
        response = browser.get(WELCOME, **HTMX)
        assert response.status_code == 200
        assert steps(response) == ["profile", "colleagues", "communities"]
        page = text(response)
        assert "Welcome, Nina!" in page
        assert "Add a photo and your job title" in page
        assert 'href="/people/me/edit/"' in page

    def test_colleagues_are_their_manager_reports_and_department_active_only(self, browser, newcomer, boss):
        report = person("Remy", "Report", department="Sales", manager=newcomer)
        mate = person("Dora", "Deskmate")
        gone = person("Gaston", "Gone")
        get_user_model().objects.filter(pk=gone.user_id).update(is_active=False)
        gone_report = person("Lea", "Left", manager=newcomer)
        get_user_model().objects.filter(pk=gone_report.user_id).update(is_active=False)
        elsewhere = person("Omar", "Other", department="Finance")
        response = browser.get(WELCOME)
        shown = suggested_people(response)
        assert {boss.user_id, report.user_id, mate.user_id} <= shown
        assert not shown & {gone.user_id, gone_report.user_id, elsewhere.user_id, newcomer.user_id}
        # The manager first, then the reports, then the department.
        order = [int(pk) for pk in re.findall(r'data-user="(\d+)"', response.content.decode())]
        assert order[:2] == [boss.user_id, report.user_id]
        # Each with the follow button that posts to the profile's follow address.
        assert f'hx-post="/people/{boss.user_id}/follow/"' in response.content.decode()

    def test_someone_followed_already_is_not_suggested(self, browser, newcomer, boss):
        mate = person("Dora", "Deskmate")
        Follow.objects.create(follower=newcomer.user, followee=mate.user)
        response = browser.get(WELCOME)
        assert mate.user_id not in suggested_people(response)
        assert "colleagues" not in steps(response)  # following someone is the step done

    def test_communities_public_open_and_most_members_first(self, browser, newcomer, boss):
        owner = boss.user
        small = community_create(actor=owner, name="Small Talk")
        big = community_create(actor=owner, name="Big Room")
        for _ in range(3):
            join(person("Member", "Someone").user, big)
        private = community_create(actor=owner, name="Secret Plans", visibility="private")
        moderated = community_create(actor=owner, name="Gated Garden", visibility="moderated")
        archived = community_create(actor=owner, name="Old Times")
        archived.archived_at = archived.created_at
        archived.save(update_fields=["archived_at"])
        response = browser.get(WELCOME)
        assert suggested_communities(response) == [big.slug, small.slug]
        page = text(response)
        assert private.name not in page and moderated.name not in page and archived.name not in page
        assert "4 members" in page
        assert f'action="/communities/{big.slug}/membership/"' in page


class TestStepsDone:
    def test_a_photo_and_a_job_title_end_the_first_step(self, browser, newcomer):
        Profile.objects.filter(pk=newcomer.pk).update(avatar=PHOTO)
        response = browser.get(WELCOME)
        assert "profile" in steps(response)
        assert "Add your job title" in text(response)
        Profile.objects.filter(pk=newcomer.pk).update(job_title="Designer")
        assert "profile" not in steps(browser.get(WELCOME))

    def test_a_job_title_alone_asks_for_the_photo(self, browser, newcomer):
        Profile.objects.filter(pk=newcomer.pk).update(job_title="Designer")
        assert "Add a photo: colleagues will recognise you." in text(browser.get(WELCOME))

    def test_joining_a_community_ends_the_third_step(self, browser, newcomer, boss):
        join(newcomer.user, community_create(actor=boss.user, name="Big Room"))
        assert steps(browser.get(WELCOME)) == ["profile", "colleagues"]

    def test_all_done_the_panel_is_over_for_good(self, browser, newcomer, boss):
        Profile.objects.filter(pk=newcomer.pk).update(avatar=PHOTO, job_title="Designer")
        Follow.objects.create(follower=newcomer.user, followee=boss.user)
        join(newcomer.user, community_create(actor=boss.user, name="Big Room"))
        response = browser.get(WELCOME)
        assert response.status_code == 200 and response.content == b""
        assert Profile.objects.get(pk=newcomer.pk).welcome_dismissed == ["all"]
        # Unfollowing later does not bring it back.
        Follow.objects.all().delete()
        assert browser.get(WELCOME).content == b""


class TestDismissing:
    def test_a_step_dismissed_goes_and_the_panel_comes_back_without_it(self, browser):
        response = browser.post(WELCOME, {"step": "colleagues"}, **HTMX)
        assert response.status_code == 200
        assert steps(response) == ["profile", "communities"]
        assert steps(browser.get(WELCOME)) == ["profile", "communities"]

    def test_without_htmx_back_to_the_home_page(self, browser):
        response = browser.post(WELCOME, {"step": "profile"})
        assert response.status_code == 302 and response["Location"] == "/"
        assert steps(browser.get(WELCOME)) == ["colleagues", "communities"]

    def test_the_last_step_dismissed_ends_the_panel(self, browser, newcomer):
        browser.post(WELCOME, {"step": "profile"}, **HTMX)
        browser.post(WELCOME, {"step": "colleagues"}, **HTMX)
        response = browser.post(WELCOME, {"step": "communities"}, **HTMX)
        assert response.content == b""
        assert "all" in Profile.objects.get(pk=newcomer.pk).welcome_dismissed

    def test_hide_all_at_once(self, browser):
        response = browser.post(WELCOME, {"step": "all"}, **HTMX)
        assert response.status_code == 200 and response.content == b""
        assert browser.get(WELCOME).content == b""

    def test_dismissing_twice_is_stored_once(self, newcomer):
        welcome_dismiss(user=newcomer.user, step="profile")
        welcome_dismiss(user=newcomer.user, step="profile")
        welcome_dismiss(user=newcomer.user, step="communities")
        assert Profile.objects.get(pk=newcomer.pk).welcome_dismissed == ["profile", "communities"]

    def test_an_unknown_step_is_refused(self, browser, newcomer):
        assert browser.post(WELCOME, {"step": "everything"}).status_code == 400
        assert Profile.objects.get(pk=newcomer.pk).welcome_dismissed == []

    def test_dismissing_needs_the_csrf_token(self, newcomer):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(newcomer.user)
        assert client.post(WELCOME, {"step": "all"}).status_code == 403
        assert Profile.objects.get(pk=newcomer.pk).welcome_dismissed == []


class TestNothingToShow:
    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        assert client.get(WELCOME).status_code == 302

    def test_an_account_without_a_profile_sees_nothing(self, client):
        client.force_login(UserFactory())
        assert client.get(WELCOME).content == b""

    def test_an_onboarded_person_costs_one_query_after_the_session(self, browser, newcomer, django_assert_num_queries):
        welcome_dismiss(user=newcomer.user, step="all")
        browser.get(WELCOME)  # the session's own first reads
        # The session, the account, the profile.
        with django_assert_num_queries(3):
            response = browser.get(WELCOME)
        assert response.content == b""

    def test_all_done_is_found_in_one_query_and_marked_once(self, browser, newcomer, boss, django_assert_num_queries):
        Profile.objects.filter(pk=newcomer.pk).update(avatar=PHOTO, job_title="Designer")
        Follow.objects.create(follower=newcomer.user, followee=boss.user)
        join(newcomer.user, community_create(actor=boss.user, name="Big Room"))
        # The session, the account, the profile with what is done, the mark.
        with django_assert_num_queries(4):
            assert browser.get(WELCOME).content == b""
        with django_assert_num_queries(3):
            assert browser.get(WELCOME).content == b""

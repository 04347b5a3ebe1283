"""The shell's lazy parts: my communities with their unread marks, the right rail, the top
bar's suggestions. Each is private (only what the viewer may read shows, counts or marks)
and runs a constant number of queries."""

import datetime

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.communities.models import Visibility
from apps.communities.services import community_create, membership_transition
from apps.feeds.services import post_create
from apps.profiles.models import ProfileFieldPolicy
from apps.profiles.services import profile_refresh_search, welcome_dismiss
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def person(first="Ada", last="Lovelace", **profile):
    made = ProfileFactory(user=UserFactory(first_name=first, last_name=last), **profile)
    profile_refresh_search(profile=made, skill_names=[])  # what the directory's search reads
    return made.user


@pytest.fixture(autouse=True)
def _no_cached_rail():
    cache.clear()
    yield
    cache.clear()


def member_of(community, user):
    membership_transition(actor=user, community=community, user=user, action="join")


def text(response) -> str:
    return response.content.decode()


# ------------------------------------------------------------------ my communities


def test_my_communities_lists_active_memberships_only(client):
    me, owner = person(), person("Grace", "Hopper")
    joined = community_create(actor=owner, name="Rust guild")
    community_create(actor=owner, name="Not joined")
    member_of(joined, me)
    client.force_login(me)
    html = text(client.get("/shell/communities/"))
    assert "Rust guild" in html and "Not joined" not in html


def test_a_new_post_by_someone_else_marks_the_community_until_it_is_opened(client):
    me, owner = person(), person("Grace", "Hopper")
    guild = community_create(actor=owner, name="Rust guild")
    member_of(guild, me)
    client.force_login(me)
    assert "data-unread" not in text(client.get("/shell/communities/"))

    post_create(actor=owner, community=guild, body="Meet-up on Friday")
    assert "data-unread" in text(client.get("/shell/communities/"))

    # The community's pages post `seen`: the mark goes.
    assert "data-unread" not in text(client.post("/shell/communities/", {"seen": str(guild.pk)}))
    assert "data-unread" not in text(client.get("/shell/communities/"))


def test_ones_own_posts_do_not_mark_and_seen_is_ignored_for_a_non_member(client):
    me, owner = person(), person("Grace", "Hopper")
    guild = community_create(actor=owner, name="Rust guild")
    other = community_create(actor=owner, name="Elsewhere")
    member_of(guild, me)
    post_create(actor=me, community=guild, body="My own post")
    client.force_login(me)
    assert "data-unread" not in text(client.get("/shell/communities/"))
    response = client.post("/shell/communities/", {"seen": str(other.pk)})
    assert response.status_code == 200 and "Elsewhere" not in text(response)


def test_my_communities_runs_the_same_queries_for_one_and_twenty(client, django_assert_num_queries):
    me, owner = person(), person("Grace", "Hopper")
    client.force_login(me)
    first = community_create(actor=owner, name="Community 0")
    member_of(first, me)
    post_create(actor=owner, community=first, body="news")
    client.get("/shell/communities/")  # the session and the user, loaded once
    with django_assert_num_queries(5) as one:
        client.get("/shell/communities/")
    for n in range(1, 20):
        community = community_create(actor=owner, name=f"Community {n}")
        member_of(community, me)
        post_create(actor=owner, community=community, body="news")
    with django_assert_num_queries(len(one.captured_queries)):
        html = text(client.get("/shell/communities/"))
    assert html.count("data-unread") == 20


def test_an_empty_list_says_what_to_do(client):
    client.force_login(person())
    html = text(client.get("/shell/communities/"))
    assert "You have not joined a community yet." in html and 'href="/communities/"' in html


# ------------------------------------------------------------------ the rail


def test_the_rail_suggests_colleagues_and_communities_and_shows_praise_and_hashtags(client):
    me = person(department="Research")
    colleague = person("Grace", "Hopper", department="Research")
    community_create(actor=colleague, name="Compilers")
    post_create(actor=colleague, community=None, body="Shipping #release today")
    post_create(actor=colleague, community=None, body="Thanks!", kind="praise", badge="thanks", recipients=[me])
    welcome_dismiss(user=me, step="all")
    client.force_login(me)
    html = text(client.get("/shell/rail/"))
    assert "Grace Hopper" in html
    assert "Compilers" in html
    assert "#release" in html
    assert "Recent praise" in html


def test_while_the_welcome_steps_show_the_rail_does_not_repeat_their_suggestions(client):
    me = person(department="Research")
    person("Grace", "Hopper", department="Research")
    client.force_login(me)
    html = text(client.get("/shell/rail/"))
    assert "People you may know" not in html and "Communities to join" not in html


def test_the_rail_never_shows_a_private_communitys_posts_or_name(client):
    me, owner = person(), person("Grace", "Hopper")
    secret = community_create(actor=owner, name="Secret merger", visibility=Visibility.PRIVATE)
    post_create(actor=owner, community=secret, body="Canary #mergercanary")
    post_create(actor=owner, community=secret, body="Canary poll", kind="poll", poll_options=["Yes", "No"])
    client.force_login(me)
    html = text(client.get("/shell/rail/"))
    assert "mergercanary" not in html and "Secret merger" not in html and "Canary" not in html


@pytest.mark.parametrize("private", [False, True])
def test_birthdays_show_only_where_the_field_is_public(client, private):
    today = timezone.localdate()
    me = person(department="Research")
    person("Grace", "Hopper", department="Research", birthday=datetime.date(1990, today.month, min(today.day, 28)))
    if today.day > 28:
        pytest.skip("a birthday on the 29th-31st is not in every month")  # pragma: no cover
    # Birthdays are private unless an admin publishes them (the default policy).
    ProfileFieldPolicy.objects.update_or_create(field="birthday", defaults={"is_private": private})
    client.force_login(me)
    html = text(client.get("/shell/rail/"))
    assert ("Birthday" in html) is not private


def test_the_rail_is_rendered_once_per_person_for_five_minutes(client, django_assert_max_num_queries):
    me = person()
    client.force_login(me)
    client.get("/shell/rail/")
    with django_assert_max_num_queries(5):  # the session, the user, and what decides access (_access)
        assert client.get("/shell/rail/").status_code == 200


# ------------------------------------------------------------------ suggestions


def test_suggestions_need_two_characters(client):
    person("Grace", "Hopper")
    client.force_login(person())
    assert text(client.get("/search/suggest/", {"q": "g"})).strip() == ""


def test_suggestions_find_people_and_communities(client):
    grace = person("Grace", "Hopper")
    community_create(actor=grace, name="Graceful degradation")
    client.force_login(person())
    html = text(client.get("/search/suggest/", {"q": "grace"}))
    assert "Grace Hopper" in html and "Graceful degradation" in html
    assert f'href="/people/{grace.pk}/"' in html


def test_suggestions_never_name_a_private_community_to_an_outsider(client):
    owner = person("Grace", "Hopper")
    community_create(actor=owner, name="Zebra secret plans", visibility=Visibility.PRIVATE)
    client.force_login(person())
    html = text(client.get("/search/suggest/", {"q": "zebra"}))
    assert "Zebra secret plans" not in html
    assert "No person, community or hashtag matches" in html


def test_inactive_people_are_not_suggested(client):
    gone = person("Zora", "Neale")
    gone.is_active = False
    gone.save()
    client.force_login(person())
    assert "Zora" not in text(client.get("/search/suggest/", {"q": "zora"})).split("Search for")[0]


def test_every_part_answers_an_account_without_a_profile(client):
    # An account an administrator made has no profile: the shell must still load.
    client.force_login(UserFactory())
    for path in ["/shell/rail/", "/shell/communities/", "/search/suggest/?q=ad", "/welcome/"]:
        assert client.get(path).status_code == 200, path


def test_the_cached_rail_forgets_a_community_as_soon_as_the_viewer_is_removed(client):
    me, owner = person(), person("Grace", "Hopper")
    secret = community_create(actor=owner, name="Secret merger", visibility=Visibility.PRIVATE)
    membership_transition(actor=owner, community=secret, user=me, action="invite")
    membership_transition(actor=me, community=secret, user=me, action="accept")
    post_create(actor=owner, community=secret, body="Deal signed #projectcanary")
    post_create(actor=owner, community=secret, body="Thanks", kind="praise", badge="thanks", recipients=[me])
    welcome_dismiss(user=me, step="all")
    client.force_login(me)
    html = client.get("/shell/rail/").content.decode()
    assert "projectcanary" in html  # a member: fine
    membership_transition(actor=owner, community=secret, user=me, action="remove")
    # Removed: the community is now a 404 for them...
    assert client.get(f"/communities/{secret.slug}/").status_code == 404
    # ...and the rail, though cached for five minutes, no longer names its hashtag.
    html = client.get("/shell/rail/").content.decode()
    assert "projectcanary" not in html


@pytest.mark.parametrize("value", ["99999999999999999999", "\u00b2", "9" * 5000])
def test_seen_with_odd_digits_is_not_a_server_error(client, value):
    me = person()
    client.force_login(me)
    client.raise_request_exception = False
    response = client.post("/shell/communities/", {"seen": value})
    assert response.status_code in (200, 400), response.status_code


def test_a_post_made_after_the_page_was_shown_stays_new(client):
    me, owner = person(), person("Grace", "Hopper")
    guild = community_create(actor=owner, name="Rust guild")
    member_of(guild, me)
    client.force_login(me)
    shown = int(timezone.now().timestamp()) - 5  # the community page, rendered a moment ago
    post_create(actor=owner, community=guild, body="Posted while the page loaded")
    html = text(client.post("/shell/communities/", {"seen": str(guild.pk), "shown": str(shown)}))
    assert "data-unread" in html

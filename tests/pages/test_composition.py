"""The pages that show several apps' content (a community, a person) are served by
apps.pages under the URL names and paths they always had, still show what they showed, and
the apps they draw on no longer import each other's views to build them."""

import html

import grimp
import pytest
from django.urls import resolve, reverse

from apps.communities.services import community_create
from apps.feeds.services import post_create
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def person(first, last):
    return ProfileFactory(user=UserFactory(first_name=first, last_name=last)).user


def text(response) -> str:
    return html.unescape(response.content.decode())


# ------------------------------------------------------------------ the URLs


@pytest.mark.parametrize(
    ("name", "kwargs", "path", "module", "view"),
    [
        ("communities:detail", {"slug": "open-garden"}, "/communities/open-garden/", "community", "community_detail"),
        ("people:detail", {"user_id": 42}, "/people/42/", "person", "profile_detail"),
    ],
)
def test_the_composed_pages_keep_their_names_and_paths(name, kwargs, path, module, view):
    assert reverse(name, kwargs=kwargs) == path
    match = resolve(path)
    assert match.view_name == name
    assert (match.func.__module__, match.func.__name__) == (f"apps.pages.views.{module}", view)


@pytest.mark.parametrize(
    ("path", "view_name", "module"),
    [
        # "new/" is one path segment, like a slug: it still goes to the creation page.
        ("/communities/", "communities:index", "apps.communities.views"),
        ("/communities/new/", "communities:create", "apps.communities.views"),
        ("/communities/open-garden/members/", "communities:members", "apps.communities.views"),
        ("/communities/open-garden/settings/", "communities:settings", "apps.communities.views"),
        ("/people/", "people:index", "apps.profiles.views"),
        ("/people/me/", "people:me", "apps.profiles.views"),
        ("/people/export.csv", "people:export", "apps.profiles.views"),
        ("/people/42/card/", "people:card", "apps.profiles.views"),
        ("/people/42/edit/", "people:edit", "apps.profiles.views"),
    ],
)
def test_the_apps_own_pages_stay_with_them_in_the_same_namespaces(path, view_name, module):
    match = resolve(path)
    assert (match.view_name, match.func.__module__) == (view_name, module)


# ------------------------------------------------------------------ what they show


def test_the_community_page_shows_its_members_posts_and_composer(client):
    owner = person("Olive", "Owner")
    community = community_create(actor=owner, name="Open Garden", description="Plants.", visibility="public")
    post_create(actor=owner, community=community, body="Tomatoes are in")
    client.force_login(owner)
    response = client.get(f"/communities/{community.slug}/")
    assert response.status_code == 200
    assert response.templates[0].name == "communities/detail.html"
    body = text(response)
    assert "Tomatoes are in" in body
    assert '<form id="composer"' in body and f'value="{community.slug}"' in body
    assert "Olive Owner" in body


def test_a_person_page_shows_their_posts_and_communities_and_the_composer_only_to_them(client):
    ada = person("Ada", "Lovelace")
    community = community_create(actor=ada, name="Engines", description="Gears.", visibility="public")
    post_create(actor=ada, community=None, body="Notes on the engine")
    client.force_login(ada)
    own = text(client.get(f"/people/{ada.pk}/"))
    assert "Notes on the engine" in own and community.name in own
    assert '<form id="composer"' in own

    client.force_login(person("Bob", "Other"))
    response = client.get(f"/people/{ada.pk}/")
    assert response.templates[0].name == "profiles/detail.html"
    other = text(response)
    assert "Notes on the engine" in other and community.name in other
    assert '<form id="composer"' not in other


# ------------------------------------------------------------------ the imports


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph("apps")


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("apps.communities", "apps.feeds"),
        ("apps.profiles", "apps.feeds"),
        ("apps.profiles", "apps.communities"),
    ],
)
def test_the_apps_the_pages_draw_on_do_not_reach_the_apps_above_them(graph, importer, imported):
    # Not even through a third app: before apps.pages, their views imported feeds' views
    # and selectors (composer_context, community_feed...) and profiles' communities'.
    assert graph.find_shortest_chains(importer=importer, imported=imported, as_packages=True) == set()

"""A community's address never tells anyone that a private community exists.

A canary private community named "Canary" is put in the database in every way a
community can come to be private (created so by its owner, by a site administrator for
someone, made private after being public, archived while private); then an outsider
observes everything they can about the name "Canary": the address a new community of that
name gets (by themselves, through the form, by a site administrator, after a rename or a
visibility change), the pages at the readable addresses, the search and the suggestions.
The same observations without the canary must be identical."""

import importlib

import pytest
from django.apps import apps as django_apps
from django.db import transaction
from django.test import Client

from apps.communities import addresses
from apps.communities.models import Community, Membership, Role, State, Visibility
from apps.communities.selectors import community_list, community_suggestions
from apps.communities.services import community_archive, community_create, community_update
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def person(first, last, department="Sales"):
    return ProfileFactory(user=UserFactory(first_name=first, last_name=last), department=department).user


@pytest.fixture
def people():
    return {
        "owner": person("Olive", "Owner"),
        "insider": person("Ian", "Insider"),
        "outsider": person("Otto", "Outsider"),
        "admin": ProfileFactory(user=UserFactory(is_staff=True, is_superuser=True)).user,
    }


def canary_created_private(people):
    community_create(actor=people["owner"], name="Canary", visibility=Visibility.PRIVATE)


def canary_created_by_an_admin(people):
    community_create(actor=people["admin"], name="Canary", visibility=Visibility.PRIVATE, owner=people["owner"])


def canary_made_private(people):
    canary = community_create(actor=people["owner"], name="Canary", visibility=Visibility.PUBLIC)
    community_update(actor=people["owner"], community=canary, changes={"visibility": Visibility.PRIVATE})


def canary_renamed_while_private(people):
    canary = community_create(actor=people["owner"], name="Sparrow", visibility=Visibility.PRIVATE)
    community_update(actor=people["owner"], community=canary, changes={"name": "Canary"})


def canary_archived(people):
    canary = community_create(actor=people["owner"], name="Canary", visibility=Visibility.PRIVATE)
    community_archive(actor=people["admin"], community=canary, archived=True)


def canaries_by_the_dozen(people):
    for _n in range(3):
        canary_created_private(people)


CANARIES = [
    canary_created_private,
    canary_created_by_an_admin,
    canary_made_private,
    canary_renamed_while_private,
    canary_archived,
    canaries_by_the_dozen,
]


def observe(people) -> dict:
    """Everything an outsider (and an admin acting for them) can see about the name "Canary"."""
    outsider, admin = people["outsider"], people["admin"]
    for canary in Community.objects.filter(name="Canary"):
        # The insider's department colleagues would make it a suggestion, if it were visible.
        Membership.objects.get_or_create(community=canary, user=people["insider"], state=State.ACTIVE)
    client = Client()
    client.force_login(outsider)
    seen = {
        "page": client.get("/communities/canary/").status_code,
        "page-2": client.get("/communities/canary-2/").status_code,
        "feed": client.get("/feed/communities/canary/").status_code,
        "search": [c.name for c in community_list(viewer=outsider, query="canary").items],
        "suggestions": [c.name for c in community_suggestions(viewer=outsider)],
    }
    form = client.post("/communities/new/", {"name": "Canary", "visibility": Visibility.PUBLIC, "description": ""})
    seen["form"] = (form.status_code, form.headers.get("Location"))
    seen["again"] = community_create(actor=outsider, name="canary", visibility=Visibility.MODERATED).slug
    seen["for-someone"] = community_create(actor=admin, name="Canary", owner=outsider).slug
    renamed = community_create(actor=outsider, name="Finch")
    community_update(actor=outsider, community=renamed, changes={"name": "Canary"})
    renamed.refresh_from_db()
    seen["renamed"] = renamed.slug
    hidden = community_create(actor=outsider, name="Canary", visibility=Visibility.PRIVATE)
    community_update(actor=outsider, community=hidden, changes={"visibility": Visibility.PUBLIC})
    hidden.refresh_from_db()
    seen["made-public"] = hidden.slug
    return seen


def observe_in(world, people) -> dict:
    """`observe` after `world` has run, then everything is rolled back."""
    with transaction.atomic():
        world(people)
        seen = observe(people)
        transaction.set_rollback(True)
    return seen


@pytest.mark.parametrize("canary", CANARIES, ids=lambda world: world.__name__)
def test_nothing_an_outsider_observes_depends_on_a_private_community(people, canary):
    without = observe_in(lambda _people: None, people)
    assert without["form"] == (302, "/communities/canary/")  # the observations do see something
    assert without["again"] == "canary-2"
    assert observe_in(canary, people) == without


def test_a_private_community_never_holds_a_readable_address(people):
    canary = community_create(actor=people["owner"], name="Canary", visibility=Visibility.PRIVATE)
    assert addresses.is_private(canary.slug)
    assert "canary" not in canary.slug  # not even its (maybe sensitive) name
    other = community_create(actor=people["owner"], name="Canary", visibility=Visibility.PRIVATE)
    assert other.slug != canary.slug
    community_update(actor=people["owner"], community=canary, changes={"visibility": Visibility.MODERATED})
    canary.refresh_from_db()
    assert canary.slug == "canary"
    community_update(actor=people["owner"], community=canary, changes={"visibility": Visibility.PRIVATE})
    canary.refresh_from_db()
    assert addresses.is_private(canary.slug)
    assert Community.objects.filter(slug="canary").count() == 0  # its readable address is free again


def test_a_private_community_made_public_takes_the_next_free_readable_address(people):
    community_create(actor=people["owner"], name="Canary")
    canary = community_create(actor=people["owner"], name="Canary", visibility=Visibility.PRIVATE)
    community_update(actor=people["owner"], community=canary, changes={"visibility": Visibility.PUBLIC})
    canary.refresh_from_db()
    assert canary.slug == "canary-2"


def test_between_public_and_moderated_the_address_does_not_move(people):
    community = community_create(actor=people["owner"], name="Canary")
    community_update(actor=people["owner"], community=community, changes={"visibility": Visibility.MODERATED})
    community.refresh_from_db()
    assert community.slug == "canary"


def test_the_settings_page_leads_to_the_new_address_after_a_visibility_change(people):
    community = community_create(actor=people["owner"], name="Canary")
    client = Client()
    client.force_login(people["owner"])
    response = client.post(
        "/communities/canary/settings/", {"name": "Canary", "visibility": Visibility.PRIVATE, "description": ""}
    )
    community.refresh_from_db()
    assert addresses.is_private(community.slug)
    assert response.status_code == 302 and response["Location"] == f"/communities/{community.slug}/"
    assert client.get(response["Location"]).status_code == 200
    assert client.get("/communities/canary/").status_code == 404


@pytest.mark.parametrize(
    "name, expected",
    [("a" * 69 + " b", "a" * 69), ("x" * 200, "x" * 70), ("---", "community"), ("New", "new-2"), ("Jo -- Jo", "jo-jo")],
)
def test_readable_addresses_never_take_the_private_form(people, name, expected):
    community = community_create(actor=people["owner"], name=name)
    assert community.slug == expected
    assert not addresses.is_private(community.slug)
    assert not addresses.is_private(community_create(actor=people["owner"], name=name).slug)


def test_existing_private_communities_give_up_their_readable_address(people):
    """The migration: private communities created before this rule get a private address."""
    owner = people["owner"]
    private = Community.objects.create(name="Canary", slug="canary", visibility=Visibility.PRIVATE, created_by=owner)
    public = Community.objects.create(name="Robin", slug="robin", visibility=Visibility.PUBLIC, created_by=owner)
    Membership.objects.create(community=private, user=owner, role=Role.OWNER, state=State.ACTIVE)
    migration = importlib.import_module("apps.communities.migrations.0002_private_addresses")
    migration.give_private_communities_private_addresses(django_apps, None)
    private.refresh_from_db()
    public.refresh_from_db()
    assert addresses.is_private(private.slug)
    assert public.slug == "robin"


def test_directory_groups_follow_a_community_that_moves(people):
    """A directory group maps to a community by address: made private, the community keeps
    its group, and a new community taking the freed address does not get it."""
    from apps.directory.models import DirectorySource

    owner = people["owner"]
    canary = community_create(actor=owner, name="Canary")
    source = DirectorySource.objects.create(
        name="corp", group_communities={"cn=canary,ou=groups": "canary", "cn=robin,ou=groups": "robin"}
    )
    community_update(actor=owner, community=canary, changes={"visibility": Visibility.PRIVATE})
    canary.refresh_from_db()
    source.refresh_from_db()
    assert source.group_communities == {"cn=canary,ou=groups": canary.slug, "cn=robin,ou=groups": "robin"}
    assert community_create(actor=people["outsider"], name="Canary").slug == "canary"
    source.refresh_from_db()
    assert source.group_communities["cn=canary,ou=groups"] == canary.slug


def test_the_migration_moves_directory_groups_with_their_communities(people):
    from apps.directory.models import DirectorySource

    owner = people["owner"]
    private = Community.objects.create(name="Canary", slug="canary", visibility=Visibility.PRIVATE, created_by=owner)
    source = DirectorySource.objects.create(name="corp", group_communities={"cn=canary": "canary", "cn=x": "x"})
    migration = importlib.import_module("apps.communities.migrations.0002_private_addresses")
    migration.give_private_communities_private_addresses(django_apps, None)
    private.refresh_from_db()
    source.refresh_from_db()
    assert source.group_communities == {"cn=canary": private.slug, "cn=x": "x"}

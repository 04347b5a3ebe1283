"""A directory source maps groups to communities by address; when a community moves to a
new address (made private, or public again), communities sends community_addresses_moved
and the mapping follows (apps/directory/receivers.py)."""

import pytest
from django.db import transaction

from apps.communities.models import Community, Visibility
from apps.communities.services import community_create, community_update
from apps.communities.signals import community_addresses_moved
from apps.directory.models import DirectorySource
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_groups_of_a_community_made_private_follow_it():
    owner = UserFactory()
    canary = community_create(actor=owner, name="Canary", visibility=Visibility.PUBLIC)
    robin = community_create(actor=owner, name="Robin", visibility=Visibility.PUBLIC)
    mapped = DirectorySource.objects.create(
        name="corp", group_communities={"cn=canary": "canary", "cn=birds": "canary", "cn=robin": "robin"}
    )
    other = DirectorySource.objects.create(name="lab", group_communities={"cn=robin": "robin"})
    community_update(actor=owner, community=canary, changes={"visibility": Visibility.PRIVATE})
    canary.refresh_from_db()
    mapped.refresh_from_db()
    other.refresh_from_db()
    assert mapped.group_communities == {"cn=canary": canary.slug, "cn=birds": canary.slug, "cn=robin": "robin"}
    assert other.group_communities == {"cn=robin": "robin"}
    # Public again, it takes a readable address, and its groups follow it there.
    community_update(actor=owner, community=canary, changes={"visibility": Visibility.PUBLIC})
    canary.refresh_from_db()
    mapped.refresh_from_db()
    assert canary.slug == "canary"
    assert mapped.group_communities == {"cn=canary": "canary", "cn=birds": "canary", "cn=robin": robin.slug}


def test_a_mapping_that_is_not_a_dict_is_left_alone():
    source = DirectorySource.objects.create(name="corp", group_communities=["cn=canary", "canary"])
    with transaction.atomic():
        community_addresses_moved.send(sender=Community, moves={"canary": "private--0123456789abcdef"})
    source.refresh_from_db()
    assert source.group_communities == ["cn=canary", "canary"]

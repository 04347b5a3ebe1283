"""The bulk audience rules notifications use agree with `visible_to`, for every role."""

import pytest
from django.contrib.auth.models import Permission

from apps.communities.models import Community, Membership, Role, State, Visibility
from apps.feeds.models import Post
from apps.feeds.services import post_create, post_delete
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

STATES = [State.ACTIVE, State.INVITED, State.REQUESTED, State.BANNED, State.LEFT, State.REMOVED, State.DECLINED]


@pytest.fixture
def everyone():
    owner = UserFactory()
    people = {"owner": owner, "outsider": UserFactory(), "superuser": UserFactory(is_superuser=True)}
    people["inactive"] = UserFactory(is_active=False)
    people["site_admin"] = UserFactory()
    people["site_admin"].user_permissions.add(
        Permission.objects.get(content_type__app_label="communities", codename="change_community")
    )
    for state in STATES:
        people[state] = UserFactory()
    return people


def _community(owner, everyone, visibility):
    community = Community.objects.create(name=f"C {visibility}", slug=f"c-{visibility}", visibility=visibility)
    Membership.objects.create(community=community, user=owner, role=Role.OWNER, state=State.ACTIVE)
    for state in STATES:
        Membership.objects.create(community=community, user=everyone[state], state=state)
    return community


def _fresh(user):
    # visible_to remembers whether someone is a site admin on the user object.
    return type(user).objects.get(pk=user.pk)


@pytest.mark.parametrize("visibility", Visibility.values)
def test_content_readers_agree_with_content_visible_to(everyone, visibility):
    community = _community(everyone["owner"], everyone, visibility)
    ids = [user.pk for user in everyone.values()]
    expected = {
        user.pk
        for user in everyone.values()
        if Community.objects.content_visible_to(_fresh(user)).filter(pk=community.pk).exists()
    }
    assert Community.objects.content_readers(community.pk, ids) == expected
    assert everyone["outsider"].pk in expected or visibility == Visibility.PRIVATE


@pytest.mark.parametrize("where", ["company", *Visibility.values, "deleted"])
def test_post_readers_agree_with_visible_to(everyone, where):
    owner = everyone["owner"]
    community = None if where == "company" else _community(owner, everyone, where if where != "deleted" else "private")
    post = post_create(actor=owner, community=community, body="Audience check")
    if where == "deleted":
        post_delete(actor=owner, post=post)
    ids = [user.pk for user in everyone.values()]
    expected = {
        user.pk for user in everyone.values() if Post.objects.visible_to(_fresh(user)).filter(pk=post.pk).exists()
    }
    assert Post.objects.readers(post.pk, ids) == expected

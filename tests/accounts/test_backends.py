"""The authentication backends read the signed-in user with a compiled statement
(apps/accounts/backends.py): the same answers as Django's, in one query."""

import pytest

from apps.accounts.backends import AuthenticationBackend, ModelBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("backend", [ModelBackend(), AuthenticationBackend()])
def test_the_signed_in_user_in_one_query(backend, django_assert_num_queries):
    user = UserFactory()
    with django_assert_num_queries(1):
        assert backend.get_user(str(user.pk)) == user
    with django_assert_num_queries(1):
        assert backend.get_user(user.pk + 1000) is None


@pytest.mark.parametrize("backend", [ModelBackend(), AuthenticationBackend()])
def test_a_deactivated_account_or_a_forged_id_is_nobody(backend):
    user = UserFactory(is_active=False)
    assert backend.get_user(user.pk) is None
    assert backend.get_user("not-a-number") is None


def test_a_deactivated_account_is_signed_out_on_its_next_page(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/").status_code == 200
    user.is_active = False
    user.save()
    assert client.get("/").status_code == 302

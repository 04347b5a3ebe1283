"""Sessions are Django's database sessions, read by a compiled statement (apps/accounts/sessions.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.sessions import SessionStore

Session = SessionStore.get_model_class()

pytestmark = pytest.mark.django_db


def test_a_session_is_read_back_and_one_query_reads_it(django_assert_num_queries):
    session = SessionStore()
    session["colour"] = "teal"
    session.create()
    with django_assert_num_queries(1):
        assert SessionStore(session.session_key).load() == {"colour": "teal"}


def test_an_expired_or_unknown_session_reads_as_empty_and_loses_its_key():
    session = SessionStore()
    session["colour"] = "teal"
    session.create()
    Session.objects.filter(session_key=session.session_key).update(expire_date=timezone.now() - timedelta(seconds=1))
    for key in (session.session_key, "x" * 32):
        store = SessionStore(key)
        assert store.load() == {}
        assert store.session_key is None


def test_signing_in_and_out_through_the_pages(client, django_user_model):
    user = django_user_model.objects.create_user(email="sessions@example.com", password="a long passphrase 42")
    client.force_login(user)
    assert client.get("/").status_code == 200
    client.logout()
    assert client.get("/").status_code == 302

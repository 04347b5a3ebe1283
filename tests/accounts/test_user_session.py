"""Sessions are stored with their signed-in person's id (accounts.UserSession), so that a
person's sessions can be found by an index; the sessions open at the upgrade are kept."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session as DjangoSession
from django.test import Client
from django.utils import timezone

from apps.accounts.sessions import SessionStore
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

UserSession = SessionStore.get_model_class()


def test_a_session_is_stored_with_its_signed_in_persons_id():
    user = UserFactory()
    client = Client()
    client.get("/accounts/login/")  # an anonymous session first, if the page makes one
    client.force_login(user)
    assert list(UserSession.objects.values_list("user_id", flat=True)) == [user.pk]
    anonymous = SessionStore()
    anonymous["seen"] = True
    anonymous.create()
    assert UserSession.objects.get(session_key=anonymous.session_key).user_id is None


def test_the_upgrade_keeps_the_open_sessions_with_their_person():
    user = UserFactory()
    store = SessionStore()
    live = DjangoSession.objects.create(
        session_key="a" * 32,
        session_data=store.encode({"_auth_user_id": str(user.pk), "_auth_user_backend": "x"}),
        expire_date=timezone.now() + datetime.timedelta(days=1),
    )
    DjangoSession.objects.create(
        session_key="b" * 32,
        session_data=store.encode({"_auth_user_id": str(user.pk)}),
        expire_date=timezone.now() - datetime.timedelta(days=1),
    )
    DjangoSession.objects.create(
        session_key="c" * 32, session_data="not a session", expire_date=timezone.now() + datetime.timedelta(days=1)
    )
    migration = importlib.import_module("apps.accounts.migrations.0002_user_session")
    migration.copy_live_sessions(apps, None)
    copied = {row.session_key: row for row in UserSession.objects.all()}
    assert set(copied) == {"a" * 32, "c" * 32}
    assert copied["a" * 32].user_id == user.pk and copied["a" * 32].session_data == live.session_data
    assert copied["c" * 32].user_id is None

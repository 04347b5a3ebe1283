"""Contacts from Exchange Online: Microsoft's sign-in and Graph replayed from recordings."""

import pytest
from django.contrib.auth import get_user_model

from apps.directory.models import Contact, ContactImport, ImportState
from tests.directory.replay import Replay
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)
User = get_user_model()
TENANT = "4d3b6a4e-0f3c-4b7e-9d55-1c2f1e0d8a77"


def _configure(settings, replay):
    settings.GRAPH_TENANT_ID, settings.GRAPH_CLIENT_ID = TENANT, "8a1f2c3d-1111-2222-3333-444455556666"
    settings.GRAPH_CLIENT_SECRET = "recorded-secret"
    settings.GRAPH_AUTHORITY_HOST, settings.GRAPH_API_URL = replay.base, f"{replay.base}/v1.0"
    settings.GRAPH_CA_BUNDLE = replay.ca_file


@pytest.fixture
def helene(client):
    user = ProfileFactory(user__email="hlefevre@example.com").user
    client.force_login(user)
    return user


def test_an_employee_imports_their_exchange_online_contacts(client, helene, settings, tmp_path, celery_eager):
    colleague = ProfileFactory(user__email="jdupre@example.com").user
    with Replay(tmp_path, "graph_token.json", "graph_contacts.json") as replay:
        _configure(settings, replay)
        assert "Import my Outlook contacts (Exchange Online)" in client.get("/contacts/").content.decode()
        response = client.post("/contacts/import/exchange/")
    assert replay.unexpected == []
    job = ContactImport.objects.get()
    assert response["Location"] == f"/contacts/imports/{job.pk}/"
    assert job.state == ImportState.SUCCEEDED, job.message
    assert (job.created, len(job.errors)) == (3, 1)
    assert job.errors[0]["reason"] == "Invalid e-mail address: typo at fabrikam.example."
    segolene = Contact.objects.get(owner=helene, key="segolene.martin@fabrikam.example")
    assert (segolene.name, segolene.department, segolene.phones) == (
        "Ségolène Martin", "Achats", ["+33 1 44 55 66 77", "+33 6 44 55 66 77"])  # fmt: skip
    assert Contact.objects.get(owner=helene, key="jdupre@example.com").colleague == colleague
    assert Contact.objects.get(owner=helene, name="Reception desk").key.startswith("uid:AAMkAGVm")
    # Only the employee's own mailbox, with the token Microsoft gave.
    graph_calls = [r for r in replay.requests if r["path"].startswith("/v1.0/")]
    assert {r["path"].split("/contacts")[0] for r in graph_calls} == {"/v1.0/users/hlefevre@example.com"}
    assert all(r["headers"]["Authorization"].startswith("Bearer eyJ0eXAi") for r in graph_calls)
    token_request = next(r for r in replay.requests if r["path"].endswith("/oauth2/v2.0/token"))
    assert "grant_type=client_credentials" in token_request["body"]
    assert "scope=https%3A%2F%2F127.0.0.1" in token_request["body"]


def test_a_refused_application_secret_fails_the_import_with_microsofts_reason(
    client, helene, settings, tmp_path, celery_eager
):
    with Replay(tmp_path, "graph_token.json", "graph_token_refused.json") as replay:
        replay.exchanges = [e for e in replay.exchanges if not (
            e["request"]["path"].endswith("/token") and e["response"]["status"] == 200)]  # fmt: skip
        _configure(settings, replay)
        client.post("/contacts/import/exchange/")
    job = ContactImport.objects.get()
    assert job.state == ImportState.FAILED
    assert job.message.startswith("Microsoft refused the application's credentials: AADSTS7000215")
    assert "AADSTS7000215" in client.get(f"/contacts/imports/{job.pk}/").content.decode()


def test_a_mailbox_exchange_online_does_not_know(client, settings, tmp_path, celery_eager):
    user = ProfileFactory(user__email="nomailbox@example.com").user
    client.force_login(user)
    with Replay(tmp_path, "graph_token.json", "graph_contacts.json") as replay:
        _configure(settings, replay)
        client.post("/contacts/import/exchange/")
    job = ContactImport.objects.get()
    assert job.state == ImportState.FAILED
    assert job.message == "Exchange Online has no mailbox for nomailbox@example.com."


def test_without_configuration_there_is_no_exchange_import(client, helene):
    assert "Exchange Online" not in client.get("/contacts/").content.decode()
    response = client.post("/contacts/import/exchange/", follow=True)
    assert "This Exchange import is not configured here: ask your administrator." in response.content.decode()
    assert not ContactImport.objects.exists()

"""Contacts from Exchange on premises (EWS through exchangelib, with impersonation), against
recorded SOAP exchanges replayed by a local HTTPS server."""

import pytest

from apps.directory.models import Contact, ContactImport, ImportState
from tests.directory.replay import Replay
from tests.factories import ProfileFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _configure(settings, replay):
    settings.EWS_URL = f"{replay.base}/EWS/Exchange.asmx"
    settings.EWS_USERNAME, settings.EWS_PASSWORD = "svc-social@corp.example.com", "recorded-password"
    settings.EWS_AUTH_TYPE, settings.EWS_VERSION, settings.EWS_CA_BUNDLE = "basic", "15.1.2507.6", replay.ca_file


def test_an_employee_imports_their_exchange_contacts(client, settings, tmp_path, celery_eager):
    helene = ProfileFactory(user__email="hlefevre@example.com").user
    colleague = ProfileFactory(user__email="jdupre@example.com").user
    client.force_login(helene)
    with Replay(tmp_path, "ews_contacts.json") as replay:
        _configure(settings, replay)
        assert "Import my Outlook contacts (Exchange)" in client.get("/contacts/").content.decode()
        client.post("/contacts/import/exchange/", {"source": "ews"})
    assert replay.unexpected == []
    job = ContactImport.objects.get()
    assert job.state == ImportState.SUCCEEDED, job.message
    assert (job.created, job.errors) == (3, [])
    segolene = Contact.objects.get(owner=helene, key="segolene.martin@fabrikam.example")
    assert segolene.emails == ["segolene.martin@fabrikam.example", "smartin@perso.example"]
    assert segolene.phones == ["+33 1 44 55 66 77", "+33 6 44 55 66 77"]
    jerome = Contact.objects.get(owner=helene, key="jdupre@example.com")  # the legacy DN left out
    assert jerome.colleague == colleague
    assert Contact.objects.get(owner=helene, name="Reception & Accueil").company == "Fabrikam"
    # The service account acts as the employee, and as nobody else.
    soap = [r["body"] for r in replay.requests]
    assert all("<t:PrimarySmtpAddress>hlefevre@example.com</t:PrimarySmtpAddress>" in body for body in soap)
    assert all(r["headers"]["Authorization"].startswith("Basic ") for r in replay.requests)


def test_a_mailbox_the_service_account_may_not_impersonate(client, settings, tmp_path, celery_eager):
    denied = ProfileFactory(user__email="denied@example.com").user
    client.force_login(denied)
    with Replay(tmp_path, "ews_contacts.json") as replay:
        _configure(settings, replay)
        client.post("/contacts/import/exchange/", {"source": "ews"})
    job = ContactImport.objects.get()
    assert job.state == ImportState.FAILED
    assert "permission to impersonate" in job.message
    assert not Contact.objects.exists()

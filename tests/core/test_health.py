import pytest
from django.conf import settings


@pytest.mark.django_db
def test_healthz_is_public_json_without_a_worker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"db": "ok", "redis": "ok", "worker": "down"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_reveals_no_secrets(client):
    body = client.get("/healthz").content.decode()
    for secret in (settings.SECRET_KEY, settings.REDIS_URL, settings.DATABASES["default"]["NAME"]):
        assert secret not in body


def test_healthz_sees_a_running_worker(client, celery_worker):
    assert client.get("/healthz").json() == {"db": "ok", "redis": "ok", "worker": "ok"}


@pytest.mark.django_db
def test_healthz_reports_redis_down(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    assert client.get("/healthz").json() == {"db": "ok", "redis": "down", "worker": "down"}


@pytest.mark.django_db
def test_healthz_only_answers_get(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_measures_are_reused_for_a_few_seconds(client, settings, monkeypatch):
    from apps.core import health

    calls = []
    monkeypatch.setattr(health, "_measure", lambda: calls.append(1) or {"db": "ok", "redis": "ok", "worker": "ok"})
    monkeypatch.setattr(health, "_last", None)
    settings.HEALTHZ_CACHE_SECONDS = 60
    for _ in range(5):
        assert client.get("/healthz").json()["worker"] == "ok"
    assert len(calls) == 1

"""The fault tests' own apparatus works: an app process on a Redis of its own serves a
signed-in page and reports its health."""

import pytest

from tests.factories import UserFactory
from tests.faults.stack import app_process, dedicated_redis, signed_in_as

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_web_process_on_its_own_redis_serves_a_signed_in_page():
    user = UserFactory()
    with dedicated_redis() as redis_server, app_process("web", redis_server.url) as web:
        session = signed_in_as(web.base, user)
        assert session.get(f"{web.base}/healthz", timeout=10).json()["redis"] == "ok"
        redis_server.kill()
        assert session.get(f"{web.base}/healthz", timeout=10).json()["redis"] == "down"

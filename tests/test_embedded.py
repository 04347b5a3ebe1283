"""The embedded servers' life cycle: the last user to leave stops them."""

import subprocess

import pytest
import redis

from config import embedded


@pytest.fixture
def fresh_var(tmp_path, monkeypatch):
    monkeypatch.setattr(embedded, "VAR_DIR", tmp_path)
    yield tmp_path
    embedded.stop_redis()


def _answers(url: str) -> bool:
    try:
        return redis.Redis.from_url(url, socket_connect_timeout=0.5).ping()
    except redis.ConnectionError:
        return False


def test_redis_stops_when_its_last_user_leaves(fresh_var):
    other = subprocess.Popen(["sleep", "60"])
    try:
        url = embedded.attach("redis", other.pid)
        assert embedded.attach("redis", 999_999_999) == url
        assert url.startswith("redis://:") and "@127.0.0.1:" in url
        assert _answers(url)
        # The other user is still alive: leaving does not stop the server.
        assert embedded.detach(999_999_999) == []
        assert _answers(url)
    finally:
        other.kill()
        other.wait()
    # A user that died without detaching is not waited for.
    assert embedded.attach("redis", 999_999_998) == url
    assert embedded.detach(999_999_998) == ["redis"]
    assert not _answers(url)


def test_redis_requires_its_password(fresh_var):
    url = embedded.attach("redis", 999_999_997)
    port = url.rsplit(":", 1)[1].split("/")[0]
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host="127.0.0.1", port=int(port)).ping()
    embedded.detach(999_999_997)


def test_a_process_that_was_not_a_user_stops_nothing(fresh_var):
    url = embedded.attach("redis", 999_999_996)
    assert embedded.detach(12345) == []
    assert _answers(url)
    embedded.detach(999_999_996)

"""Production settings: `check --deploy` is clean, and unsafe configurations refuse to start."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent


def _production_env(**overrides) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "social.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://social.example.com",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
        "EMBEDDED_DATABASE": "",
        "EMBEDDED_REDIS": "",
        # Production's default (HTTPS on), not the tests' plain HTTP.
        "HTTPS": None,
    }
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def _manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"SECRET_KEY": "django-insecure-development-key-never-use-in-production"}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_unsafe_settings(overrides, message):
    env = _production_env(**overrides)
    if overrides.get("SECRET_KEY", "") is None:
        env.pop("SECRET_KEY", None)
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_debug_is_off_unless_asked_for():
    assert settings.DEBUG is False


def test_channel_layer_and_broker_are_redis():
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.pubsub.RedisPubSubChannelLayer"
    assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"][0]["address"] == settings.REDIS_URL
    assert settings.CELERY_BROKER_URL == settings.REDIS_URL
    assert settings.CELERY_TASK_ALWAYS_EAGER is False
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _connect_src(**overrides) -> subprocess.CompletedProcess:
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(' '.join(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['connect-src']))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **overrides}
    return subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_pages_may_connect_to_the_live_process_and_nowhere_else():
    assert _connect_src(LIVE_URL="").stdout.split() == ["'self'"]
    assert _connect_src(LIVE_URL="wss://live.example.com/ws/").stdout.split() == ["'self'", "wss://live.example.com"]
    assert _connect_src(LIVE_URL="ws://127.0.0.1:8001/ws/").stdout.split() == ["'self'", "ws://127.0.0.1:8001"]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8001/ws/", "ws://127.0.0.1:8001/", "ws:///ws/", "ws://127.0.0.1:8001/ws/?x=1", "8001"]
)
def test_a_live_url_that_is_not_a_socket_address_refuses_to_start(url):
    result = _connect_src(LIVE_URL=url)
    assert result.returncode != 0
    assert "LIVE_URL must be a ws:// or wss:// address" in result.stderr


@pytest.mark.parametrize("seconds", ["0", "-5", "61", "soon"])
def test_a_session_check_interval_out_of_range_refuses_to_start(seconds):
    result = _connect_src(LIVE_SESSION_CHECK_SECONDS=seconds)
    assert result.returncode != 0
    assert "LIVE_SESSION_CHECK_SECONDS" in result.stderr


# ---------------------------------------------------------------- the embedded servers are asked for


def _setup_in_clean_environment(var_dir: Path, **variables) -> subprocess.CompletedProcess:
    """`django.setup()` in a process given only these variables. The empty ones are set empty
    rather than left out, so that a developer's .env (which settings read) cannot fill them."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(var_dir),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "VAR_DIR": str(var_dir),
        "DEBUG": "",
        "DATABASE_URL": "",
        "REDIS_URL": "",
        "EMBEDDED_SERVERS": "",
        "EMBEDDED_DATABASE": "",
        "EMBEDDED_REDIS": "",
        "SECRET_KEY": "",
        **variables,
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_without_database_url_and_debug_off_a_process_refuses_to_start_and_starts_nothing(tmp_path):
    result = _setup_in_clean_environment(tmp_path)
    assert result.returncode != 0
    assert "django.core.exceptions.ImproperlyConfigured: DATABASE_URL and REDIS_URL are not set" in result.stderr
    assert "EMBEDDED_SERVERS=1" in result.stderr
    # No local database started, no key generated for it.
    assert list(tmp_path.iterdir()) == []


def test_manage_py_without_the_servers_says_why_in_one_line_and_fails(tmp_path):
    """Not Django's "Models aren't loaded yet" after a long traceback: the reason, exit 1."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "VAR_DIR": str(tmp_path),
        **dict.fromkeys(("DEBUG", "DATABASE_URL", "REDIS_URL", "EMBEDDED_SERVERS", "SECRET_KEY"), ""),
    }
    result = _manage("showmigrations", env=env)
    assert result.returncode == 1
    assert result.stderr.startswith("manage.py: DATABASE_URL and REDIS_URL are not set."), result.stderr
    assert "Traceback" not in result.stderr and "EMBEDDED_SERVERS=1" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_makemigrations_check_runs_on_a_fresh_clone_without_the_servers(tmp_path):
    """It reads the code, not a site's data: the embedded servers serve it, and it passes
    while the models and migrations agree."""
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "VAR_DIR": str(tmp_path),
        **dict.fromkeys(("DEBUG", "DATABASE_URL", "REDIS_URL", "EMBEDDED_SERVERS", "SECRET_KEY"), ""),
    }
    result = _manage("makemigrations", "--check", "--dry-run", env=env)
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_without_redis_url_a_process_refuses_to_start_naming_it(tmp_path):
    result = _setup_in_clean_environment(tmp_path, DATABASE_URL=os.environ["DATABASE_URL"])
    assert result.returncode != 0
    assert "ImproperlyConfigured: REDIS_URL is not set" in result.stderr
    assert "EMBEDDED_SERVERS=1" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_with_both_urls_a_process_starts_without_the_embedded_servers(tmp_path):
    result = _setup_in_clean_environment(
        tmp_path,
        DATABASE_URL=os.environ["DATABASE_URL"],
        REDIS_URL=os.environ["REDIS_URL"],
        SECRET_KEY=secrets.token_urlsafe(50),
        STATIC_ROOT=str(tmp_path / "static"),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["static"]


@pytest.mark.skipif(not os.environ.get("EMBEDDED_DATABASE"), reason="the suite runs on servers of its own")
def test_embedded_servers_asked_for_start_with_a_key_kept_under_var():
    """As make test and make bench ask (pyproject.toml): this test run's own embedded servers."""
    var_dir = Path(os.environ.get("VAR_DIR", BASE_DIR / "var")).resolve()
    result = _setup_in_clean_environment(var_dir, EMBEDDED_SERVERS="1")
    assert result.returncode == 0, result.stderr
    assert (var_dir / "secret_key").exists()

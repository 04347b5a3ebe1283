"""No Docker engine runs here: check what can be checked of the Dockerfile and the compose file."""

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from django.urls import resolve

BASE_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def _compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_compose_has_the_production_shape():
    services = _compose()["services"]
    assert {"postgres", "redis", "web", "live", "worker", "beat", "migrate"} <= set(services)
    for name in ("postgres", "redis", "web", "live", "worker", "beat"):
        assert "healthcheck" in services[name], name
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["redis"]["condition"] == "service_healthy"
    assert {"pgdata", "redisdata", "media"} <= set(_compose()["volumes"])


def test_compose_requires_a_secret_key_and_hosts():
    environment = _compose()["services"]["web"]["environment"]
    assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert environment["ALLOWED_HOSTS"].startswith("${ALLOWED_HOSTS:?")
    assert "*" not in environment["ALLOWED_HOSTS"].split(",")


def _commands() -> list[list[str]]:
    services = _compose()["services"]
    commands = [services[name]["command"] for name in ("migrate", "live", "worker", "beat")]
    dockerfile_cmd = re.search(r"^CMD (\[.*\])$", (BASE_DIR / "Dockerfile").read_text(), re.M).group(1)
    commands.append(yaml.safe_load(dockerfile_cmd))
    return commands


def test_every_command_named_exists_in_the_project():
    for command in _commands():
        text = " ".join(command)
        if command[0] == "python":
            assert command[1] == "manage.py" and (BASE_DIR / "manage.py").exists()
            from django.core.management import get_commands

            assert command[2] in get_commands(), command
        elif command[0] == "celery":
            assert command[1:3] == ["-A", "config"]
            assert (VENV_BIN / "celery").exists()
            assert importlib.import_module("config.celery").app.main == "enterprise"
        else:
            module = re.search(r"uvicorn (config\.asgi(?:_live)?):application", text).group(1)
            assert (VENV_BIN / "uvicorn").exists()
            assert callable(importlib.import_module(module).application)


def test_health_checks_use_a_real_route():
    healthcheck = " ".join(_compose()["services"]["web"]["healthcheck"]["test"])
    assert "/healthz" in healthcheck
    # The live process answers /healthz itself (tests/realtime/test_live_process.py).
    assert "8001/healthz" in " ".join(_compose()["services"]["live"]["healthcheck"]["test"])
    assert resolve("/healthz").url_name == "healthz"
    assert "/healthz" in (BASE_DIR / "Dockerfile").read_text()


def test_dockerfile_is_multi_stage_non_root_and_collects_static():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) == 2
    assert re.search(r"^USER app$", dockerfile, re.M)
    assert "collectstatic" in dockerfile
    assert "pybabel compile" in dockerfile
    for copied in re.findall(r"^COPY (?!--from)(\S+) ", dockerfile, re.M):
        assert (BASE_DIR / copied).exists(), copied


def test_dockerignore_keeps_secrets_and_local_state_out():
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".env", "var", ".venv", ".git"} <= set(ignored)


def test_compose_file_parses_with_docker_compose_when_available():
    docker = shutil.which("docker")
    if docker is None or subprocess.run([docker, "compose", "version"], capture_output=True).returncode != 0:
        # Only the YAML parse above is possible without the compose plugin.
        return
    result = subprocess.run(
        [docker, "compose", "config", "--quiet"],
        cwd=BASE_DIR,
        env={"SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "social.example.com", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr


def test_every_uvicorn_runs_as_make_run_starts_it():
    """The same options everywhere (the lean WebSocket protocol among them)."""
    from config.run import UVICORN_OPTIONS

    expected = " ".join(UVICORN_OPTIONS)
    uvicorns = [" ".join(command) for command in _commands() if "uvicorn" in " ".join(command)]
    assert len(uvicorns) == 2  # the Dockerfile's web, the compose file's live
    for command in uvicorns:
        assert expected in command, command

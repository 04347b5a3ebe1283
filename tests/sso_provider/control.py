"""The tests' handle on the test identity provider (tests/sso_provider): start it as a
process on its own database, then add, rename or disable people in it as the company's
directory would."""

import contextlib
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import requests
from psycopg import sql

from tests.benchmarks.support import free_port

BASE_DIR = Path(__file__).resolve().parents[2]


@dataclass
class IdentityProvider:
    url: str
    database_url: str

    @property
    def issuer(self) -> str:
        return f"{self.url}/openid"

    def _execute(self, query, params=()):
        with psycopg.connect(self.database_url, autocommit=True) as connection:
            connection.execute(query, params)

    def add_person(self, username: str, password: str, *, email: str, first_name: str, last_name: str) -> None:
        from django.contrib.auth.hashers import MD5PasswordHasher

        self._execute(
            "INSERT INTO auth_user (username, password, email, first_name, last_name, is_active, is_staff,"
            " is_superuser, date_joined) VALUES (%s, %s, %s, %s, %s, true, false, false, now())",
            (username, MD5PasswordHasher().encode(password, MD5PasswordHasher().salt()), email, first_name, last_name),
        )

    def update_person(self, username: str, **fields) -> None:
        assignments = sql.SQL(", ").join(sql.SQL("{} = %s").format(sql.Identifier(name)) for name in fields)
        self._execute(
            sql.SQL("UPDATE auth_user SET {} WHERE username = %s").format(assignments), (*fields.values(), username)
        )


@contextlib.contextmanager
def identity_provider(*, client_id: str, client_secret: str, redirect_uri: str):
    """Yields a running IdentityProvider whose one client is the product at redirect_uri."""
    server = urlsplit(os.environ["DATABASE_URL"])
    name = f"sso_idp_{os.getpid()}"
    maintenance = urlunsplit(server._replace(path="/postgres"))
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    database_url = urlunsplit(server._replace(path=f"/{name}"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.sso_provider", "127.0.0.1", str(port), client_id, client_secret, redirect_uri],
        cwd=BASE_DIR,
        env={**os.environ, "IDP_DATABASE_URL": database_url, "IDP_SITE_URL": url},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the test identity provider exited"
            assert time.monotonic() < deadline, "the test identity provider did not start"
            with contextlib.suppress(requests.RequestException):
                if requests.get(f"{url}/openid/.well-known/openid-configuration", timeout=2).ok:
                    break
            time.sleep(0.2)
        yield IdentityProvider(url=url, database_url=database_url)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        with psycopg.connect(maintenance, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))

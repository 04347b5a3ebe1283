"""The database connection's settings, read from the environment (settings.py calls this)."""

import environ
from django.core.exceptions import ImproperlyConfigured

from config.database_connection import bounded_connection_class


def database_settings(env: environ.Env) -> dict:
    """DATABASES["default"] from DATABASE_URL and its tuning variables."""
    database = env.db("DATABASE_URL")
    database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    database["CONN_HEALTH_CHECKS"] = True
    # Lets two test runs share one server (default: "test_" + the database name).
    database["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}
    database.setdefault("OPTIONS", {})
    # Every process: a server that accepts the connection but never answers (stopped, or
    # unreachable behind a firewall that drops packets) fails the connection after this
    # long (whole seconds, at least 2: libpq's rule).
    database["OPTIONS"].setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=2))
    # Short queries over many small subplans look expensive to the planner, which then spends
    # seconds JIT-compiling them (measured: 2.3 s for a 2 ms feed page). Not for this workload.
    # Feed statements, bound on the server (apps/core/prepared.py), are prepared at their first run
    # on a connection and planned once for every viewer: a generic plan, read off the indexes the
    # same way whatever the values. Django's other queries are bound on the client and never
    # prepared, so neither setting touches them.
    database["OPTIONS"].setdefault("options", "-c jit=off -c plan_cache_mode=force_generic_plan")
    # Off (DATABASE_PREPARED_STATEMENTS=false) behind a pooler that cannot keep named prepared
    # statements, such as PgBouncer before 1.21 in transaction mode: the statements are still
    # bound on the server, but planned at each run.
    database["OPTIONS"].setdefault(
        "prepare_threshold", 0 if env.bool("DATABASE_PREPARED_STATEMENTS", default=True) else None
    )
    # A pool of connections for the web server (psycopg_pool): no connection to open per request,
    # and prepared statements that outlive it. Not for Celery's forked workers (a pool opened
    # before the fork would be shared), so `make run` sets it for the web server only.
    pool_size = env.int("DATABASE_POOL_SIZE", default=0)
    if pool_size:
        database["CONN_MAX_AGE"] = 0  # the pool keeps the connections instead
        database["OPTIONS"]["pool"] = {"min_size": 1, "max_size": pool_size, **_request_timeouts(env, database)}
    return database


def _request_timeouts(env: environ.Env, database: dict) -> dict:
    """The bounds that make a page answer within seconds, even a 503, whatever the database
    does. Only for the processes that pool their connections: the web and live servers
    (`make run`, the Dockerfile and docker-compose set DATABASE_POOL_SIZE for them alone).
    Migrations, management commands, Celery's tasks and `make bench`'s seeding connect
    without a pool, so a long statement of theirs is never cut."""
    # On the server: a statement running longer is cancelled (a clean error; the connection
    # stays usable). Generous for a page: the feed's statements take milliseconds.
    statement_timeout = env.float("DATABASE_STATEMENT_TIMEOUT", default=3.0)
    # On the client: each wait for the server's answer (config/database_connection.py).
    # Longer than statement_timeout, so that a slow statement is the server's to cancel.
    read_timeout = env.float("DATABASE_READ_TIMEOUT", default=(statement_timeout or 3.0) + 0.5)
    # A request that finds every pooled connection busy waits this long for one (PoolTimeout).
    pool_timeout = env.float("DATABASE_POOL_TIMEOUT", default=3.0)
    if statement_timeout < 0 or read_timeout <= 0 or pool_timeout <= 0:
        raise ImproperlyConfigured("DATABASE_STATEMENT_TIMEOUT, _READ_TIMEOUT and _POOL_TIMEOUT must be positive.")
    if statement_timeout and read_timeout <= statement_timeout:
        raise ImproperlyConfigured("DATABASE_READ_TIMEOUT must be longer than DATABASE_STATEMENT_TIMEOUT.")
    if statement_timeout:
        database["OPTIONS"]["options"] += f" -c statement_timeout={round(statement_timeout * 1000)}"
    return {"timeout": pool_timeout, "connection_class": bounded_connection_class(read_timeout)}

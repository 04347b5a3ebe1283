"""The database connection's settings, read from the environment (settings.py calls this)."""

import environ


def database_settings(env: environ.Env) -> dict:
    """DATABASES["default"] from DATABASE_URL and its tuning variables."""
    database = env.db("DATABASE_URL")
    database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
    database["CONN_HEALTH_CHECKS"] = True
    # Lets two test runs share one server (default: "test_" + the database name).
    database["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME", default=None)}
    database.setdefault("OPTIONS", {})
    database["OPTIONS"].setdefault("connect_timeout", 5)
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
        database["OPTIONS"]["pool"] = {"min_size": 1, "max_size": pool_size, "timeout": 10}
    return database

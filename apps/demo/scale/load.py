"""The load's session: its options and running parameters, the SQL helpers every stage uses, and
what surrounds the stages: the seeded random function, the locks, settings and secondary indexes
set aside before, then the integrity checks, the self-check and the cleanup after."""

import random
import time
from collections.abc import Callable
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from apps.demo.scale.checks import self_check
from apps.demo.scale.options import ScaleOptions


def _seed_fn_sql(seed: int) -> str:
    # A uniform number in [0, 1) from (key, salt): hash-based, so that it does not depend on the
    # order in which PostgreSQL evaluates rows. Inlined by the planner (one SQL expression).
    return (
        "CREATE OR REPLACE FUNCTION pg_temp.seed_r(k bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE AS "
        f"$$ SELECT (hashint8extended(k, {int(seed)} * 1000 + salt) & 2147483647)::float8 / 2147483648.0 $$"
    )


TEMPORARY = ["seed_am", "seed_cm", "seed_post", "seed_body", "seed_cbody", "seed_poll_option", "seed_tag", "seed_cw"]
TEMPORARY += ["seed_profile", "seed_cc", "seed_rc"]

# (table, column, referenced table): checked by hand when the load ran without FK triggers.
FOREIGN_KEYS = [
    ("profiles_profile", "user_id", "accounts_user"),
    ("profiles_profile", "manager_id", "profiles_profile"),
    ("account_emailaddress", "user_id", "accounts_user"),
    ("communities_community", "created_by_id", "accounts_user"),
    ("communities_membership", "user_id", "accounts_user"),
    ("communities_membership", "community_id", "communities_community"),
    ("profiles_follow", "follower_id", "accounts_user"),
    ("profiles_follow", "followee_id", "accounts_user"),
    ("feeds_hashtagfollow", "user_id", "accounts_user"),
    ("feeds_post", "author_id", "accounts_user"),
    ("feeds_post", "community_id", "communities_community"),
    ("feeds_post", "best_answer_id", "feeds_comment"),
    ("feeds_comment", "post_id", "feeds_post"),
    ("feeds_comment", "author_id", "accounts_user"),
    ("feeds_comment", "parent_id", "feeds_comment"),
    ("feeds_reaction", "post_id", "feeds_post"),
    ("feeds_reaction", "user_id", "accounts_user"),
    ("feeds_polloption", "post_id", "feeds_post"),
    ("feeds_pollvote", "option_id", "feeds_polloption"),
    ("feeds_pollvote", "post_id", "feeds_post"),
    ("feeds_pollvote", "user_id", "accounts_user"),
    ("feeds_praiserecipient", "post_id", "feeds_post"),
    ("feeds_praiserecipient", "user_id", "accounts_user"),
    ("feeds_posthashtag", "post_id", "feeds_post"),
    ("feeds_bookmark", "post_id", "feeds_post"),
    ("feeds_bookmark", "user_id", "accounts_user"),
]
# JIT would spend seconds compiling each of these one-off queries.
SETTINGS = {"work_mem": "256MB", "maintenance_work_mem": "512MB", "jit": "off"}
BULK_MIN_ROWS = 50_000
BULK_TABLES = {
    "profiles_follow": lambda o: o.users * o.follows,
    "communities_membership": lambda o: o.users * o.memberships,
    "feeds_post": lambda o: o.posts,
    "feeds_comment": lambda o: int(o.posts * o.comments),
    "feeds_reaction": lambda o: int(o.posts * o.reactions),
    "feeds_polloption": lambda o: o.posts // 8,
    "feeds_pollvote": lambda o: o.posts // 4,
    "feeds_praiserecipient": lambda o: o.posts // 15,
    "feeds_posthashtag": lambda o: o.posts // 5,
}
# Secondary indexes and the unique constraints they back (never a primary key, nor one a FK uses).
DROPPABLE_INDEXES_SQL = """
SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), c.conname, pg_get_constraintdef(c.oid)
FROM pg_index i
LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')
WHERE i.indrelid = %s::regclass AND NOT i.indisprimary AND coalesce(c.contype, 'u') = 'u'
  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
ORDER BY 1
"""
TABLES = sorted({table for table, _column, _ref in FOREIGN_KEYS} | {"feeds_hashtag", "profiles_profile_skills"})


class Load:
    """One run of seed_scale. Each stage (apps.demo.scale.people, posts, interactions) reads and
    extends `p`, the parameters its SQL is run with (first ids, counts), through these helpers."""

    admin: int  # the site administrator's user id (set by the people stage)
    profile_ids: tuple[int, int]  # the first and last profile of this run (set by the people stage)

    def __init__(self, options: ScaleOptions, log: Callable[[str], None]):
        self.o = options
        self.log = log
        self.rng = random.Random(options.seed)
        self.timings: dict[str, float] = {}
        self.now = timezone.now().replace(microsecond=0)
        self.start = self.now - timedelta(days=options.days)
        self.p: dict = {"now": self.now, "start": self.start}

    # ------------------------------------------------------------ helpers

    def _params(self, sql: str, params):
        if isinstance(params, list):
            return params
        return {**self.p, **(params or {})} if "%(" in sql else None

    def run(self, sql: str, params: dict | list | None = None) -> int:
        with connection.cursor() as cursor:
            cursor.execute(sql, self._params(sql, params))
            return cursor.rowcount

    def value(self, sql: str, params: dict | list | None = None):
        with connection.cursor() as cursor:
            cursor.execute(sql, self._params(sql, params))
            return cursor.fetchone()[0]

    def stage(self, name: str, started: float) -> None:
        self.timings[name] = time.perf_counter() - started
        self.log(f"  {name:<52}{self.timings[name]:8.1f} s")

    def reserve(self, table: str, count: int) -> int:
        """The first of `count` ids nobody else will take (the tables are locked)."""
        with connection.cursor() as cursor:
            next_free = f"(SELECT coalesce(max(id), 0) + 1 FROM {table})"  # noqa: S608 - table names are ours
            cursor.execute(f"SELECT greatest(nextval(pg_get_serial_sequence(%s, 'id')), {next_free})", [table])
            first = cursor.fetchone()[0]
            cursor.execute("SELECT setval(pg_get_serial_sequence(%s, 'id'), %s)", [table, first + max(count, 1) - 1])
        return first

    def copy(self, table: str, columns: list[str], rows) -> None:
        quoted = ", ".join(connection.ops.quote_name(column) for column in columns)
        with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def copy_models(self, model, table: str, rows: list[dict], *, skip=()) -> list[str]:
        """COPY rows of `model` as a new instance would store them, with the columns in each dict set."""
        fields = [f for f in model._meta.concrete_fields if f.column not in skip]
        columns = [f.column for f in fields]
        blank = model()
        template = [f.get_db_prep_save(f.pre_save(blank, True), connection) for f in fields]

        def prepared():
            for values in rows:
                yield [values.get(column, default) for column, default in zip(columns, template, strict=True)]

        self.copy(table, columns, prepared())
        return columns

    # ------------------------------------------------------------ before and after the stages

    def prepare(self) -> None:
        for table in TEMPORARY:
            self.run(f"DROP TABLE IF EXISTS pg_temp.{table}")
        self.run(_seed_fn_sql(self.o.seed))
        self.settings = {name: self.value("SELECT current_setting(%s)", [name]) for name in SETTINGS}
        for name, value in SETTINGS.items():
            self.run("SELECT set_config(%s, %s, true)", [name, value])
        # Ids are chosen here (bodies, addresses and slugs name them): nobody else may insert meanwhile.
        self.run(
            "LOCK TABLE accounts_user, profiles_profile, communities_community, feeds_post, feeds_comment "
            "IN SHARE ROW EXCLUSIVE MODE"
        )
        self.before = {table: self.value(f"SELECT coalesce(max(id), 0) FROM {table}") for table in TABLES}  # noqa: S608
        # FK checks (deferred, one lookup per row at commit) cost more than the load itself; a superuser
        # skips them and the same references are verified below with one anti-join per foreign key.
        self.fast = bool(self.value("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))
        if self.fast:
            self.run("SELECT set_config('session_replication_role', 'replica', true)")
        # A table that at least doubles loses its secondary indexes for the load and gets them back
        # at the end, built in one sort each (what pg_restore does), instead of millions of
        # random insertions. Unique ones are checked again when rebuilt.
        self.dropped: list[tuple[str, str]] = []
        started = time.perf_counter()
        for table, expected in BULK_TABLES.items():
            rows = expected(self.o)
            if rows < BULK_MIN_ROWS or rows < self.value(f"SELECT count(*) FROM {table}"):  # noqa: S608
                continue
            owner = "SELECT pg_has_role(current_user, relowner, 'USAGE') FROM pg_class WHERE oid = %s::regclass"
            if not self.value(owner, [table]):  # only the tables' owner may drop and create their indexes
                continue
            with connection.cursor() as cursor:
                cursor.execute(DROPPABLE_INDEXES_SQL, [table])
                for index, definition, constraint, constraint_definition in cursor.fetchall():
                    if constraint:
                        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(constraint)}")
                        rebuild = f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(constraint)} "
                        self.dropped.append((table, rebuild + constraint_definition))
                    else:
                        cursor.execute(f"DROP INDEX {index}")
                        self.dropped.append((table, definition))
        if self.dropped:
            self.stage(f"secondary indexes set aside ({len(self.dropped)})", started)

    def finish(self) -> str:
        started = time.perf_counter()
        for _table, definition in self.dropped:
            self.run(definition)
        if self.dropped:
            self.stage(f"secondary indexes rebuilt ({len(self.dropped)})", started)
        started = time.perf_counter()
        if self.fast:
            self.run("SELECT set_config('session_replication_role', 'origin', true)")
            broken = []
            for table, column, ref in FOREIGN_KEYS:
                found = self.value(
                    f"SELECT count(*) FROM {table} t WHERE t.id > %(before)s AND t.{column} IS NOT NULL "  # noqa: S608
                    f"AND NOT EXISTS (SELECT 1 FROM {ref} r WHERE r.id = t.{column})",
                    {"before": self.before[table]},
                )
                if found:
                    broken.append(f"{table}.{column}: {found}")
            if broken:
                raise RuntimeError(f"seed_scale generated dangling references: {', '.join(broken)}")
            integrity = "FK triggers skipped during the load (superuser); every new reference verified by anti-join"
        else:
            self.run("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred FK checks, now rather than at commit
            self.run("SET CONSTRAINTS ALL DEFERRED")
            integrity = "FK triggers (deferred checks run before the end of the load)"
        self.stage("integrity checks", started)
        started = time.perf_counter()
        self_check(self.profile_ids, (self.p["p1"], self.p["p2"]))
        for table in TEMPORARY:
            self.run(f"DROP TABLE IF EXISTS pg_temp.{table}")
        self.run("DROP FUNCTION IF EXISTS pg_temp.seed_r(bigint, int)")
        for name, value in self.settings.items():
            self.run("SELECT set_config(%s, %s, true)", [name, value])
        self.stage("self-check against the services, cleanup", started)
        return integrity

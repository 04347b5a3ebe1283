"""Querysets compiled once per process and run with each call's values.

A feed page's query is a dozen subqueries; building and compiling it cost the ORM about
15 ms, several times what PostgreSQL spends running it. Its SQL is the same for every
caller but for a few values (the viewer, the cursor, the community...). So the queryset is
built once with stand-ins for those values, compiled, and each call substitutes its own
values for the stand-ins among the parameters (`compiled` keeps one per shape of SQL).
Rows become model instances exactly as QuerySet iteration makes them (select_related and
annotations included). The feeds, `post_get`, `is_site_admin` and the session use it.

A stand-in is a value no real parameter can take (a negative id, a date in 1901, a NUL in
a text), so a compiled query that kept a stand-in in its SQL text rather than among its
parameters would match nothing: `PreparedQuery` refuses such a query.
"""

from datetime import UTC, datetime

import psycopg
from django.db import connections
from django.db.models.query import get_related_populators

VIEWER = -1_000_000_001
SUBJECT = -1_000_000_002
LAST_ID = -1_000_000_003
SINCE = datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=UTC)
TEXT = "\x00stand-in\x00"
STAND_INS = (VIEWER, SUBJECT, LAST_ID, SINCE, TEXT)


class PreparedQuery:
    def __init__(self, queryset, stand_ins: tuple):
        self.db = queryset.db
        # Django's compiler and row making, undocumented: as_sql(), select, klass_info,
        # annotation_col_map, col_count, get_converters(), get_related_populators() and the
        # connection's make_cursor / make_debug_cursor / queries_log. Checked against Django
        # 5.2.19 and psycopg 3.3.9; tests/core/test_private_apis.py says when an upgrade changes them.
        compiler = queryset.query.get_compiler(using=self.db)
        self.sql, params = compiler.as_sql()
        missing = [value for value in stand_ins if value not in params]
        if missing:
            raise ValueError(f"stand-ins {missing} are not parameters of the compiled query")
        # Where each stand-in goes, so that a call only fills slots.
        self.params = list(params)
        self.slots = [(i, value) for i, value in enumerate(params) if _is_stand_in(value)]
        select, klass_info = compiler.select, compiler.klass_info
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        self.model = klass_info["model"]
        self.model_columns = slice(first, last)
        self.init_list = [column[0].target.attname for column in select[first:last]]
        self.related_populators = get_related_populators(klass_info, select, self.db)
        self.annotations = list(compiler.annotation_col_map.items())
        self.converters = compiler.get_converters([column[0] for column in select[: compiler.col_count]])

    def run(self, values: dict) -> list:
        params = list(self.params)
        for position, stand_in in self.slots:
            params[position] = values[stand_in]
        connection = connections[self.db]
        connection.ensure_connection()
        # Bound on the server, unlike Django's other queries: PostgreSQL then keeps the
        # statement and its plan per connection (settings: prepare_threshold, plan_cache_mode).
        raw = psycopg.Cursor(connection.connection)
        with connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw) as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if connection.queries_logged and connection.queries_log and connection.queries_log[-1]["sql"] is None:
            # psycopg keeps no text of a prepared execution; the query log (tests, debugging)
            # gets the statement with its values.
            connection.queries_log[-1]["sql"] = connection.ops.compose_sql(self.sql, params)
        objects = []
        for row in rows:
            row = list(row)
            for position, (converters, expression) in self.converters.items():
                for converter in converters:
                    row[position] = converter(row[position], expression, connection)
            instance = self.model.from_db(self.db, self.init_list, row[self.model_columns])
            for populator in self.related_populators:
                populator.populate(row, instance)
            for name, position in self.annotations:
                setattr(instance, name, row[position])
            objects.append(instance)
        return objects


def _is_stand_in(value) -> bool:
    return type(value) in (int, datetime, str) and value in STAND_INS


# (statement, its shape) -> (what the caller keeps with it, the statement compiled for any value)
STATEMENTS: dict[tuple, tuple[object, PreparedQuery]] = {}


def compiled(key: tuple, make, stand_ins: tuple) -> tuple:
    """(extra, statement) for `key`; `make()` gives (extra, queryset built with the stand-ins)
    on the first call in this process."""
    if key not in STATEMENTS:
        extra, queryset = make()
        STATEMENTS[key] = extra, PreparedQuery(queryset, stand_ins)
    return STATEMENTS[key]

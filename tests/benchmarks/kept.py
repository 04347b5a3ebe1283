"""Seeded data kept between benchmark runs. With pytest-django's `--reuse-db` the test database
outlives the run; a fixture that seeded it records what it made here, and the next run with
the same parameters reads the record instead of seeding again. Seeding 10,000,000 posts takes
more than an hour on two cores; timing a change against them takes minutes.

Without `--reuse-db` every run starts from an empty database, finds no record, and seeds."""

import json

from django.db import connection

TABLE = "bench_kept_seed"  # not a Django model: the test database's flush never empties it


def recall(key: str) -> dict | None:
    """What a run with the same `key` (the fixture and its parameters) seeded, or None."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (key text PRIMARY KEY, made jsonb NOT NULL)")
        cursor.execute(f"SELECT made FROM {TABLE} WHERE key = %s", [key])  # noqa: S608 - a constant
        row = cursor.fetchone()
    # Django's connection reads jsonb as text, for its own JSONField to decode.
    return json.loads(row[0]) if row else None


def remember(key: str, made: dict) -> None:
    """Record, in the same database as the seeded rows, what was seeded under `key`."""
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (key text PRIMARY KEY, made jsonb NOT NULL)")
        cursor.execute(
            f"INSERT INTO {TABLE} (key, made) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET made = EXCLUDED.made",  # noqa: S608
            [key, json.dumps(made)],
        )

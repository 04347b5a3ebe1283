"""Keyset (cursor) pagination: a page is 'the rows after this one', never an offset."""

import base64
import json


def encode_cursor(values: list) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, *, types: tuple[type, ...]) -> list | None:
    """The values of a cursor, or None for the first page: a damaged or forged cursor
    (wrong length, wrong types) restarts from the beginning."""
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError):
        return None
    if not isinstance(values, list) or len(values) != len(types):
        return None
    # bool is an int to Python, never to a cursor.
    if any(isinstance(v, bool) or not isinstance(v, t) for v, t in zip(values, types, strict=True)):
        return None
    return values


def cursor_datetime(value: str):
    """A cursor's timestamp, or None if it is not an aware ISO datetime (a forged cursor)."""
    from datetime import datetime

    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else None


def rows_after(field: str, value, tie_field: str, tie_value, *, descending: bool = False):
    """The rows after (`field`, `tie_field`) = (`value`, `tie_value`) in that order, as a Q.
    The lone "<=" (or ">=") is what lets an index on (field, tie_field) start the scan at the
    cursor; without it PostgreSQL reads every row before the cursor and filters them out."""
    from django.db.models import Q

    inclusive, strict = ("lte", "lt") if descending else ("gte", "gt")
    return Q(**{f"{field}__{inclusive}": value}) & (
        Q(**{f"{field}__{strict}": value}) | Q(**{f"{tie_field}__{strict}": tie_value})
    )

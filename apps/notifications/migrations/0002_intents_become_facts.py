"""Notifications' intents become the facts app's facts (apps/facts), rows and ids kept.

The rows are copied with their ids, so a "notifications.process_intent" message queued
before the upgrade finds its fact after it, a pending intent is a pending fact the sweep
processes, and receipts keyed by an intent's id ("invitation:12") keep meaning the same
thing. The facts' id sequence continues from the intents', so no id is ever given twice.
The copy, not a table rename, keeps the facts app's own migrations free of any higher app."""

from django.db import migrations

COLUMNS = "id, event, actor_id, data, created_at, processed_at"


def _move_rows(schema_editor, source: str, target: str) -> None:
    """Copy, then empty the source: undoing only notifications' migration leaves the facts
    table in place, and applying it again must not meet the same ids there."""
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {quote(target)} ({COLUMNS}) SELECT {COLUMNS} FROM {quote(source)}")
        # The target's next id comes after every id the source ever gave (rows pruned since too).
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id'), pg_get_serial_sequence(%s, 'id')", [source, target])
        source_sequence, target_sequence = cursor.fetchone()
        cursor.execute(f"SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END FROM {source_sequence}")
        (last_given,) = cursor.fetchone()
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {quote(target)}")
        (highest,) = cursor.fetchone()
        if max(last_given, highest) > 0:
            cursor.execute("SELECT setval(%s, %s)", [target_sequence, max(last_given, highest)])
        cursor.execute(f"DELETE FROM {quote(source)}")


def intents_to_facts(apps, schema_editor):
    _move_rows(schema_editor, "notifications_intent", "facts_fact")


def facts_to_intents(apps, schema_editor):
    _move_rows(schema_editor, "facts_fact", "notifications_intent")


class Migration(migrations.Migration):
    dependencies = [
        ("facts", "0001_initial"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        # Backwards, the table is made again first (operations are undone in reverse), then filled.
        migrations.RunPython(intents_to_facts, facts_to_intents),
        migrations.DeleteModel(name="Intent"),
    ]

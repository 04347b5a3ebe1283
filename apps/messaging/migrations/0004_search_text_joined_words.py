from django.db import migrations

from apps.core.text import substring_search_text

CHUNK = 2000


def rebuild(apps, schema_editor):
    """Each message's search text gains its punctuated words joined up ("O'Brien" is found by
    "obrien"); only rows that differ are written. Deleted messages hold no text."""
    Message = apps.get_model("messaging", "Message")
    last = 0
    while True:
        rows = list(
            Message.objects.filter(pk__gt=last, deleted_at__isnull=True)
            .order_by("pk")
            .values_list("pk", "body", "search_text")[:CHUNK]
        )
        if not rows:
            return
        changed = [
            Message(pk=pk, search_text=substring_search_text(body))
            for pk, body, text in rows
            if substring_search_text(body) != text
        ]
        Message.objects.bulk_update(changed, ["search_text"])
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("messaging", "0003_participation_periods")]

    # The old text stays searchable by the old code: nothing to undo.
    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]

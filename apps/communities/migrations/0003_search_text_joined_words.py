from django.db import migrations

from apps.core.text import substring_search_text


def rebuild(apps, schema_editor):
    """Each community's search text gains its punctuated words joined up ("O'Brien" is found
    by "obrien"), as apps.communities.services._index now writes it."""
    Community = apps.get_model("communities", "Community")
    changed = []
    for community in Community.objects.only("pk", "name", "description", "tags", "search_text").iterator():
        text = substring_search_text(" ".join([community.name, community.description, *community.tags]))
        if text != community.search_text:
            community.search_text = text
            changed.append(community)
    Community.objects.bulk_update(changed, ["search_text"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("communities", "0002_private_addresses")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]

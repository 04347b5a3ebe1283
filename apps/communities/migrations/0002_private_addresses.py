"""Private communities created before the rule in apps/communities/addresses.py held a
readable address, which told others that a private community of that name existed: each
gets a private one. (Links to their old address answer 404 from now on.)"""

import secrets

from django.db import migrations

PRIVATE_PREFIX = "private--"  # as in apps/communities/addresses.py, frozen here


def give_private_communities_private_addresses(apps, schema_editor):
    Community = apps.get_model("communities", "Community")
    for community in Community.objects.filter(visibility="private").exclude(slug__contains="--").only("pk"):
        community.slug = PRIVATE_PREFIX + secrets.token_hex(8)
        community.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [("communities", "0001_initial")]

    operations = [
        migrations.RunPython(give_private_communities_private_addresses, migrations.RunPython.noop, elidable=True)
    ]

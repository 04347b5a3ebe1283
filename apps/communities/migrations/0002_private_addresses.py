"""Private communities created before the rule in apps/communities/addresses.py held a
readable address, which told others that a private community of that name existed: each
gets a private one. (Links to their old address answer 404 from now on.)"""

import secrets

from django.db import migrations

PRIVATE_PREFIX = "private--"  # as in apps/communities/addresses.py, frozen here


def give_private_communities_private_addresses(apps, schema_editor):
    Community = apps.get_model("communities", "Community")
    DirectorySource = apps.get_model("directory", "DirectorySource")
    moves = {}
    for community in Community.objects.filter(visibility="private").exclude(slug__contains="--").only("slug"):
        new = PRIVATE_PREFIX + secrets.token_hex(8)
        moves[community.slug], community.slug = new, new
        community.save(update_fields=["slug"])
    # Directory groups mapped to these communities by address follow them.
    for source in DirectorySource.objects.only("group_communities"):
        mapping = source.group_communities if isinstance(source.group_communities, dict) else {}
        if any(slug in moves for slug in mapping.values()):
            source.group_communities = {group: moves.get(slug, slug) for group, slug in mapping.items()}
            source.save(update_fields=["group_communities"])


class Migration(migrations.Migration):
    dependencies = [("communities", "0001_initial"), ("directory", "0001_initial")]

    operations = [
        migrations.RunPython(give_private_communities_private_addresses, migrations.RunPython.noop, elidable=True)
    ]

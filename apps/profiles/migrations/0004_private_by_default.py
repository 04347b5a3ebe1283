from django.db import migrations

# Private by default: until an administrator decides otherwise, only the owner and the
# administrators see these.
PRIVATE_BY_DEFAULT = ["phone_mobile", "birthday"]


def make_private(apps, schema_editor):
    policy = apps.get_model("profiles", "ProfileFieldPolicy")
    for field in PRIVATE_BY_DEFAULT:
        policy.objects.get_or_create(field=field, defaults={"is_private": True})


class Migration(migrations.Migration):
    dependencies = [("profiles", "0003_skill_folded_unique")]

    operations = [migrations.RunPython(make_private, migrations.RunPython.noop)]

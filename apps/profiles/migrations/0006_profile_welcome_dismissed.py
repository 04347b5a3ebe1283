import django.contrib.postgres.fields
from django.db import migrations, models


def _field(default):
    return django.contrib.postgres.fields.ArrayField(
        base_field=models.CharField(max_length=20),
        blank=True,
        db_default=models.Value(default),
        default=list,
        editable=False,
        size=None,
    )


class Migration(migrations.Migration):
    """The welcome steps' dismissals. The people already here when it ships are past their
    welcome: their panel is over ("all"), whoever comes later sees it. The column is added
    with "all" as its default, which PostgreSQL stores once rather than in every row (no
    rewrite of the table), and the default then becomes the empty list for new rows."""

    dependencies = [
        ("profiles", "0005_search_words"),
    ]

    operations = [
        migrations.AddField(model_name="profile", name="welcome_dismissed", field=_field(["all"])),
        migrations.AlterField(model_name="profile", name="welcome_dismissed", field=_field([])),
    ]

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_intents_become_facts")]

    operations = [
        # Nullable, with no default in the database: PostgreSQL only records the column, no
        # row is rewritten (the rows made before show their updated_at). New rows get the
        # event's time from the service, now otherwise (a Python default: no SQL).
        migrations.AddField(
            model_name="notification",
            name="occurred_at",
            field=models.DateTimeField(null=True),
        ),
        migrations.AlterField(
            model_name="notification",
            name="occurred_at",
            field=models.DateTimeField(null=True, default=django.utils.timezone.now),
        ),
    ]

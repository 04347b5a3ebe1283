import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_intents_become_facts")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="occurred_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        # The rows made before: their best guess is when they were last touched.
        migrations.RunSQL(
            "UPDATE notifications_notification SET occurred_at = updated_at",
            reverse_sql=migrations.RunSQL.noop,
        ),
    ]

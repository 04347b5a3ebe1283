from django.db import migrations

# A tag row kept the spelling of its first use, which can be a private post's: nothing
# reads it any more (selectors.hashtag_spelling takes a post the viewer may read), and no
# post's spelling stays at rest in it either.
FORGET_SPELLINGS = "UPDATE feeds_hashtag SET display = name WHERE display <> name"


class Migration(migrations.Migration):
    dependencies = [("feeds", "0003_attachment_processing")]

    operations = [migrations.RunSQL(FORGET_SPELLINGS, migrations.RunSQL.noop)]

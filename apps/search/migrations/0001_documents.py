"""Search's own SQL: the folding and the document every searchable row carries.

- `search_fold(text)`: lower case, no accents or ligatures ("Œuvre" -> "oeuvre"), one kind of
  apostrophe, dash and space. PostgreSQL's `unaccent` is a contrib extension, which the
  embedded PostgreSQL does not have: this is `apps.core.text.fold` (the Python side) written
  out as one `translate()` over the Latin letters, frozen here; tests/search/test_language.py
  checks that the two agree letter by letter.
- `search_document(text)`: the folded text's English stems and its French stems together, so
  "meetings" finds "meeting" and "réunions" finds "réunion" whatever the language of either.
  Between the two, one "§": `||` numbers the second half's words after the first's, and
  without that gap the text's last word and its first would read as a phrase ("budget"
  then "review" in "review of the budget"). No query can ask for "§" (the parser drops it).
- A stored, generated `search_document` column with a GIN index on each searchable table of
  the apps below search: PostgreSQL computes it in the row's own INSERT or UPDATE, so a row is
  searchable when its transaction commits and no writer (a service, a bulk update, the
  directory sync, a data migration) can forget to index it or leave a stale entry.
"""

import apps.search.models
import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models


FOLD = "CREATE FUNCTION search_fold(text) RETURNS text\nLANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE\nAS $fold$ SELECT lower(translate(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(replace($1, 'Æ', 'ae'), 'Þ', 'th'), 'ß', 'ss'), 'æ', 'ae'), 'þ', 'th'), 'Ĳ', 'ij'), 'ĳ', 'ij'), 'Œ', 'oe'), 'œ', 'oe'), 'Ǆ', 'dz'), 'ǅ', 'dz'), 'ǆ', 'dz'), 'Ǉ', 'lj'), 'ǈ', 'lj'), 'ǉ', 'lj'), 'Ǌ', 'nj'), 'ǋ', 'nj'), 'ǌ', 'nj'), 'Ǣ', 'ae'), 'ǣ', 'ae'), 'Ǳ', 'dz'), 'ǲ', 'dz'), 'ǳ', 'dz'), 'Ǽ', 'ae'), 'ǽ', 'ae'), 'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïðñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŊŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſƁƂƄƆƇƉƊƋƎƏƐƑƓƔƖƗƘƜƝƟƠơƢƤƦƧƩƬƮƯưƱƲƳƵƷƸƼǍǎǏǐǑǒǓǔǕǖǗǘǙǚǛǜǞǟǠǡǤǦǧǨǩǪǫǬǭǮǯǰǴǵǶǷǸǹǺǻǾǿȀȁȂȃȄȅȆȇȈȉȊȋȌȍȎȏȐȑȒȓȔȕȖȗȘșȚțȜȞȟȠȢȤȦȧȨȩȪȫȬȭȮȯȰȱȲȳȺȻȽȾɁɃɄɅɆɈɊɌɎ’‘ʼ′´`‐‑‒–—―−\xa0\u2007\u202f\u2009\u200a', 'aaaaaaceeeeiiiidnoooooouuuuyaaaaaaceeeeiiiidnoooooouuuuyyaaaaaaccccccccddddeeeeeeeeeegggggggghhħiiiiiiiiiijjkkllllllllnnnnnnŋoooooorrrrrrssssssssttttŧuuuuuuuuuuuuwwyyyzzzzzzsɓƃƅɔƈɖɗƌǝəɛƒɠɣɩɨƙɯɲɵooƣƥʀƨʃƭʈuuʊʋƴƶʒƹƽaaiioouuuuuuuuuuaaaaǥggkkooooʒʒjggƕƿnnaaooaaaaeeeeiiiioooorrrruuuussttȝhhƞȣȥaaeeooooooooyyⱥȼƚⱦɂƀʉʌɇɉɋɍɏ''''''''''''-------     ')) $fold$"

DOCUMENT = "CREATE FUNCTION search_document(text) RETURNS tsvector\nLANGUAGE sql IMMUTABLE PARALLEL SAFE\n-- The function is called by the generated columns while pg_restore runs with an empty\n-- search_path: it finds search_fold where it was created.\nSET search_path FROM CURRENT\nAS $doc$ SELECT to_tsvector('english'::regconfig, search_fold(coalesce($1, '')))\n             || '\u00a7:1'::tsvector\n             || to_tsvector('french'::regconfig, search_fold(coalesce($1, ''))) $doc$"

COLUMNS = [
    ('ALTER TABLE feeds_post ADD COLUMN search_document tsvector GENERATED ALWAYS AS (search_document(body)) STORED', 'ALTER TABLE feeds_post DROP COLUMN search_document'),
    ('CREATE INDEX feeds_post_search_gin ON feeds_post USING gin (search_document) WHERE deleted_at IS NULL', 'DROP INDEX feeds_post_search_gin'),
    ('ALTER TABLE feeds_comment ADD COLUMN search_document tsvector GENERATED ALWAYS AS (search_document(body)) STORED', 'ALTER TABLE feeds_comment DROP COLUMN search_document'),
    ('CREATE INDEX feeds_comment_search_gin ON feeds_comment USING gin (search_document) WHERE deleted_at IS NULL', 'DROP INDEX feeds_comment_search_gin'),
    ('ALTER TABLE feeds_polloption ADD COLUMN search_document tsvector GENERATED ALWAYS AS (search_document(label)) STORED', 'ALTER TABLE feeds_polloption DROP COLUMN search_document'),
    ('CREATE INDEX feeds_polloption_search_gin ON feeds_polloption USING gin (search_document)', 'DROP INDEX feeds_polloption_search_gin'),
    ("ALTER TABLE feeds_attachment ADD COLUMN search_document tsvector GENERATED ALWAYS AS (search_document(name || ' ' || regexp_replace(name, '[[:punct:]]+', ' ', 'g'))) STORED", 'ALTER TABLE feeds_attachment DROP COLUMN search_document'),
    ('CREATE INDEX feeds_attachment_search_gin ON feeds_attachment USING gin (search_document)', 'DROP INDEX feeds_attachment_search_gin'),
]


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('feeds', '0004_hashtag_display_is_the_name'),
    ]

    operations = [
        migrations.RunSQL(FOLD, 'DROP FUNCTION search_fold(text)'),
        migrations.RunSQL(DOCUMENT, 'DROP FUNCTION search_document(text)'),
        *[migrations.RunSQL(sql, reverse) for sql, reverse in COLUMNS],
        migrations.CreateModel(
            name='FileText',
            fields=[
                ('attachment', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='feeds.attachment')),
                ('status', models.CharField(choices=[('pending', 'Pending'), ('ok', 'Ok'), ('empty', 'Empty'), ('unsupported', 'Unsupported'), ('too_large', 'Too Large'), ('encrypted', 'Encrypted'), ('broken', 'Broken'), ('timeout', 'Timeout')], default='pending', max_length=12)),
                ('text', models.TextField(blank=True)),
                ('attempts', models.PositiveSmallIntegerField(default=0)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('document', models.GeneratedField(db_persist=True, expression=apps.search.models.SearchDocument(models.F('text')), output_field=django.contrib.postgres.search.SearchVectorField())),
            ],
            options={
                'indexes': [django.contrib.postgres.indexes.GinIndex(fields=['document'], name='search_filetext_gin')],
            },
        ),
    ]

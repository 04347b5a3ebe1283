"""The newest comments and files first, by an index: a common word's search walks them from
the newest and stops once it has its page (or, sorted by relevance, its window of matches:
apps/search/selectors/content.py), instead of reading every match. Posts already have one
(feeds' post_recent_idx)."""

from django.db import migrations

INDEXES = [
    (
        "CREATE INDEX feeds_comment_search_recent ON feeds_comment (created_at DESC, id DESC) WHERE deleted_at IS NULL",
        "DROP INDEX feeds_comment_search_recent",
    ),
    (
        "CREATE INDEX feeds_attachment_search_recent ON feeds_attachment (created_at DESC, id DESC)",
        "DROP INDEX feeds_attachment_search_recent",
    ),
]


class Migration(migrations.Migration):
    dependencies = [("search", "0001_documents")]

    operations = [migrations.RunSQL(sql, reverse) for sql, reverse in INDEXES]

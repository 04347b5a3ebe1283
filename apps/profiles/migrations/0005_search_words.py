from django.db import migrations

from apps.profiles.search import search_fields

CHUNK = 2000

PEOPLE = """
SELECT p.id, p.display_name, u.first_name, u.last_name, u.email, p.job_title, p.department, p.team, p.location,
       array_remove(array_agg(s.name ORDER BY s.folded), NULL)
FROM profiles_profile p
JOIN accounts_user u ON u.id = p.user_id
LEFT JOIN profiles_profile_skills ps ON ps.profile_id = p.id
LEFT JOIN profiles_skill s ON s.id = ps.skill_id
WHERE p.id > %s
GROUP BY p.id, u.id
ORDER BY p.id
LIMIT %s
"""

WRITE = """
UPDATE profiles_profile AS p
SET search_text = v.search_text, sort_name = v.sort_name,
    search_vector = to_tsvector('simple'::regconfig, v.search_text)
FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, search_text, sort_name)
WHERE p.id = v.id AND (p.search_text, p.sort_name) IS DISTINCT FROM (v.search_text, v.sort_name)
"""


def refold(apps, schema_editor):
    """The search text in its new form: inner punctuation folded ("O'Brien" is found by
    "obrien"), each word once, letters and digits only (about 30 s per 100,000 profiles)."""
    last = 0
    with schema_editor.connection.cursor() as cursor:
        while True:
            cursor.execute(PEOPLE, [last, CHUNK])
            rows = cursor.fetchall()
            if not rows:
                return
            ids, texts, sort_names = [], [], []
            for pk, display_name, first, last_name, email, title, department, team, location, skills in rows:
                name = display_name or f"{first} {last_name}".strip() or email
                text, sort_name = search_fields(
                    name=name, email=email, job_title=title, department=department, team=team,
                    location=location, skills=skills,
                )  # fmt: skip
                ids.append(pk)
                texts.append(text)
                sort_names.append(sort_name)
            cursor.execute(WRITE, [ids, texts, sort_names])
            last = ids[-1]


class Migration(migrations.Migration):
    dependencies = [("profiles", "0004_private_by_default"), ("accounts", "0001_initial")]

    # The old text stays searchable by the old code: nothing to undo.
    operations = [migrations.RunPython(refold, migrations.RunPython.noop)]

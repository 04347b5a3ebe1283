"""Two people editing one profile at once: each writes only what they changed, on the row
locked and read afresh, so neither undoes the other."""

import io
import threading
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, transaction
from django.test.utils import CaptureQueriesContext
from PIL import Image

from apps.profiles import avatars, services
from apps.profiles.models import Profile
from apps.profiles.services import profile_refresh_search, profile_update
from tests.factories import ProfileFactory, UserFactory


def person(first="Grace", last="Hopper", **fields) -> Profile:
    profile = ProfileFactory(user=UserFactory(first_name=first, last_name=last), **fields)
    profile_refresh_search(profile=profile)
    return profile


class _FormFields(HTMLParser):
    """What a browser posts back from the page's form: enabled fields, as shown."""

    def __init__(self):
        super().__init__()
        self.data, self._textarea, self._select = {}, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if not name or "disabled" in attrs:
            return
        if tag == "input" and attrs.get("type") not in ("file", "submit", "checkbox"):
            self.data[name] = attrs.get("value", "")
        elif tag == "textarea":
            self._textarea, self.data[name] = name, ""
        elif tag == "select":
            self._select, self.data[name] = name, ""
        elif tag == "option" and self._select and "selected" in attrs:
            self.data[self._select] = attrs.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea] += data


def shown_form(client, url) -> dict:
    parser = _FormFields()
    parser.feed(client.get(url).content.decode())
    assert "job_title" in parser.data
    return parser.data


@pytest.mark.django_db
def test_two_admins_on_one_profile_keep_each_others_changes(client, staff_user):
    other_admin = UserFactory(is_staff=True, is_superuser=True)
    grace = person(job_title="Analyst", location="Paris", team="Data")
    url = f"/people/{grace.user_id}/edit/"
    client.force_login(staff_user)
    first = shown_form(client, url)  # both open the page
    client.force_login(other_admin)
    second = shown_form(client, url)

    second["location"] = "Lyon"
    assert client.post(url, second).status_code == 302
    client.force_login(staff_user)
    first["job_title"] = "Rear Admiral"  # still shows Paris: changed nothing there
    assert client.post(url, first).status_code == 302

    grace.refresh_from_db()
    assert (grace.job_title, grace.location, grace.team) == ("Rear Admiral", "Lyon", "Data")
    assert set(grace.search_text.split()) >= {"rear", "admiral", "lyon"}


@pytest.mark.django_db
def test_the_update_writes_only_the_changed_columns_of_a_locked_row(staff_user):
    grace = person(job_title="Analyst", location="Paris")
    stale = Profile.objects.get(pk=grace.pk)
    Profile.objects.filter(pk=grace.pk).update(location="Lyon")  # someone else, meanwhile
    with CaptureQueriesContext(connection) as queries:
        saved = profile_update(actor=staff_user, profile=stale, changes={"job_title": "Engineer"})
    sql = [query["sql"] for query in queries.captured_queries]
    assert any(statement.startswith("SELECT") and "FOR UPDATE" in statement for statement in sql)
    update = next(s for s in sql if s.startswith('UPDATE "profiles_profile" SET') and '"job_title"' in s)
    assert '"location"' not in update and '"about"' not in update
    assert (saved.job_title, saved.location) == ("Engineer", "Lyon")
    grace.refresh_from_db()
    assert (grace.job_title, grace.location) == ("Engineer", "Lyon")


@pytest.mark.django_db(transaction=True)
def test_an_edit_waits_for_the_one_in_progress(monkeypatch):
    """Two edits at the same moment, in two connections: the second waits for the first's
    commit, then writes its own field over the first's result."""
    admin = UserFactory(is_staff=True, is_superuser=True)
    grace = person(job_title="Analyst", location="Paris")
    first_holds_the_row, let_first_finish = threading.Event(), threading.Event()
    clean = services._clean

    def slow_clean(profile, changes):
        if "job_title" in changes:
            first_holds_the_row.set()
            let_first_finish.wait(10)
        return clean(profile, changes)

    monkeypatch.setattr(services, "_clean", slow_clean)

    def edit(changes):
        try:
            profile_update(actor=admin, profile=Profile.objects.get(pk=grace.pk), changes=changes)
        finally:
            connection.close()

    first = threading.Thread(target=edit, args=({"job_title": "Engineer"},))
    second = threading.Thread(target=edit, args=({"location": "Lyon"},))
    first.start()
    assert first_holds_the_row.wait(10)
    second.start()
    second.join(0.5)
    waited = second.is_alive()
    let_first_finish.set()
    first.join(10)
    second.join(10)
    assert waited, "the second edit did not wait for the first"
    grace.refresh_from_db()
    assert (grace.job_title, grace.location) == ("Engineer", "Lyon")


def _png(side: int) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


@pytest.mark.django_db(transaction=True)
def test_a_photo_is_decoded_before_the_row_is_locked(monkeypatch, settings, tmp_path):
    """Decoding a large photo takes about a second: another editor of the profile must not
    wait for it. While it renders, another connection can lock the row at once."""
    settings.MEDIA_ROOT = tmp_path
    grace = person()
    render = avatars.render_avatar
    row_was_free = []

    def render_and_try_the_lock(image, *, user_id):
        def lock_elsewhere():
            try:
                with transaction.atomic():
                    Profile.objects.select_for_update(nowait=True).get(pk=grace.pk)
                row_was_free.append(True)
            except OperationalError:
                row_was_free.append(False)
            finally:
                connection.close()

        other = threading.Thread(target=lock_elsewhere)
        other.start()
        other.join(10)
        return render(image, user_id=user_id)

    monkeypatch.setattr(avatars, "render_avatar", render_and_try_the_lock)
    profile_update(actor=grace.user, profile=grace, changes={"pronouns": "she/her"}, avatar=_png(128))
    assert row_was_free == [True]
    grace.refresh_from_db()
    assert grace.pronouns == "she/her" and grace.avatar["version"]


@pytest.mark.django_db
def test_a_refused_edit_leaves_no_rendered_photo_behind(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    grace = person()
    with pytest.raises(ValidationError):
        profile_update(actor=grace.user, profile=grace, changes={"phone_work": "not a phone"}, avatar=_png(128))
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []
    grace.refresh_from_db()
    assert grace.avatar == {} and grace.phone_work != "not a phone"

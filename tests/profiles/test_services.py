"""Writes to the directory: profile edits (who may change what, validation, skills,
search refresh), avatars, follows, deactivation."""

import asyncio
import datetime
import io

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from apps.core import broadcast
from apps.profiles import services
from apps.profiles.models import AVATAR_SIZES, Follow, Profile, Skill
from apps.profiles.selectors import profile_search
from apps.profiles.services import (
    avatar_remove,
    avatar_set,
    follow_create,
    follow_delete,
    profile_update,
    user_set_active,
)
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def indexed(profile: Profile) -> Profile:
    """Factories leave the search fields empty: compute them as profile_update does."""
    services.profile_refresh_search(profile=profile)
    return profile


def person(first: str = "Anne", last: str = "Dupont", **fields) -> Profile:
    fields.setdefault("job_title", "Analyst")
    is_active = fields.pop("is_active", True)
    user = UserFactory(first_name=first, last_name=last, is_active=is_active)
    return indexed(ProfileFactory(user=user, **fields))


def search_ids(viewer, query="") -> list[int]:
    return [p.pk for p in profile_search(viewer=viewer, query=query).items]


def error_keys(excinfo) -> set[str]:
    return set(excinfo.value.message_dict)


@pytest.fixture
def me():
    return person("Hélène", "Lefèvre")


@pytest.fixture
def admin(staff_user):
    return staff_user


# ---------------------------------------------------------------- profile_update: who may change what


def test_employee_edits_own_allowed_fields(me):
    profile_update(
        actor=me.user,
        profile=me,
        changes={
            "display_name": "Hélène L.",
            "pronouns": "she/her",
            "job_title": "Head of Controlling",
            "department": "Finance",
            "team": "Consolidation",
            "location": "Lyon",
            "phone_work": "+33 1 23 45 67 89",
            "phone_mobile": "06 12 34 56 78",
            "time_zone": "Europe/Paris",
            "languages": ["French", " English ", "French", "  "],
            "about": "Hello",
            "birthday": datetime.date(1988, 5, 17),
        },
    )
    saved = Profile.objects.get(pk=me.pk)
    assert saved.display_name == "Hélène L."
    assert saved.pronouns == "she/her"
    assert saved.job_title == "Head of Controlling"
    assert (saved.department, saved.team, saved.location) == ("Finance", "Consolidation", "Lyon")
    assert saved.phone_work == "+33 1 23 45 67 89"
    assert saved.phone_mobile == "06 12 34 56 78"
    assert saved.time_zone == "Europe/Paris"
    assert saved.languages == ["French", "English"]
    assert saved.birthday == datetime.date(1988, 5, 17)
    assert saved.sort_name == "helene l."


def test_phone_spaces_are_normalised(me):
    profile_update(actor=me.user, profile=me, changes={"phone_work": "  +33   1 23 45  67 89 "})
    assert Profile.objects.get(pk=me.pk).phone_work == "+33 1 23 45 67 89"


def test_employee_cannot_edit_someone_else(me):
    other = person("Paul", "Martin")
    with pytest.raises(PermissionDenied):
        profile_update(actor=me.user, profile=other, changes={"job_title": "CEO"})
    assert Profile.objects.get(pk=other.pk).job_title == "Analyst"


def test_employee_without_profile_cannot_edit_someone_else(user, me):
    with pytest.raises(PermissionDenied):
        profile_update(actor=user, profile=me, changes={"pronouns": "x"})


def test_deactivated_employee_cannot_edit_own_profile():
    former = person("Gone", "Away", is_active=False)
    with pytest.raises(PermissionDenied):
        profile_update(actor=former.user, profile=former, changes={"pronouns": "x"})


@pytest.mark.parametrize(
    "changes", [{"manager": None}, {"start_date": datetime.date(2020, 1, 1)}, {"pronouns": "x", "start_date": None}]
)
def test_employee_cannot_change_organisation_fields(me, changes):
    boss = person("Bea", "Boss")
    Profile.objects.filter(pk=me.pk).update(manager=boss)
    me.refresh_from_db()
    with pytest.raises(PermissionDenied):
        profile_update(actor=me.user, profile=me, changes=changes)
    saved = Profile.objects.get(pk=me.pk)
    assert saved.manager_id == boss.pk
    assert saved.start_date is None
    assert saved.pronouns == ""


def test_admin_sets_manager_and_start_date(admin, me):
    boss = person("Bea", "Boss")
    profile_update(actor=admin, profile=me, changes={"manager": boss, "start_date": datetime.date(2020, 1, 6)})
    saved = Profile.objects.get(pk=me.pk)
    assert saved.manager_id == boss.pk
    assert saved.start_date == datetime.date(2020, 1, 6)


def test_directory_owned_fields_refused_for_the_employee(me):
    Profile.objects.filter(pk=me.pk).update(field_sources={"job_title": "LDAP corp.example.com"})
    me.refresh_from_db()
    assert "job_title" not in services.editable_fields(actor=me.user, profile=me)
    # Said on the form's field, like any mistake: the directory may have taken the field
    # over after the page was shown (a PermissionDenied read as a 403 to its owner).
    with pytest.raises(ValidationError) as excinfo:
        profile_update(actor=me.user, profile=me, changes={"job_title": "Queen"})
    assert error_keys(excinfo) == {"job_title"}
    assert Profile.objects.get(pk=me.pk).job_title == "Analyst"
    # the fields the directory does not own stay editable
    profile_update(actor=me.user, profile=me, changes={"pronouns": "she/her"})
    assert Profile.objects.get(pk=me.pk).pronouns == "she/her"


def test_directory_owned_fields_allowed_for_an_admin(admin, me):
    Profile.objects.filter(pk=me.pk).update(field_sources={"job_title": "LDAP corp.example.com"})
    me.refresh_from_db()
    profile_update(actor=admin, profile=me, changes={"job_title": "Queen"})
    assert Profile.objects.get(pk=me.pk).job_title == "Queen"


def test_user_with_change_profile_permission_is_an_admin(me):
    hr = UserFactory()
    hr.user_permissions.add(Permission.objects.get(codename="change_profile", content_type__app_label="profiles"))
    hr = type(hr).objects.get(pk=hr.pk)
    profile_update(actor=hr, profile=me, changes={"start_date": datetime.date(2021, 3, 1)})
    assert Profile.objects.get(pk=me.pk).start_date == datetime.date(2021, 3, 1)


# ---------------------------------------------------------------- profile_update: validation


@pytest.mark.parametrize("field", ["phone_work", "phone_mobile"])
@pytest.mark.parametrize("good", ["+33 1 23 45 67 89", "(555) 123-4567", "0612345678", ""])
def test_good_phone_numbers_accepted(me, field, good):
    profile_update(actor=me.user, profile=me, changes={field: good})
    assert getattr(Profile.objects.get(pk=me.pk), field) == good


@pytest.mark.parametrize("field", ["phone_work", "phone_mobile"])
@pytest.mark.parametrize("bad", ["abc", "12", "12345678901234567890", "+33 1 23 45 67 89 ext. 4", "12345"])
def test_bad_phone_numbers_refused_with_the_field_key(me, field, bad):
    with pytest.raises(ValidationError) as excinfo:
        profile_update(actor=me.user, profile=me, changes={field: bad})
    assert error_keys(excinfo) == {field}
    assert getattr(Profile.objects.get(pk=me.pk), field) == ""


def test_all_errors_are_reported_together(me):
    with pytest.raises(ValidationError) as excinfo:
        profile_update(actor=me.user, profile=me, changes={"phone_work": "abc", "time_zone": "Mars/Olympus"})
    assert error_keys(excinfo) == {"phone_work", "time_zone"}


@pytest.mark.parametrize("zone", ["Mars/Olympus", "Europe/Pariss", "paris", "UTC+2"])
def test_unknown_time_zone_refused(me, zone):
    with pytest.raises(ValidationError) as excinfo:
        profile_update(actor=me.user, profile=me, changes={"time_zone": zone})
    assert error_keys(excinfo) == {"time_zone"}
    assert Profile.objects.get(pk=me.pk).time_zone == ""


@pytest.mark.parametrize("zone", ["Europe/Paris", "America/New_York", "UTC", ""])
def test_known_time_zone_accepted(me, zone):
    profile_update(actor=me.user, profile=me, changes={"time_zone": zone})
    assert Profile.objects.get(pk=me.pk).time_zone == zone


def test_too_many_languages_refused(me):
    with pytest.raises(ValidationError) as excinfo:
        profile_update(actor=me.user, profile=me, changes={"languages": [f"Lang{i}" for i in range(11)]})
    assert error_keys(excinfo) == {"languages"}


def test_nobody_is_their_own_manager(admin, me):
    with pytest.raises(ValidationError) as excinfo:
        profile_update(actor=admin, profile=me, changes={"manager": me})
    assert error_keys(excinfo) == {"manager"}
    assert Profile.objects.get(pk=me.pk).manager_id is None


def test_manager_loop_of_two_refused(admin):
    a = person("Alice", "A")
    b = person("Bob", "B", manager=a)
    with pytest.raises(ValidationError) as excinfo:
        profile_update(actor=admin, profile=a, changes={"manager": b})
    assert error_keys(excinfo) == {"manager"}
    assert Profile.objects.get(pk=a.pk).manager_id is None


def test_manager_loop_of_three_refused(admin):
    a = person("Alice", "A")
    b = person("Bob", "B", manager=a)
    c = person("Carl", "C", manager=b)
    with pytest.raises(ValidationError) as excinfo:
        profile_update(actor=admin, profile=a, changes={"manager": c})
    assert error_keys(excinfo) == {"manager"}


def test_manager_change_without_loop_accepted(admin):
    a = person("Alice", "A")
    b = person("Bob", "B", manager=a)
    c = person("Carl", "C")
    profile_update(actor=admin, profile=b, changes={"manager": c})
    assert Profile.objects.get(pk=b.pk).manager_id == c.pk


# ---------------------------------------------------------------- profile_update: about, skills, search


def test_about_is_rendered_and_sanitised(me):
    about = "**Hi** [site](https://example.com) <script>alert(1)</script> [x](javascript:alert(1))"
    profile_update(actor=me.user, profile=me, changes={"about": about})
    saved = Profile.objects.get(pk=me.pk)
    assert saved.about == about
    assert "<strong>Hi</strong>" in saved.about_html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow ugc">site</a>' in saved.about_html
    assert "<script" not in saved.about_html
    assert "&lt;script&gt;" in saved.about_html
    assert "javascript:alert(1))" in saved.about_html  # left as text, not as a link
    assert 'href="javascript' not in saved.about_html


def test_about_html_untouched_when_about_not_changed(me):
    profile_update(actor=me.user, profile=me, changes={"about": "*old*"})
    profile_update(actor=me.user, profile=me, changes={"pronouns": "she/her"})
    assert Profile.objects.get(pk=me.pk).about_html == "<p><em>old</em></p>"


def test_skills_deduplicated_case_and_accent_insensitively(me):
    profile_update(
        actor=me.user, profile=me, changes={}, skills=["Contrôle", "controle", " CONTRÔLE ", "Python", "", "  "]
    )
    assert sorted(me.skills.values_list("name", flat=True)) == ["Contrôle", "Python"]
    assert Skill.objects.count() == 2
    assert Skill.objects.get(name="Contrôle").folded == "controle"


def test_skill_limit_counts_distinct_skills(me):
    # 40 spellings of one skill are one skill, well under the limit of 30
    spellings = [
        "".join(c.upper() if bit == "1" else c for c, bit in zip("python", f"{n:06b}", strict=True)) for n in range(40)
    ]
    profile_update(actor=me.user, profile=me, changes={}, skills=spellings)
    assert list(me.skills.values_list("name", flat=True)) == ["python"]


def test_skills_reused_across_profiles(me):
    other = person("Paul", "Martin")
    profile_update(actor=me.user, profile=me, changes={}, skills=["Contrôle de gestion"])
    profile_update(actor=other.user, profile=other, changes={}, skills=["controle  de GESTION"])
    assert Skill.objects.count() == 1
    skill = Skill.objects.get()
    assert skill.name == "Contrôle de gestion"  # the first spelling wins
    assert list(me.skills.all()) == list(other.skills.all()) == [skill]


def test_skills_replaced_and_none_keeps_them(me):
    profile_update(actor=me.user, profile=me, changes={}, skills=["Python", "SQL"])
    profile_update(actor=me.user, profile=me, changes={"pronouns": "she/her"})
    assert sorted(me.skills.values_list("name", flat=True)) == ["Python", "SQL"]
    profile_update(actor=me.user, profile=me, changes={}, skills=["Go"])
    assert list(me.skills.values_list("name", flat=True)) == ["Go"]
    profile_update(actor=me.user, profile=me, changes={}, skills=[])
    assert list(me.skills.all()) == []


def test_too_many_skills_refused(me):
    with pytest.raises(ValidationError) as excinfo:
        profile_update(actor=me.user, profile=me, changes={}, skills=[f"Skill {i}" for i in range(31)])
    assert error_keys(excinfo) == {"skills"}
    assert Skill.objects.count() == 0


def test_long_skill_whose_folded_form_grows_is_stored(me):
    # 60 characters (the limit of Skill.name); folding turns every "ß" into "ss".
    name = "Straßenbau und Großprojekte für Maßnahmen der Stadtplanung".ljust(60, "ß")
    assert len(name) == 60
    profile_update(actor=me.user, profile=me, changes={}, skills=[name])
    assert list(me.skills.values_list("name", flat=True)) == [name]


def test_long_display_name_whose_folded_form_grows_is_stored(me):
    # 200 characters is what the form and the column accept for a display name.
    name = "Weiß " * 40
    name = name.strip().ljust(200, "ß")
    assert len(name) == 200
    profile_update(actor=me.user, profile=me, changes={"display_name": name})
    assert Profile.objects.get(pk=me.pk).display_name == name


def test_search_finds_the_new_job_title_right_after(user, me):
    assert search_ids(user, "happiness") == []
    profile_update(actor=me.user, profile=me, changes={"job_title": "Chief Happiness Officer"})
    assert search_ids(user, "happiness") == [me.pk]
    assert search_ids(user, "analyst") == []


def test_search_finds_new_skills_and_name_right_after(user, me):
    profile_update(actor=me.user, profile=me, changes={"display_name": "Héloïse Zèbre"}, skills=["Comptabilité"])
    assert search_ids(user, "comptabilite") == [me.pk]
    assert search_ids(user, "heloise zeb") == [me.pk]
    assert search_ids(user, "helene") == []
    # editing another field keeps the skills in the index
    profile_update(actor=me.user, profile=me, changes={"pronouns": "she/her"})
    assert search_ids(user, "comptabilite") == [me.pk]


# ---------------------------------------------------------------- avatars


def png_bytes(width=300, height=200, mode="RGB", color="teal") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height), color).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(content: bytes, name="me.png", content_type="image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(root) -> list:
    return sorted(path for path in root.rglob("*") if path.is_file())


class TestAvatars:
    @pytest.fixture(autouse=True)
    def media(self, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        self.root = tmp_path

    def test_three_square_webp_sizes_are_stored(self, me):
        avatar_set(actor=me.user, profile=me, upload=upload(png_bytes(300, 200)))
        saved = Profile.objects.get(pk=me.pk).avatar
        assert set(saved) == {"256", "96", "40", "version"}
        for size in AVATAR_SIZES:
            name = saved[str(size)]
            assert name.startswith(f"avatars/{me.user_id}/")
            assert name.endswith(".webp")
            assert (self.root / name).is_file()
            with default_storage.open(name) as handle, Image.open(handle) as image:
                assert image.format == "WEBP"
                assert image.size == (size, size)
        assert len(stored_files(self.root)) == 3

    @pytest.mark.parametrize(
        ("fmt", "mode"), [("JPEG", "RGB"), ("GIF", "P"), ("WEBP", "RGB"), ("PNG", "RGBA"), ("PNG", "P")]
    )
    def test_accepted_formats(self, me, fmt, mode):
        buffer = io.BytesIO()
        Image.new(mode, (120, 90)).save(buffer, format=fmt)
        avatar_set(actor=me.user, profile=me, upload=upload(buffer.getvalue(), name=f"me.{fmt.lower()}"))
        assert len(stored_files(self.root)) == 3

    def test_replacing_deletes_old_files_after_commit(self, me, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            avatar_set(actor=me.user, profile=me, upload=upload(png_bytes(300, 200)))
        old = dict(Profile.objects.get(pk=me.pk).avatar)
        old_files = [self.root / old[str(size)] for size in AVATAR_SIZES]

        with django_capture_on_commit_callbacks() as callbacks:
            avatar_set(actor=me.user, profile=me, upload=upload(png_bytes(200, 300, color="red")))
        assert all(path.is_file() for path in old_files), "deleted before the commit"
        assert len(callbacks) == 1

        for callback in callbacks:
            callback()
        new = Profile.objects.get(pk=me.pk).avatar
        assert new["version"] != old["version"]
        assert not any(path.exists() for path in old_files)
        assert stored_files(self.root) == sorted(self.root / new[str(size)] for size in AVATAR_SIZES)

    def test_replacing_with_execute_true(self, me, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            avatar_set(actor=me.user, profile=me, upload=upload(png_bytes()))
        first = dict(Profile.objects.get(pk=me.pk).avatar)
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            avatar_set(actor=me.user, profile=me, upload=upload(png_bytes(color="blue")))
        assert len(callbacks) == 1
        second = Profile.objects.get(pk=me.pk).avatar
        for size in AVATAR_SIZES:
            assert not (self.root / first[str(size)]).exists()
            assert (self.root / second[str(size)]).is_file()

    def test_remove_deletes_files_after_commit(self, me, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True):
            avatar_set(actor=me.user, profile=me, upload=upload(png_bytes()))
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            avatar_remove(actor=me.user, profile=me)
        assert len(callbacks) == 1
        assert Profile.objects.get(pk=me.pk).avatar == {}
        assert stored_files(self.root) == []

    def test_refused_photo_in_an_edit_saves_nothing(self, me):
        with pytest.raises(ValidationError):
            profile_update(
                actor=me.user,
                profile=me,
                changes={"pronouns": "she/her"},
                skills=["Python"],
                avatar=upload(png_bytes(32, 32)),
            )
        saved = Profile.objects.get(pk=me.pk)
        assert (saved.pronouns, saved.avatar) == ("", {})
        assert list(saved.skills.all()) == []
        assert stored_files(self.root) == []

    def test_someone_else_cannot_set_my_avatar(self, me):
        other = UserFactory()
        with pytest.raises(PermissionDenied):
            avatar_set(actor=other, profile=me, upload=upload(png_bytes()))
        assert Profile.objects.get(pk=me.pk).avatar == {}
        assert stored_files(self.root) == []

    def test_admin_sets_someone_elses_avatar(self, admin, me):
        avatar_set(actor=admin, profile=me, upload=upload(png_bytes()))
        assert set(Profile.objects.get(pk=me.pk).avatar) == {"256", "96", "40", "version"}

    def assert_refused(self, me, content, *, name="me.png", content_type="image/png", code=None, words=()):
        with pytest.raises(ValidationError) as excinfo:
            avatar_set(actor=me.user, profile=me, upload=upload(content, name=name, content_type=content_type))
        error = excinfo.value
        if code is not None:
            assert error.code == code
        message = " ".join(error.messages)
        for word in words:
            assert word in message
        assert Profile.objects.get(pk=me.pk).avatar == {}
        assert stored_files(self.root) == []

    def test_text_file_renamed_png_refused(self, me):
        self.assert_refused(me, b"hello, this is not a picture\n" * 10, code="invalid", words=["not an image"])

    def test_svg_refused(self, me):
        svg = (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="300" height="300">'
            b'<script>alert(1)</script><rect width="300" height="300" fill="red"/></svg>'
        )
        self.assert_refused(me, svg, name="me.svg", content_type="image/svg+xml", code="invalid")

    def test_truncated_png_refused(self, me):
        self.assert_refused(me, png_bytes(300, 200)[:60], code="invalid")

    def test_bmp_refused_as_format(self, me):
        buffer = io.BytesIO()
        Image.new("RGB", (100, 100)).save(buffer, format="BMP")
        self.assert_refused(me, buffer.getvalue(), name="me.bmp", code="format", words=["JPEG, PNG, WebP or GIF"])

    def test_too_small_refused(self, me):
        self.assert_refused(me, png_bytes(32, 32), code="too_small", words=["32 by 32", "64"])

    def test_one_side_too_small_refused(self, me):
        self.assert_refused(me, png_bytes(300, 63), code="too_small")

    def test_larger_than_the_byte_limit_refused(self, me, settings):
        content = png_bytes(300, 200)
        settings.AVATAR_MAX_BYTES = len(content) - 1
        self.assert_refused(me, content, code="too_large", words=["MB"])

    def test_exactly_the_byte_limit_accepted(self, me, settings):
        content = png_bytes(300, 200)
        settings.AVATAR_MAX_BYTES = len(content)
        avatar_set(actor=me.user, profile=me, upload=upload(content))
        assert len(stored_files(self.root)) == 3

    def test_decompression_bomb_refused_from_its_header(self, me, monkeypatch):
        bomb = png_bytes(7000, 7000, mode="1", color=0)  # 49 megapixels in a few kilobytes
        assert len(bomb) < 100_000
        decoded = []
        original_load = ImageFile.ImageFile.load

        def spying_load(image):
            decoded.append(image.size)
            return original_load(image)

        monkeypatch.setattr(ImageFile.ImageFile, "load", spying_load)
        self.assert_refused(me, bomb, words=["6000"])
        assert decoded == [], "the pixels were decompressed before the size was checked"

    def test_one_side_over_the_limit_refused(self, me):
        self.assert_refused(me, png_bytes(6001, 64, mode="1", color=0), code="too_big", words=["6000"])


# ---------------------------------------------------------------- follows


def test_follow_create_and_idempotent(user):
    other = UserFactory()
    first = follow_create(actor=user, followee=other)
    second = follow_create(actor=user, followee=other)
    assert first.pk == second.pk
    assert Follow.objects.filter(follower=user, followee=other).count() == 1
    assert Follow.objects.count() == 1


def test_cannot_follow_self(user):
    with pytest.raises(ValidationError):
        follow_create(actor=user, followee=user)
    assert Follow.objects.count() == 0


def test_cannot_follow_a_deactivated_user(user):
    former = UserFactory(is_active=False, first_name="Gone", last_name="Away")
    with pytest.raises(ValidationError) as excinfo:
        follow_create(actor=user, followee=former)
    assert "Gone Away" in " ".join(excinfo.value.messages)
    assert Follow.objects.count() == 0


def test_follow_delete(user):
    other, third = UserFactory(), UserFactory()
    follow_create(actor=user, followee=other)
    follow_create(actor=user, followee=third)
    follow_create(actor=other, followee=user)
    follow_delete(actor=user, followee=other)
    assert set(Follow.objects.values_list("follower", "followee")) == {(user.pk, third.pk), (other.pk, user.pk)}
    follow_delete(actor=user, followee=other)  # nothing left to delete: no error
    assert Follow.objects.count() == 2


# ---------------------------------------------------------------- user_set_active


def _received_by(group: str, step) -> list:
    """Subscribe a channel to `group`, run the sync `step`, return what the channel got."""

    async def scenario():
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        await sync_to_async(step)()
        received = []
        try:
            while True:
                received.append(await asyncio.wait_for(layer.receive(channel), 0.3))
        except TimeoutError:
            pass
        await layer.group_discard(group, channel)
        return received

    return async_to_sync(scenario)()


def test_admin_deactivates_and_sockets_are_closed_on_commit(admin, me, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        user_set_active(actor=admin, user=me.user, active=False)
    me.user.refresh_from_db()
    assert me.user.is_active is False
    # Closing the sockets, then forgetting the cached directory filters.
    assert len(callbacks) == 2
    assert _received_by(f"user.{me.user_id}", callbacks[0]) == [{"type": broadcast.CLOSE}]


def test_employee_cannot_deactivate(me, django_capture_on_commit_callbacks):
    other = person("Paul", "Martin")
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(PermissionDenied):
        user_set_active(actor=me.user, user=other.user, active=False)
    other.user.refresh_from_db()
    assert other.user.is_active is True
    assert callbacks == []


def test_profile_admin_without_user_permission_cannot_deactivate(me):
    hr = UserFactory()
    hr.user_permissions.add(Permission.objects.get(codename="change_profile", content_type__app_label="profiles"))
    hr = type(hr).objects.get(pk=hr.pk)
    with pytest.raises(PermissionDenied):
        user_set_active(actor=hr, user=me.user, active=False)
    me.user.refresh_from_db()
    assert me.user.is_active is True


def test_admin_cannot_deactivate_self(admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(ValidationError):
        user_set_active(actor=admin, user=admin, active=False)
    admin.refresh_from_db()
    assert admin.is_active is True
    assert callbacks == []


def test_deactivated_leaves_search_and_reactivation_brings_back(admin, user, me, django_capture_on_commit_callbacks):
    assert search_ids(user, "helene") == [me.pk]
    user_set_active(actor=admin, user=me.user, active=False)
    assert search_ids(user, "helene") == []
    assert search_ids(user, "") == []
    with django_capture_on_commit_callbacks() as callbacks:
        user_set_active(actor=admin, user=me.user, active=True)
    # Nobody to disconnect when coming back: only the cached directory filters are forgotten.
    assert len(callbacks) == 1
    assert _received_by(f"user.{me.user_id}", callbacks[0]) == []
    me.user.refresh_from_db()
    assert me.user.is_active is True
    assert search_ids(user, "helene") == [me.pk]

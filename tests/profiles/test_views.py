"""The people pages through HTTP: directory, profile, business card, org chart, follows,
edit, avatars, export and deactivation; private fields on every one of them."""

import csv
import html
import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from apps.profiles.models import Follow, Profile, ProfileFieldPolicy, Skill
from apps.profiles.services import profile_refresh_search
from tests.factories import PASSWORD, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
MOBILE = "+33 6 11 22 33 44"
WORK_PHONE = "+33 1 40 20 50 60"
BIRTHDAY = date(1990, 7, 14)
PHONE_ERROR = "Enter a phone number such as +33 1 23 45 67 89 (6 to 15 digits)."
AVATAR_ERROR = "This file is not an image we can read (JPEG, PNG, WebP or GIF)."


def person(first="Ada", last="Lovelace", **fields) -> Profile:
    profile = ProfileFactory(user=UserFactory(first_name=first, last_name=last), **fields)
    profile_refresh_search(profile=profile)
    return profile


def people(n, **fields) -> list[Profile]:
    return [person(f"Person{i:02d}", "Test", **fields) for i in range(n)]


def listed_ids(content: str) -> list[int]:
    """The user ids of the people rows, in order (each row holds one business-card link)."""
    return [int(uid) for uid in re.findall(r'class="person" hx-get="/people/(\d+)/card/"', content)]


def text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def png(size=128) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (size, size), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


def edit_data(profile: Profile, **changes) -> dict:
    """What the edit form posts back unchanged, with `changes` on top."""
    data = {
        "display_name": profile.display_name,
        "pronouns": profile.pronouns,
        "job_title": profile.job_title,
        "department": profile.department,
        "team": profile.team,
        "location": profile.location,
        "phone_work": profile.phone_work,
        "phone_mobile": profile.phone_mobile,
        "time_zone": profile.time_zone,
        "about": profile.about,
        "birthday": profile.birthday.isoformat() if profile.birthday else "",
        "start_date": profile.start_date.isoformat() if profile.start_date else "",
        "manager_email": profile.manager.user.email if profile.manager_id else "",
        "skills": "",
        "languages": "",
    }
    data.update(changes)
    return data


def input_tag(content: str, name: str) -> str:
    match = re.search(rf'<(?:input|textarea|select)[^>]*name="{name}"[^>]*>', content)
    assert match, f"no field {name}"
    return match.group(0)


@pytest.fixture
def me(client, user) -> Profile:
    """The signed-in employee, with a profile."""
    client.force_login(user)
    profile = ProfileFactory(user=user)
    profile_refresh_search(profile=profile)
    return profile


# --- directory ---------------------------------------------------------------------------


class TestDirectory:
    def test_page_renders_the_people(self, client, user):
        client.force_login(user)
        ada, grace = person("Ada", "Lovelace"), person("Grace", "Hopper")
        response = client.get("/people/")
        assert response.status_code == 200
        content = text(response)
        assert "<html" in content
        assert "Ada Lovelace" in content and "Grace Hopper" in content
        assert listed_ids(content) == [ada.user_id, grace.user_id]

    def test_htmx_gets_only_the_results(self, client, user):
        client.force_login(user)
        person("Ada", "Lovelace")
        content = text(client.get("/people/", {"q": "ada"}, **HTMX))
        assert "<html" not in content
        assert content.strip().startswith('<ul class="people-list list-group" id="people-list">')
        assert "Ada Lovelace" in content

    def test_htmx_with_a_cursor_gets_only_list_items(self, client, user):
        client.force_login(user)
        people(21)
        cursor = re.search(r"after=([\w-]+)", text(client.get("/people/", **HTMX))).group(1)
        content = text(client.get("/people/", {"after": cursor}, **HTMX)).strip()
        assert content.startswith("<li") and content.endswith("</li>")
        assert "<ul" not in content and "<html" not in content
        assert len(listed_ids(content)) == 1

    @pytest.mark.parametrize("query", ["helene", "HELENE lefevre", "lefe", "Hélène"])
    def test_search_ignores_accents_and_case(self, client, user, query):
        client.force_login(user)
        helene = person("Hélène", "Lefèvre")
        person("Grace", "Hopper")
        content = text(client.get("/people/", {"q": query}))
        assert "Hélène Lefèvre" in content
        assert listed_ids(content) == [helene.user_id]

    def test_nobody_matches(self, client, user):
        client.force_login(user)
        person("Ada", "Lovelace")
        content = text(client.get("/people/", {"q": "zebra"}, **HTMX))
        assert "Nobody matches “zebra”." in content
        assert listed_ids(content) == []

    def test_the_query_is_escaped(self, client, user):
        client.force_login(user)
        content = text(client.get("/people/", {"q": "<b>zebra</b>"}, **HTMX))
        assert "&lt;b&gt;zebra&lt;/b&gt;" in content and "<b>zebra" not in content

    def test_department_and_location_filters(self, client, user):
        client.force_login(user)
        paris_eng = person("Ada", "Lovelace", department="Engineering", location="Paris")
        lyon_eng = person("Grace", "Hopper", department="Engineering", location="Lyon")
        paris_sales = person("Mary", "Jackson", department="Sales", location="Paris")
        assert listed_ids(text(client.get("/people/", {"department": "Engineering"}))) == [
            paris_eng.user_id,
            lyon_eng.user_id,
        ]
        assert listed_ids(text(client.get("/people/", {"location": "Paris"}))) == [
            paris_eng.user_id,
            paris_sales.user_id,
        ]
        both = text(client.get("/people/", {"department": "Engineering", "location": "Paris"}, **HTMX))
        assert listed_ids(both) == [paris_eng.user_id]
        page = text(client.get("/people/"))
        assert '<option value="Sales" >Sales</option>' in page
        assert '<option value="Lyon" >Lyon</option>' in page

    def test_deactivated_people_are_absent(self, client, user):
        client.force_login(user)
        staying = person("Ada", "Lovelace")
        gone = person("Grace", "Hopper")
        gone.user.is_active = False
        gone.user.save()
        for response in (client.get("/people/"), client.get("/people/", {"q": "grace"}, **HTMX)):
            assert gone.user_id not in listed_ids(text(response))
        assert listed_ids(text(client.get("/people/"))) == [staying.user_id]

    def test_more_people_link_gives_the_next_page_without_duplicates(self, client, user):
        client.force_login(user)
        everyone = people(25)
        first = text(client.get("/people/"))
        first_ids = listed_ids(first)
        assert len(first_ids) == 20
        link = re.search(r'<a [^>]*href="\?([^"]+)">More people</a>', first)
        assert link, "no More people link"
        query = html.unescape(link.group(1))
        assert "after=" in query
        second = text(client.get(f"/people/?{query}"))
        second_ids = listed_ids(second)
        assert len(second_ids) == 5
        assert not set(first_ids) & set(second_ids)
        assert first_ids + second_ids == [p.user_id for p in everyone]
        assert "More people" not in second

    def test_no_more_people_link_for_twenty(self, client, user):
        client.force_login(user)
        people(20)
        content = text(client.get("/people/"))
        assert len(listed_ids(content)) == 20
        assert "More people" not in content


# --- constant query counts ---------------------------------------------------------------


def _directory_people(n):
    skills = [Skill.objects.create(name=name, folded=name.lower()) for name in ("Python", "Kubernetes")]
    # A fixed title: a random one ("Personnel officer") would match the tests' search for "person".
    boss = person("Big", "Boss", job_title="Director")
    for profile in people(n, manager=boss):
        profile.skills.set(skills)
    return boss


def _org(n):
    """A 3-level manager chain above `middle`, who has n direct reports (each with one report)."""
    top = person("Top", "Boss")
    upper = person("Upper", "Boss", manager=top)
    lower = person("Lower", "Boss", manager=upper)
    middle = person("Middle", "Manager", manager=lower)
    for report in people(n, manager=middle):
        ProfileFactory(manager=report)
    return middle


@pytest.mark.parametrize("n", [1, 20])
def test_directory_page_queries_are_constant(client, user, django_assert_num_queries, n):
    client.force_login(user)
    _directory_people(n)
    with django_assert_num_queries(9):
        response = client.get("/people/")
    assert len(listed_ids(text(response))) == min(n + 1, 20)


@pytest.mark.parametrize("n", [1, 20])
def test_directory_partial_queries_are_constant(client, user, django_assert_num_queries, n):
    client.force_login(user)
    _directory_people(n)
    with django_assert_num_queries(7):
        response = client.get("/people/", {"q": "person"}, **HTMX)
    assert len(listed_ids(text(response))) == n


@pytest.mark.parametrize("n", [1, 20])
def test_profile_page_queries_are_constant(client, user, django_assert_num_queries, n):
    client.force_login(user)
    middle = _org(n)
    with django_assert_num_queries(15):
        response = client.get(f"/people/{middle.user_id}/")
    content = text(response)
    assert content.count('class="person" hx-get') == n + 3
    assert "Top Boss" in content and "Upper Boss" in content and "Lower Boss" in content


@pytest.mark.parametrize("n", [1, 20])
def test_org_chart_queries_are_constant(client, user, django_assert_num_queries, n):
    client.force_login(user)
    middle = _org(n)
    with django_assert_num_queries(10):
        response = client.get(f"/people/{middle.user_id}/org/")
    content = text(response)
    assert content.count('class="org-toggle"') == n
    assert "Top Boss" in content


@pytest.mark.parametrize("n", [1, 20])
def test_org_reports_queries_are_constant(client, user, django_assert_num_queries, n):
    client.force_login(user)
    middle = _org(n)
    with django_assert_num_queries(7):
        response = client.get(f"/people/{middle.user_id}/org/reports/", **HTMX)
    assert text(response).count('class="org-item"') == n


# Each row of a follow list shows the person's skills: they must be fetched in one query.
@pytest.mark.parametrize("n", [1, 20])
@pytest.mark.parametrize("which", ["followers", "following"])
def test_follow_list_queries_are_constant(client, user, django_assert_num_queries, n, which):
    client.force_login(user)
    skill = Skill.objects.create(name="Python", folded="python")
    target = person("Target", "Person")
    for other in people(n):
        other.skills.add(skill)
        if which == "followers":
            Follow.objects.create(follower=other.user, followee=target.user)
        else:
            Follow.objects.create(follower=target.user, followee=other.user)
    with django_assert_num_queries(10):
        response = client.get(f"/people/{target.user_id}/{which}/")
    assert len(listed_ids(text(response))) == n


# --- private fields ------------------------------------------------------------------------


NEVER_FOR_OTHERS = (MOBILE, "tel:+33 6", "1990-07-14", "14 July", "July 14")


class TestPrivateFields:
    @pytest.fixture
    def owner(self, me):
        """Olivia, with a private mobile phone and birthday, in every list `me` can open."""
        ProfileFieldPolicy.objects.update_or_create(field="phone_mobile", defaults={"is_private": True})
        ProfileFieldPolicy.objects.update_or_create(field="birthday", defaults={"is_private": True})
        boss = person("Big", "Boss")
        owner = person("Olivia", "Owner", manager=boss, phone_mobile=MOBILE, phone_work=WORK_PHONE, birthday=BIRTHDAY)
        ProfileFactory(manager=owner)
        for follower, followee in [(owner, me), (me, owner), (boss, owner), (owner, boss)]:
            Follow.objects.create(follower=follower.user, followee=followee.user)
        owner.boss = boss
        return owner

    def _pages(self, client, owner, viewer):
        boss = owner.boss
        pages = {
            "profile": client.get(f"/people/{owner.user_id}/"),
            "card": client.get(f"/people/{owner.user_id}/card/", **HTMX),
            "directory": client.get("/people/"),
            "directory search": client.get("/people/", {"q": "olivia"}),
            "directory htmx": client.get("/people/", {"q": "olivia"}, **HTMX),
            "org chart": client.get(f"/people/{owner.user_id}/org/"),
            "org chart of the manager": client.get(f"/people/{boss.user_id}/org/"),
            "org reports": client.get(f"/people/{boss.user_id}/org/reports/", **HTMX),
            "export": client.get("/people/export.csv"),
        }
        for whose in (owner, boss, viewer):
            for which in ("followers", "following"):
                pages[f"{which} of {whose.name}"] = client.get(f"/people/{whose.user_id}/{which}/")
                pages[f"{which} of {whose.name} (htmx)"] = client.get(f"/people/{whose.user_id}/{which}/", **HTMX)
        assert {name: r.status_code for name, r in pages.items()} == dict.fromkeys(pages, 200)
        return {name: text(response) for name, response in pages.items()}

    @staticmethod
    def _export_row(content: str, email: str) -> dict:
        rows = list(csv.DictReader(io.StringIO(content)))
        return next(row for row in rows if row["E-mail"] == email)

    def test_another_employee_never_sees_them_on_any_page(self, client, me, owner):
        pages = self._pages(client, owner, me)
        leaks = [(name, secret) for name, content in pages.items() for secret in NEVER_FOR_OTHERS if secret in content]
        assert leaks == []
        # ... and the pages do show Olivia.
        for name in ("profile", "card", "directory search", "directory htmx", "org reports", "followers of Big Boss"):
            assert "Olivia Owner" in pages[name], name
        row = self._export_row(pages["export"], owner.user.email)
        assert (row["Mobile phone"], row["Birthday"], row["Work phone"]) == ("", "", WORK_PHONE)
        # A work phone, not private, is shown to everyone.
        for name in ("profile", "card", "export"):
            assert WORK_PHONE in pages[name], name

    def test_the_owner_sees_them(self, client, me, owner):
        client.force_login(owner.user)
        page = text(client.get(f"/people/{owner.user_id}/"))
        assert f'<a href="tel:{MOBILE}">{MOBILE}</a>' in page
        assert "14 July" in page
        assert "Only you and the administrators see: Birthday, Mobile phone." in page
        row = self._export_row(text(client.get("/people/export.csv")), owner.user.email)
        assert (row["Mobile phone"], row["Birthday"]) == (MOBILE, "1990-07-14")
        # Olivia sees her own fields, not other people's private ones.
        me.phone_mobile = "+33 6 99 88 77 66"
        me.save()
        assert "+33 6 99 88 77 66" not in text(client.get(f"/people/{me.user_id}/"))

    def test_an_admin_sees_them(self, client, staff_user, owner):
        client.force_login(staff_user)
        assert MOBILE in text(client.get(f"/people/{owner.user_id}/"))
        assert "14 July" in text(client.get(f"/people/{owner.user_id}/"))
        assert MOBILE in text(client.get(f"/people/{owner.user_id}/card/"))
        row = self._export_row(text(client.get("/people/export.csv")), owner.user.email)
        assert (row["Mobile phone"], row["Birthday"]) == (MOBILE, "1990-07-14")

    def test_mobile_and_birthday_are_private_by_default(self):
        assert set(ProfileFieldPolicy.objects.filter(is_private=True).values_list("field", flat=True)) == {
            "phone_mobile",
            "birthday",
        }

    def test_not_private_once_the_admin_makes_them_public(self, client, me):
        ProfileFieldPolicy.objects.update(is_private=False)
        colleague = person("Olivia", "Owner", phone_mobile=MOBILE, birthday=BIRTHDAY)
        page = text(client.get(f"/people/{colleague.user_id}/"))
        assert MOBILE in page and "14 July" in page


# --- business card ---------------------------------------------------------------------------


def test_business_card_is_a_fragment_with_a_follow_button(client, me):
    grace = person("Grace", "Hopper", job_title="Rear Admiral", department="Navy", location="Arlington")
    response = client.get(f"/people/{grace.user_id}/card/", **HTMX)
    assert response.status_code == 200
    content = text(response)
    assert "<html" not in content
    for expected in ("Grace Hopper", "Rear Admiral", "Navy", "Arlington", ">Follow</button>"):
        assert expected in content
    assert f'hx-post="/people/{grace.user_id}/follow/"' in content


def test_own_business_card_has_no_follow_button(client, me):
    content = text(client.get(f"/people/{me.user_id}/card/"))
    assert me.name in content
    assert "follow-form" not in content


# --- edit ------------------------------------------------------------------------------------


class TestEdit:
    def test_owner_edits_their_profile(self, client, me):
        assert client.get("/people/me/edit/").status_code == 200
        data = edit_data(
            me,
            job_title="Staff Engineer",
            phone_work="+33 1 23 45 67 89",
            skills="Python, Django",
            languages="French, English",
            about="Hello **world**",
        )
        response = client.post("/people/me/edit/", data)
        assert response.status_code == 302
        assert response["Location"] == f"/people/{me.user_id}/"
        assert "Profile saved." in text(client.get(response["Location"]))
        me.refresh_from_db()
        assert (me.job_title, me.phone_work, me.languages) == (
            "Staff Engineer",
            "+33 1 23 45 67 89",
            ["French", "English"],
        )
        assert sorted(me.skills.values_list("name", flat=True)) == ["Django", "Python"]
        assert "<strong>world</strong>" in me.about_html

    def test_own_profile_by_id_is_editable_too(self, client, me):
        response = client.post(f"/people/{me.user_id}/edit/", edit_data(me, team="Platform"))
        assert response.status_code == 302
        me.refresh_from_db()
        assert me.team == "Platform"

    def test_invalid_phone_shows_the_error_and_keeps_what_was_entered(self, client, me):
        old_title = me.job_title
        response = client.post(
            "/people/me/edit/", edit_data(me, phone_mobile="call me maybe", job_title="Chief Tinkerer", team="Labs")
        )
        assert response.status_code == 200
        content = text(response)
        assert PHONE_ERROR in content
        assert 'value="Chief Tinkerer"' in input_tag(content, "job_title")
        assert 'value="Labs"' in input_tag(content, "team")
        assert 'value="call me maybe"' in input_tag(content, "phone_mobile")
        me.refresh_from_db()
        assert (me.job_title, me.team, me.phone_mobile) == (old_title, "", "")

    def test_an_avatar_that_is_not_an_image_shows_the_error(self, client, me, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        fake = SimpleUploadedFile("me.png", b"%PDF-1.4 not a picture", content_type="image/png")
        response = client.post("/people/me/edit/", edit_data(me, avatar=fake))
        assert response.status_code == 200
        assert AVATAR_ERROR in text(response)
        me.refresh_from_db()
        assert me.avatar == {}

    def test_directory_owned_fields_are_read_only(self, client, me):
        me.job_title = "Directory Title"
        me.field_sources = {"job_title": "LDAP corp.example.com"}
        me.save()
        content = text(client.get("/people/me/edit/"))
        assert " disabled" in input_tag(content, "job_title")
        assert " disabled" not in input_tag(content, "team")
        assert "Set by LDAP corp.example.com; ask your administrator to change it." in content
        assert "Some fields come from the company directory and cannot be changed here." in content
        response = client.post("/people/me/edit/", edit_data(me, job_title="Hacked", team="New Team"))
        assert response.status_code == 302
        me.refresh_from_db()
        assert (me.job_title, me.team) == ("Directory Title", "New Team")

    def test_an_avatar_error_saves_nothing_else(self, client, me, settings, tmp_path):
        """The form comes back with an error: the person has been told nothing was saved."""
        settings.MEDIA_ROOT = tmp_path
        old_title = me.job_title
        fake = SimpleUploadedFile("me.png", b"%PDF-1.4 not a picture", content_type="image/png")
        response = client.post("/people/me/edit/", edit_data(me, job_title="Chief Tinkerer", avatar=fake))
        assert AVATAR_ERROR in text(response)
        me.refresh_from_db()
        assert me.job_title == old_title

    def test_an_employee_whose_manager_left_can_still_edit(self, client, me):
        """The manager field is read-only for an employee: its value cannot block the form."""
        boss = person("Big", "Boss")
        me.manager = boss
        me.save()
        boss.user.is_active = False
        boss.user.save()
        content = text(client.get("/people/me/edit/"))
        assert " disabled" in input_tag(content, "manager_email")
        response = client.post("/people/me/edit/", edit_data(me, team="Platform"))
        assert response.status_code == 302, re.findall(r'<ul class="errorlist[^>]*>.*?</ul>', text(response))
        me.refresh_from_db()
        assert (me.team, me.manager) == ("Platform", boss)

    def test_markup_in_about_is_sanitised(self, client, me):
        client.post("/people/me/edit/", edit_data(me, about="Hi <script>alert(1)</script> **there**"))
        page = text(client.get(f"/people/{me.user_id}/"))
        assert "<strong>there</strong>" in page
        assert "<script>alert(1)" not in page

    def test_an_employee_cannot_edit_someone_else(self, client, me):
        grace = person("Grace", "Hopper", job_title="Rear Admiral")
        assert client.get(f"/people/{grace.user_id}/edit/").status_code == 404
        assert client.post(f"/people/{grace.user_id}/edit/", edit_data(grace, job_title="Hacked")).status_code == 404
        grace.refresh_from_db()
        assert grace.job_title == "Rear Admiral"

    def test_without_a_profile_the_edit_page_makes_one(self, client, user):
        client.force_login(user)
        assert client.get("/people/me/edit/").status_code == 200
        assert user.profile.pk is not None

    def test_an_admin_edits_someone_else_and_their_manager(self, client, staff_user):
        client.force_login(staff_user)
        grace = person("Grace", "Hopper", field_sources={"job_title": "LDAP corp.example.com"})
        boss = person("Big", "Boss")
        content = text(client.get(f"/people/{grace.user_id}/edit/"))
        assert " disabled" not in input_tag(content, "manager_email")
        assert " disabled" not in input_tag(content, "job_title")
        data = edit_data(
            grace, job_title="Rear Admiral", manager_email=boss.user.email.upper(), start_date="2020-01-06"
        )
        response = client.post(f"/people/{grace.user_id}/edit/", data)
        assert response.status_code == 302
        assert response["Location"] == f"/people/{grace.user_id}/"
        grace.refresh_from_db()
        assert (grace.job_title, grace.manager, grace.start_date) == ("Rear Admiral", boss, date(2020, 1, 6))
        assert "Big Boss" in text(client.get(f"/people/{grace.user_id}/"))

    def test_an_unknown_manager_address_is_an_error(self, client, staff_user):
        client.force_login(staff_user)
        grace = person("Grace", "Hopper")
        response = client.post(f"/people/{grace.user_id}/edit/", edit_data(grace, manager_email="nobody@example.com"))
        assert response.status_code == 200
        assert "No current employee has this address." in text(response)

    def test_a_manager_loop_is_an_error(self, client, staff_user):
        client.force_login(staff_user)
        chief = person("Alice", "Chief")
        deputy = person("Bob", "Deputy", manager=chief)
        assistant = person("Carol", "Assistant", manager=deputy)
        for manager in (deputy, assistant):
            response = client.post(f"/people/{chief.user_id}/edit/", edit_data(chief, manager_email=manager.user.email))
            assert response.status_code == 200
            assert f"{manager.name} reports to this person already: that would make a loop." in text(response)
        response = client.post(f"/people/{chief.user_id}/edit/", edit_data(chief, manager_email=chief.user.email))
        assert "Nobody is their own manager." in text(response)
        chief.refresh_from_db()
        assert chief.manager is None


# --- avatars -----------------------------------------------------------------------------------


class TestAvatar:
    def test_upload_then_serve_as_webp(self, client, me, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        response = client.post("/people/me/edit/", edit_data(me, avatar=png()))
        assert response.status_code == 302
        me.refresh_from_db()
        assert {"256", "96", "40", "version"} <= set(me.avatar)
        assert f'src="/people/{me.user_id}/avatar/256/?v={me.avatar["version"]}"' in text(
            client.get(f"/people/{me.user_id}/")
        )
        response = client.get(f"/people/{me.user_id}/avatar/96/")
        assert response.status_code == 200
        assert response["Content-Type"] == "image/webp"
        assert response["X-Content-Type-Options"] == "nosniff"
        body = b"".join(response.streaming_content)
        response.close()
        assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"
        assert Image.open(io.BytesIO(body)).size == (96, 96)

    def test_unknown_size_missing_avatar_and_anonymous(self, client, me, settings, tmp_path):
        settings.MEDIA_ROOT = tmp_path
        client.post("/people/me/edit/", edit_data(me, avatar=png()))
        assert client.get(f"/people/{me.user_id}/avatar/50/").status_code == 404
        plain = person("Grace", "Hopper")
        assert client.get(f"/people/{plain.user_id}/avatar/96/").status_code == 404
        client.logout()
        response = client.get(f"/people/{me.user_id}/avatar/96/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")


# --- follow ------------------------------------------------------------------------------------


class TestFollow:
    def test_follow_then_unfollow(self, client, me):
        grace = person("Grace", "Hopper")
        response = client.post(f"/people/{grace.user_id}/follow/")
        assert response.status_code == 302
        assert response["Location"] == f"/people/{grace.user_id}/"
        assert Follow.objects.filter(follower=me.user, followee=grace.user).exists()
        page = text(client.get(f"/people/{grace.user_id}/"))
        assert ">Following</button>" in page and "1 follower<" in page
        client.post(f"/people/{grace.user_id}/follow/", {"action": "unfollow"})
        assert not Follow.objects.exists()
        assert ">Follow</button>" in text(client.get(f"/people/{grace.user_id}/"))

    def test_follow_then_unfollow_with_htmx(self, client, me):
        grace = person("Grace", "Hopper")
        response = client.post(f"/people/{grace.user_id}/follow/", {"action": "follow"}, **HTMX)
        assert response.status_code == 200
        content = text(response)
        assert "<html" not in content
        assert content.startswith('<form class="follow-form"')
        assert ">Following</button>" in content and 'value="unfollow"' in content
        assert Follow.objects.filter(follower=me.user, followee=grace.user).count() == 1
        content = text(client.post(f"/people/{grace.user_id}/follow/", {"action": "unfollow"}, **HTMX))
        assert ">Follow</button>" in content and ">Following</button>" not in content
        assert not Follow.objects.exists()

    def test_following_twice_makes_one_follow(self, client, me):
        grace = person("Grace", "Hopper")
        client.post(f"/people/{grace.user_id}/follow/")
        client.post(f"/people/{grace.user_id}/follow/")
        assert Follow.objects.count() == 1

    def test_following_yourself_is_an_error(self, client, me):
        response = client.post(f"/people/{me.user_id}/follow/", follow=True)
        assert "You cannot follow yourself." in text(response)
        assert not Follow.objects.exists()

    def test_following_nobody_is_404(self, client, me):
        assert client.post("/people/987654/follow/").status_code == 404
        no_profile = UserFactory()
        assert client.post(f"/people/{no_profile.pk}/follow/").status_code == 404
        assert not Follow.objects.exists()

    def test_follow_lists(self, client, me):
        grace, ada = person("Grace", "Hopper"), person("Ada", "Lovelace")
        Follow.objects.create(follower=grace.user, followee=me.user)
        Follow.objects.create(follower=ada.user, followee=me.user)
        Follow.objects.create(follower=me.user, followee=grace.user)
        # Newest first.
        assert listed_ids(text(client.get(f"/people/{me.user_id}/followers/"))) == [ada.user_id, grace.user_id]
        assert listed_ids(text(client.get(f"/people/{me.user_id}/following/"))) == [grace.user_id]
        content = text(client.get(f"/people/{ada.user_id}/followers/"))
        assert "Nobody follows Ada Lovelace yet." in content
        alan = person("Alan", "Turing")
        assert "Alan Turing does not follow anyone yet." in text(client.get(f"/people/{alan.user_id}/following/"))


# --- deactivation ------------------------------------------------------------------------------


def _can_sign_in(user) -> bool:
    from django.test import Client

    browser = Client()
    browser.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    return "_auth_user_id" in browser.session and browser.get("/").status_code == 200


class TestDeactivate:
    def test_admin_deactivates_then_reactivates(self, client, staff_user):
        client.force_login(staff_user)
        grace = person("Grace", "Hopper")
        assert _can_sign_in(grace.user)
        response = client.post(f"/people/{grace.user_id}/deactivate/")
        assert response.status_code == 302
        assert response["Location"] == f"/people/{grace.user_id}/"
        grace.user.refresh_from_db()
        assert grace.user.is_active is False
        page = text(client.get(f"/people/{grace.user_id}/"))
        assert "Grace Hopper has been deactivated." in page
        assert "Former employee" in page and "Reactivate account" in page
        assert grace.user_id not in listed_ids(text(client.get("/people/")))
        assert grace.user_id not in listed_ids(text(client.get("/people/", {"q": "grace"}, **HTMX)))
        assert not _can_sign_in(grace.user)

        response = client.post(f"/people/{grace.user_id}/reactivate/")
        assert response.status_code == 302
        grace.user.refresh_from_db()
        assert grace.user.is_active is True
        page = text(client.get(f"/people/{grace.user_id}/"))
        assert "Grace Hopper can sign in again." in page and "Former employee" not in page
        assert grace.user_id in listed_ids(text(client.get("/people/")))
        assert _can_sign_in(grace.user)

    def test_an_employee_cannot_deactivate_anyone(self, client, me):
        grace = person("Grace", "Hopper")
        assert client.post(f"/people/{grace.user_id}/deactivate/").status_code == 404
        grace.user.refresh_from_db()
        assert grace.user.is_active is True
        grace.user.is_active = False
        grace.user.save()
        assert client.post(f"/people/{grace.user_id}/reactivate/").status_code == 404
        grace.user.refresh_from_db()
        assert grace.user.is_active is False

    def test_an_admin_cannot_deactivate_themselves(self, client, staff_user):
        client.force_login(staff_user)
        ProfileFactory(user=staff_user)
        response = client.post(f"/people/{staff_user.pk}/deactivate/", follow=True)
        assert "You cannot deactivate your own account." in text(response)
        staff_user.refresh_from_db()
        assert staff_user.is_active is True

    def test_deactivating_nobody_is_404(self, client, staff_user):
        client.force_login(staff_user)
        assert client.post("/people/987654/deactivate/").status_code == 404


def test_an_account_without_a_profile_gets_one_from_my_profile(client):
    from apps.profiles.models import Profile
    from tests.factories import UserFactory

    newcomer = UserFactory(first_name="Ana", last_name="Ortiz")
    assert not Profile.objects.filter(user=newcomer).exists()
    client.force_login(newcomer)
    response = client.get("/people/me/", follow=True)
    assert response.status_code == 200
    assert "Ana Ortiz" in response.content.decode()
    assert Profile.objects.get(user=newcomer).sort_name == "ana ortiz"


def test_history_restore_gets_the_whole_page_and_caches_keep_them_apart(client, user):
    client.force_login(user)
    fragment = client.get("/people/?q=x", HTTP_HX_REQUEST="true")
    restore = client.get("/people/?q=x", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" not in fragment.content.decode()
    assert "<html" in restore.content.decode()
    assert "HX-Request" in fragment["Vary"] and "HX-Request" in restore["Vary"]

"""Reads of the directory: search, org chart, follows, export; who sees what, private
fields masked for everyone but the owner and admins, constant query counts."""

import base64
import datetime
import json

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from apps.core.pagination import encode_cursor
from apps.profiles import selectors, services
from apps.profiles.models import Follow, Profile, ProfileFieldPolicy, Skill
from apps.profiles.selectors import (
    follow_state,
    followers_list,
    following_list,
    manager_chain,
    org_chart,
    profile_get,
    profile_search,
    profiles_for_export,
    reports_of,
)
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def indexed(profile: Profile) -> Profile:
    """Factories leave the search fields empty: compute them as profile_update does."""
    services.profile_refresh_search(profile=profile)
    return profile


def person(first: str, last: str, **fields) -> Profile:
    fields.setdefault("job_title", "Analyst")
    user_fields = {key: fields.pop(key) for key in ("is_active", "email") if key in fields}
    user = UserFactory(first_name=first, last_name=last, **user_fields)
    return indexed(ProfileFactory(user=user, **fields))


def search_names(viewer, query="", **kwargs) -> list[str]:
    return [p.name for p in profile_search(viewer=viewer, query=query, **kwargs).items]


def fresh(user):
    """The same account, without cached permissions (as a new request would have it)."""
    return type(user).objects.get(pk=user.pk)


# ---------------------------------------------------------------- profile_search


class TestSearch:
    @pytest.fixture(autouse=True)
    def people(self):
        self.helene = person(
            "Hélène",
            "Lefèvre",
            job_title="Contrôleuse financière",
            department="Finance",
            location="Lyon",
            team="Consolidation",
        )
        self.helene.skills.set([Skill.objects.create(name="Contrôle de gestion", folded="controle de gestion")])
        indexed(self.helene)
        self.hector = person("Hector", "Martin", job_title="Data engineer", department="Engineering", location="Paris")
        self.lea = person("Léa", "Lefort", job_title="Product designer", department="Design", location="Lyon")

    def test_accent_free_query_finds_accented_first_name(self, user):
        assert search_names(user, "helene") == ["Hélène Lefèvre"]

    def test_accent_free_query_finds_accented_last_name(self, user):
        assert search_names(user, "lefevre") == ["Hélène Lefèvre"]

    def test_accented_and_upper_case_query_finds_too(self, user):
        assert search_names(user, "HÉLÈNE") == ["Hélène Lefèvre"]

    def test_each_word_is_a_prefix(self, user):
        assert search_names(user, "lef") == ["Hélène Lefèvre", "Léa Lefort"]
        assert search_names(user, "he") == ["Hector Martin", "Hélène Lefèvre"]

    def test_every_word_must_match(self, user):
        assert search_names(user, "hel lef") == ["Hélène Lefèvre"]
        assert search_names(user, "hec lef") == []

    def test_by_job_title(self, user):
        assert search_names(user, "designer") == ["Léa Lefort"]
        assert search_names(user, "data eng") == ["Hector Martin"]

    def test_by_department(self, user):
        assert search_names(user, "finance") == ["Hélène Lefèvre"]

    def test_by_office(self, user):
        assert search_names(user, "lyon") == ["Hélène Lefèvre", "Léa Lefort"]

    def test_by_team(self, user):
        assert search_names(user, "consolidation") == ["Hélène Lefèvre"]

    def test_accent_free_query_finds_accented_skill(self, user):
        assert search_names(user, "controle") == ["Hélène Lefèvre"]
        assert search_names(user, "controle gestion") == ["Hélène Lefèvre"]

    def test_by_email_local_part(self, user):
        self.hector.user.email = "hmartin@example.com"
        self.hector.user.save()
        indexed(self.hector)
        assert search_names(user, "hmartin") == ["Hector Martin"]

    def test_operators_in_the_query_do_not_break_it(self, user):
        assert search_names(user, "hel & !lef | :* (") == ["Hélène Lefèvre"]

    def test_empty_query_lists_everyone_by_name(self, user):
        assert search_names(user, "") == ["Hector Martin", "Hélène Lefèvre", "Léa Lefort"]

    def test_department_filter(self, user):
        assert search_names(user, department="Design") == ["Léa Lefort"]
        assert search_names(user, "lef", department="Finance") == ["Hélène Lefèvre"]
        assert search_names(user, department="Nowhere") == []

    def test_location_filter(self, user):
        assert search_names(user, location="Lyon") == ["Hélène Lefèvre", "Léa Lefort"]
        assert search_names(user, location="Lyon", department="Design") == ["Léa Lefort"]
        assert search_names(user, "hector", location="Lyon") == []

    def test_deactivated_employees_are_absent(self, user):
        self.helene.user.is_active = False
        self.helene.user.save()
        assert search_names(user, "helene") == []
        assert search_names(user, "") == ["Hector Martin", "Léa Lefort"]

    def test_anonymous_viewer_gets_nothing(self):
        page = profile_search(viewer=AnonymousUser(), query="")
        assert page.items == []
        assert page.next_cursor is None
        assert profile_search(viewer=None, query="helene").items == []

    def test_inactive_viewer_gets_nothing(self):
        viewer = UserFactory(is_active=False)
        assert profile_search(viewer=viewer, query="").items == []
        assert profile_search(viewer=viewer, query="helene").items == []


class TestSearchPages:
    @pytest.fixture(autouse=True)
    def people(self):
        # Sorted by folded name, then id: two "Céline Petit" straddle a page boundary.
        self.ordered = [
            person("alice", "Martin"),
            person("Céline", "Petit"),
            person("Céline", "Petit"),
            person("David", "Moreau"),
            person("Émilie", "Roux"),
        ]

    def test_pages_in_name_order_without_duplicates_or_gaps(self, user):
        pages, cursor = [], None
        for _ in range(10):
            page = profile_search(viewer=user, cursor=cursor, limit=2)
            pages.append([p.id for p in page.items])
            cursor = page.next_cursor
            if cursor is None:
                break
        ids = [p.id for p in self.ordered]
        assert pages == [ids[0:2], ids[2:4], ids[4:5]]

    def test_last_full_page_has_no_cursor(self, user):
        first = profile_search(viewer=user, limit=5)
        assert [p.id for p in first.items] == [p.id for p in self.ordered]
        assert first.next_cursor is None

    def test_cursor_applies_to_the_filtered_list(self, user):
        first = profile_search(viewer=user, query="celine", limit=1)
        assert [p.id for p in first.items] == [self.ordered[1].id]
        second = profile_search(viewer=user, query="celine", cursor=first.next_cursor, limit=1)
        assert [p.id for p in second.items] == [self.ordered[2].id]
        assert second.next_cursor is None

    @pytest.mark.parametrize(
        "cursor",
        [
            "not a cursor!!",
            "%%%",
            base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
            encode_cursor(["only one value"]),
            base64.urlsafe_b64encode(json.dumps({"sort_name": "celine"}).encode()).decode(),
        ],
    )
    def test_damaged_cursor_restarts(self, user, cursor):
        page = profile_search(viewer=user, cursor=cursor, limit=2)
        assert [p.id for p in page.items] == [p.id for p in self.ordered[:2]]
        assert page.next_cursor is not None

    @pytest.mark.parametrize("values", [["celine", "not-an-id"], [None, None], [["x"], {"y": 1}]])
    def test_tampered_cursor_with_wrong_types_restarts(self, user, values):
        page = profile_search(viewer=user, cursor=encode_cursor(values), limit=2)
        assert [p.id for p in page.items] == [p.id for p in self.ordered[:2]]


# ---------------------------------------------------------------- profile_get


def test_profile_get_returns_the_profile_with_manager_and_skills(user):
    boss = person("Boss", "Big")
    employee = person("Anne", "Small", manager=boss)
    got = profile_get(viewer=user, user_id=employee.user_id)
    assert got == employee
    assert got.manager == boss


def test_profile_get_is_404_for_anonymous_and_inactive_viewers():
    target = person("Anne", "Small")
    with pytest.raises(Http404):
        profile_get(viewer=AnonymousUser(), user_id=target.user_id)
    with pytest.raises(Http404):
        profile_get(viewer=UserFactory(is_active=False), user_id=target.user_id)


def test_profile_get_is_404_without_profile(user):
    with pytest.raises(Http404):
        profile_get(viewer=user, user_id=UserFactory().pk)


def test_former_employee_profile_still_readable_and_marked(user):
    former = person("Gone", "Away", is_active=False)
    got = profile_get(viewer=user, user_id=former.user_id)
    assert got.is_former_employee


# ---------------------------------------------------------------- private fields

MOBILE = "+33 6 12 34 56 78"
WORK = "+33 1 23 45 67 89"
BIRTHDAY = datetime.date(1988, 5, 17)


class TestPrivateFields:
    @pytest.fixture(autouse=True)
    def world(self):
        ProfileFieldPolicy.objects.update_or_create(field="phone_mobile", defaults={"is_private": True})
        ProfileFieldPolicy.objects.update_or_create(field="birthday", defaults={"is_private": True})
        ProfileFieldPolicy.objects.update_or_create(
            field="pronouns", defaults={"is_private": False}
        )  # declared, but public
        private = {"phone_mobile": MOBILE, "phone_work": WORK, "birthday": BIRTHDAY, "pronouns": "she/her"}
        self.boss = person("Bea", "Boss", **private)
        self.owner = person("Olga", "Owner", manager=self.boss, **private)
        self.peer = person("Paul", "Peer", manager=self.boss, **private)
        self.report = person("Rita", "Report", manager=self.owner, **private)
        self.everyone = [self.boss, self.owner, self.peer, self.report]
        self.colleague = UserFactory()
        for profile in self.everyone:
            Follow.objects.create(follower=profile.user, followee=self.colleague)

    def assert_masked(self, profile):
        assert profile.phone_mobile == ""
        assert profile.birthday is None
        assert profile.phone_work == WORK
        assert profile.pronouns == "she/her"
        assert profile.hidden_fields == {"phone_mobile", "birthday"}

    def assert_shown(self, profile):
        assert profile.phone_mobile == MOBILE
        assert profile.birthday == BIRTHDAY
        assert profile.phone_work == WORK
        assert profile.hidden_fields == set()

    def assert_db_untouched(self):
        for profile in Profile.objects.filter(pk__in=[p.pk for p in self.everyone]):
            assert profile.phone_mobile == MOBILE
            assert profile.birthday == BIRTHDAY

    def viewers(self, staff_user):
        return {"colleague": self.colleague, "owner": self.owner.user, "admin": staff_user}

    def check(self, profile, viewer_kind):
        """Owner sees their own fields, admins see everything, the rest is masked."""
        if viewer_kind == "admin" or (viewer_kind == "owner" and profile.pk == self.owner.pk):
            self.assert_shown(profile)
        else:
            self.assert_masked(profile)

    @pytest.mark.parametrize("viewer_kind", ["colleague", "owner", "admin"])
    def test_profile_get(self, staff_user, viewer_kind):
        viewer = self.viewers(staff_user)[viewer_kind]
        self.check(profile_get(viewer=viewer, user_id=self.owner.user_id), viewer_kind)
        self.check(profile_get(viewer=viewer, user_id=self.peer.user_id), viewer_kind)
        self.assert_db_untouched()

    @pytest.mark.parametrize("viewer_kind", ["colleague", "owner", "admin"])
    def test_profile_search(self, staff_user, viewer_kind):
        viewer = self.viewers(staff_user)[viewer_kind]
        items = profile_search(viewer=viewer, query="").items
        assert {p.pk for p in items} == {p.pk for p in self.everyone}
        for profile in items:
            self.check(profile, viewer_kind)
        self.assert_db_untouched()

    @pytest.mark.parametrize("viewer_kind", ["colleague", "owner", "admin"])
    def test_org_chart(self, staff_user, viewer_kind):
        viewer = self.viewers(staff_user)[viewer_kind]
        chart = org_chart(viewer=viewer, user_id=self.owner.user_id)
        assert [p.pk for p in chart["chain"]] == [self.boss.pk]
        assert [p.pk for p in chart["level"]] == [self.owner.pk, self.peer.pk]
        assert [p.pk for p in chart["reports"]] == [self.report.pk]
        shown = [chart["person"], *chart["chain"], *chart["level"], *chart["reports"]]
        for profile in shown:
            self.check(profile, viewer_kind)
        self.assert_db_untouched()

    @pytest.mark.parametrize("viewer_kind", ["colleague", "owner", "admin"])
    def test_followers_list(self, staff_user, viewer_kind):
        viewer = self.viewers(staff_user)[viewer_kind]
        items = followers_list(viewer=viewer, user_id=self.colleague.pk).items
        assert [p.pk for p in items] == [p.pk for p in reversed(self.everyone)]
        for profile in items:
            self.check(profile, viewer_kind)
        self.assert_db_untouched()

    @pytest.mark.parametrize("viewer_kind", ["colleague", "owner", "admin"])
    def test_profiles_for_export(self, staff_user, viewer_kind):
        viewer = self.viewers(staff_user)[viewer_kind]
        rows = list(profiles_for_export(viewer=viewer))
        assert [p.pk for p in rows] == [self.boss.pk, self.owner.pk, self.peer.pk, self.report.pk]
        for profile in rows:
            self.check(profile, viewer_kind)
        self.assert_db_untouched()

    def test_export_is_empty_for_anonymous(self):
        assert list(profiles_for_export(viewer=AnonymousUser())) == []

    def test_a_policy_switched_off_shows_the_field(self):
        ProfileFieldPolicy.objects.filter(field="birthday").update(is_private=False)
        got = profile_get(viewer=self.colleague, user_id=self.owner.user_id)
        assert got.birthday == BIRTHDAY
        assert got.phone_mobile == ""

    def test_employee_without_admin_rights_is_not_an_admin(self):
        assert not selectors.is_profile_admin(self.colleague)
        assert not selectors.can_see_private_fields(viewer=self.colleague, profile=self.owner)
        assert selectors.can_see_private_fields(viewer=self.owner.user, profile=self.owner)


# ---------------------------------------------------------------- org chart


def test_manager_chain_empty_without_manager(user):
    assert manager_chain(viewer=user, profile=person("Top", "Boss")) == []


def test_manager_chain_one_level(user):
    boss = person("Bea", "Boss")
    employee = person("Emma", "Employee", manager=boss)
    assert manager_chain(viewer=user, profile=employee) == [boss]


def test_manager_chain_four_levels_from_the_top_down(user):
    # Names in reverse alphabetical order, ids in creation order: neither decides the order.
    ceo = person("Zoé", "Ceo")
    vp = person("Yann", "Vp", manager=ceo)
    director = person("Xavier", "Director", manager=vp)
    manager = person("Walter", "Manager", manager=director)
    employee = person("Anna", "Employee", manager=manager)
    assert manager_chain(viewer=user, profile=employee) == [ceo, vp, director, manager]
    assert manager_chain(viewer=user, profile=director) == [ceo, vp]


def test_manager_chain_empty_for_anonymous():
    boss = person("Bea", "Boss")
    employee = person("Emma", "Employee", manager=boss)
    assert manager_chain(viewer=AnonymousUser(), profile=employee) == []


def test_reports_of_lists_active_reports_by_name_with_active_report_counts(user):
    boss = person("Bea", "Boss")
    zed = person("Zed", "Last", manager=boss)
    amy = person("Amy", "First", manager=boss)
    person("Gone", "Former", manager=boss, is_active=False)
    person("Kim", "Active", manager=amy)
    person("Lou", "Active", manager=amy)
    person("Max", "Former", manager=amy, is_active=False)
    reports = reports_of(viewer=user, profile=boss)
    assert reports == [amy, zed]
    assert [r.report_count for r in reports] == [2, 0]


def test_org_chart_level_is_peers_and_person_sorted(user):
    boss = person("Bea", "Boss")
    mia = person("Mia", "Middle", manager=boss)
    person("Old", "Former", manager=boss, is_active=False)
    zoe = person("Zoé", "Zulu", manager=boss)
    adam = person("Adam", "Alpha", manager=boss)
    report = person("Remy", "Report", manager=mia)
    person("Gone", "Report", manager=mia, is_active=False)
    chart = org_chart(viewer=user, user_id=mia.user_id)
    assert chart["person"] == mia
    assert chart["person"].report_count == 1
    assert chart["chain"] == [boss]
    assert chart["level"] == [adam, mia, zoe]
    assert chart["reports"] == [report]


def test_org_chart_of_the_top_is_alone_on_its_level(user):
    ceo = person("Ceo", "Top")
    vp = person("Vp", "Under", manager=ceo)
    chart = org_chart(viewer=user, user_id=ceo.user_id)
    assert chart["chain"] == []
    assert chart["level"] == [ceo]
    assert chart["reports"] == [vp]
    assert chart["person"].report_count == 1


def test_org_chart_is_404_for_anonymous():
    target = person("Anne", "Small")
    with pytest.raises(Http404):
        org_chart(viewer=AnonymousUser(), user_id=target.user_id)


# ---------------------------------------------------------------- follows


class TestFollows:
    @pytest.fixture(autouse=True)
    def world(self):
        self.star = person("Sam", "Star")
        self.fans = [person(f"Fan{i}", "Follower") for i in range(5)]
        for fan in self.fans:
            Follow.objects.create(follower=fan.user, followee=self.star.user)

    def test_follow_state(self):
        viewer = self.fans[0].user
        Follow.objects.create(follower=self.star.user, followee=viewer)
        assert follow_state(viewer=viewer, user_id=self.star.user_id) == {
            "followers": 5,
            "following": 1,
            "is_following": True,
        }
        outsider = UserFactory()
        assert follow_state(viewer=outsider, user_id=self.star.user_id) == {
            "followers": 5,
            "following": 1,
            "is_following": False,
        }
        assert follow_state(viewer=outsider, user_id=outsider.pk) == {
            "followers": 0,
            "following": 0,
            "is_following": False,
        }

    def test_followers_newest_first(self, user):
        page = followers_list(viewer=user, user_id=self.star.user_id)
        assert page.items == list(reversed(self.fans))
        assert page.next_cursor is None

    def test_followers_keyset_pages(self, user):
        pages, cursor = [], None
        for _ in range(10):
            page = followers_list(viewer=user, user_id=self.star.user_id, cursor=cursor, limit=2)
            pages.append(page.items)
            cursor = page.next_cursor
            if cursor is None:
                break
        newest_first = list(reversed(self.fans))
        assert pages == [newest_first[0:2], newest_first[2:4], newest_first[4:5]]

    def test_followers_pages_when_follows_share_a_timestamp(self, user):
        Follow.objects.filter(followee=self.star.user).update(
            created_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
        )
        seen, cursor = [], None
        for _ in range(10):
            page = followers_list(viewer=user, user_id=self.star.user_id, cursor=cursor, limit=2)
            seen += page.items
            cursor = page.next_cursor
            if cursor is None:
                break
        follow_ids = Follow.objects.filter(followee=self.star.user).order_by("-id").values_list("follower", flat=True)
        assert [p.user_id for p in seen] == list(follow_ids)

    def test_following_newest_first_with_pages(self, user):
        fan = self.fans[0]
        idols = [person(f"Idol{i}", "Star") for i in range(3)]
        for idol in idols:
            Follow.objects.create(follower=fan.user, followee=idol.user)
        first = following_list(viewer=user, user_id=fan.user_id, limit=2)
        assert first.items == [idols[2], idols[1]]
        second = following_list(viewer=user, user_id=fan.user_id, cursor=first.next_cursor, limit=2)
        assert second.items == [idols[0], self.star]
        assert second.next_cursor is None

    def test_damaged_follow_cursor_restarts(self, user):
        page = followers_list(viewer=user, user_id=self.star.user_id, cursor="garbage!!", limit=2)
        assert page.items == list(reversed(self.fans))[:2]

    def test_tampered_follow_cursor_with_wrong_types_restarts(self, user):
        cursor = encode_cursor(["not-a-date", "not-an-id"])
        page = followers_list(viewer=user, user_id=self.star.user_id, cursor=cursor, limit=2)
        assert page.items == list(reversed(self.fans))[:2]

    def test_anonymous_sees_no_followers(self):
        assert followers_list(viewer=AnonymousUser(), user_id=self.star.user_id).items == []
        assert following_list(viewer=AnonymousUser(), user_id=self.fans[0].user_id).items == []


# ---------------------------------------------------------------- query counts


def _with_skills(profile, n):
    profile.skills.set([Skill.objects.get_or_create(name=f"Skill {i}", folded=f"skill {i}")[0] for i in range(n)])
    return indexed(profile)


@pytest.mark.parametrize("count", [1, 20])
def test_profile_search_query_count_is_constant(django_assert_num_queries, count):
    ProfileFieldPolicy.objects.update_or_create(field="phone_mobile", defaults={"is_private": True})
    for i in range(count):
        _with_skills(person(f"Match{i}", "Searched", job_title="Accountant"), 3)
    person("Other", "Person", job_title="Gardener")
    viewer = fresh(UserFactory())
    # the page, its skills, the field policies, the viewer's permissions (user, group)
    with django_assert_num_queries(5):
        page = profile_search(viewer=viewer, query="accountant")
        assert len(page.items) == count
        assert all(len(p.skills.all()) == 3 for p in page.items)


@pytest.mark.parametrize("count", [1, 20])
def test_reports_of_query_count_is_constant(django_assert_num_queries, count):
    boss = person("Bea", "Boss")
    for i in range(count):
        report = person(f"Report{i}", "Person", manager=boss)
        person(f"Sub{i}", "Person", manager=report)
    viewer = fresh(UserFactory())
    # the reports with their counts, the field policies, the viewer's permissions (user, group)
    with django_assert_num_queries(4):
        reports = reports_of(viewer=viewer, profile=boss)
        assert len(reports) == count
        assert [r.report_count for r in reports] == [1] * count
        assert all(r.user.email for r in reports)


@pytest.mark.parametrize("depth", [1, 4, 20])
def test_manager_chain_query_count_is_constant(django_assert_num_queries, depth):
    manager = None
    for i in range(depth):
        manager = person(f"Level{i}", "Manager", manager=manager)
    employee = person("Emma", "Employee", manager=manager)
    viewer = fresh(UserFactory())
    # the recursive walk, the managers, the field policies, the viewer's permissions (user, group)
    with django_assert_num_queries(5):
        chain = manager_chain(viewer=viewer, profile=employee)
        assert len(chain) == depth
        assert all(p.user.email for p in chain)

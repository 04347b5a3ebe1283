"""Reads of communities: who sees which community (`visible_to`), the directory (search,
"mine", keyset pages, counts), suggestions, a person's communities, member lists, and
constant query counts."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from apps.communities.models import Community, Membership, Role, State, Visibility
from apps.communities.selectors import (
    communities_of,
    community_get,
    community_list,
    community_suggestions,
    members_page,
)
from apps.communities.services import community_archive, community_create
from apps.core.pagination import encode_cursor
from apps.profiles.models import Follow
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def fresh(user):
    """The same account, without cached permissions (as a new request would have it)."""
    return type(user).objects.get(pk=user.pk)


def place(community, user, state, role=Role.MEMBER):
    return Membership.objects.update_or_create(community=community, user=user, defaults={"state": state, "role": role})[
        0
    ]


def make(owner, visibility=Visibility.PUBLIC, name="Guild", **fields):
    return community_create(actor=owner, name=name, visibility=visibility, **fields)


def visible_names(viewer) -> set[str]:
    return set(Community.objects.visible_to(viewer).values_list("name", flat=True))


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def three(owner):
    return {v: make(owner, v, name=v.capitalize()) for v in Visibility.values}


# ---------------------------------------------------------------- visible_to


def test_anonymous_sees_nothing(three):
    assert visible_names(AnonymousUser()) == set()
    assert visible_names(None) == set()


def test_inactive_employee_sees_nothing_even_as_member(three):
    gone = UserFactory(is_active=False)
    place(three[Visibility.PRIVATE], gone, State.ACTIVE)
    assert visible_names(gone) == set()


def test_outsider_sees_public_and_moderated(three):
    assert visible_names(UserFactory()) == {"Public", "Moderated"}


@pytest.mark.parametrize("state", [State.ACTIVE, State.INVITED])
def test_member_and_invited_see_the_private_one(three, state):
    person = UserFactory()
    place(three[Visibility.PRIVATE], person, state)
    assert visible_names(person) == {"Public", "Moderated", "Private"}


@pytest.mark.parametrize(
    "state", [State.BANNED, State.LEFT, State.REMOVED, State.REQUESTED, State.DECLINED, State.DENIED]
)
def test_former_or_pending_people_do_not_see_the_private_one(three, state):
    person = UserFactory()
    place(three[Visibility.PRIVATE], person, state, Role.OWNER if state == State.LEFT else Role.MEMBER)
    assert visible_names(person) == {"Public", "Moderated"}


def test_site_admin_sees_all(three, staff_user):
    assert visible_names(staff_user) == {"Public", "Moderated", "Private"}


def test_visible_memberships_follow_the_communities(three):
    outsider = UserFactory()
    communities = set(Membership.objects.visible_to(outsider).values_list("community__name", flat=True))
    assert communities == {"Public", "Moderated"}


# ---------------------------------------------------------------- community_list


def names(page) -> list[str]:
    return [c.name for c in page.items]


def test_list_hides_private_communities_from_outsiders(three):
    assert names(community_list(viewer=UserFactory())) == ["Moderated", "Public"]
    member = UserFactory()
    place(three[Visibility.PRIVATE], member, State.ACTIVE)
    assert names(community_list(viewer=member)) == ["Moderated", "Private", "Public"]


def test_list_search_is_accent_and_case_insensitive(owner):
    make(owner, name="Café Crème")
    make(owner, name="Running", description="Courses à pied le mercredi")
    make(owner, name="Garden", tags=["Potager", "Écologie"])
    make(owner, name="Other")
    viewer = UserFactory()
    assert names(community_list(viewer=viewer, query="cafe")) == ["Café Crème"]
    assert names(community_list(viewer=viewer, query="CRÈME café")) == ["Café Crème"]
    assert names(community_list(viewer=viewer, query="a pied")) == ["Running"]
    assert names(community_list(viewer=viewer, query="ecologie")) == ["Garden"]
    assert names(community_list(viewer=viewer, query="potager")) == ["Garden"]
    assert names(community_list(viewer=viewer, query="cafe running")) == []
    assert names(community_list(viewer=viewer, query="' OR 1=1 --")) == []


@pytest.mark.parametrize(
    "query", ["obrien", "o'brien", "O\u2019Brien", "o brien", "jeanpierre", "jean-pierre", "vuejs"]
)
def test_list_search_sees_through_punctuation_inside_words(owner, query):
    """As the directory does (and as it sees through accents)."""
    make(owner, name="O'Brien & Jean-Pierre's Vue.js club")
    make(owner, name="Other")
    assert names(community_list(viewer=UserFactory(), query=query)) == ["O'Brien & Jean-Pierre's Vue.js club"]


def test_list_search_never_finds_a_private_community_for_outsiders(owner):
    make(owner, Visibility.PRIVATE, name="Canary secret", description="canary")
    assert names(community_list(viewer=UserFactory(), query="canary")) == []
    assert names(community_list(viewer=owner, query="canary")) == ["Canary secret"]


def test_mine_lists_only_active_memberships(three, owner):
    person = UserFactory()
    place(three[Visibility.PUBLIC], person, State.ACTIVE)
    place(three[Visibility.MODERATED], person, State.REQUESTED)
    place(three[Visibility.PRIVATE], person, State.INVITED)
    assert names(community_list(viewer=person, mine=True)) == ["Public"]
    assert names(community_list(viewer=owner, mine=True)) == ["Moderated", "Private", "Public"]
    assert names(community_list(viewer=UserFactory(), mine=True)) == []


def test_member_count_counts_only_active_members(owner):
    community = make(owner, Visibility.MODERATED)
    for state in (State.ACTIVE, State.ACTIVE, State.REQUESTED, State.INVITED, State.BANNED, State.LEFT):
        place(community, UserFactory(), state)
    viewer = UserFactory()
    place(community, viewer, State.REQUESTED)
    [row] = community_list(viewer=viewer).items
    assert row.member_count == 3
    assert (row.viewer_state, row.viewer_role) == (State.REQUESTED, Role.MEMBER)
    [row] = community_list(viewer=owner, mine=True).items
    assert row.member_count == 3
    assert (row.viewer_state, row.viewer_role) == (State.ACTIVE, Role.OWNER)


class TestPages:
    @pytest.fixture
    def five(self, owner):
        # "Bravo" twice: the tie is broken by id, across a page boundary
        return [make(owner, name=n) for n in ("Delta", "bravo", "Écho", "Bravo", "alpha")]

    def test_pages_in_order_without_duplicates(self, five):
        viewer = UserFactory()
        expected = sorted(five, key=lambda c: (c.sort_name, c.pk))
        assert expected[0].name == "alpha"
        seen, cursor, sizes = [], None, []
        for _ in range(5):
            page = community_list(viewer=viewer, limit=2, cursor=cursor)
            seen += [c.pk for c in page.items]
            sizes.append(len(page.items))
            cursor = page.next_cursor
            if cursor is None:
                break
        assert sizes == [2, 2, 1]
        assert seen == [c.pk for c in expected]
        assert expected[-1].name == "Écho"

    def test_last_full_page_has_no_cursor(self, five):
        page = community_list(viewer=UserFactory(), limit=5)
        assert len(page.items) == 5
        assert page.next_cursor is None

    def test_forged_cursor_restarts(self, five):
        viewer = UserFactory()
        first = [c.pk for c in community_list(viewer=viewer, limit=2).items]
        for cursor in ("garbage!!", encode_cursor([1, "x"]), encode_cursor(["a"]), encode_cursor([True, 1]), "e30"):
            assert [c.pk for c in community_list(viewer=viewer, limit=2, cursor=cursor).items] == first, cursor

    def test_cursor_applies_to_search_and_mine(self, five, owner):
        page = community_list(viewer=owner, query="bravo", mine=True, limit=1)
        assert [c.sort_name for c in page.items] == ["bravo"]
        page = community_list(viewer=owner, query="bravo", mine=True, limit=1, cursor=page.next_cursor)
        assert [c.sort_name for c in page.items] == ["bravo"]
        assert page.next_cursor is None


# ---------------------------------------------------------------- community_get


def test_get_private_is_404_for_outsiders(three, staff_user):
    private = three[Visibility.PRIVATE]
    with pytest.raises(Http404):
        community_get(viewer=UserFactory(), slug=private.slug)
    with pytest.raises(Http404):
        community_get(viewer=UserFactory(), slug="no-such-community")
    assert community_get(viewer=staff_user, slug=private.slug).pk == private.pk


@pytest.mark.parametrize("state", [State.BANNED, State.LEFT, State.REMOVED, State.DECLINED])
def test_get_private_is_404_for_former_people(three, state):
    person = UserFactory()
    place(three[Visibility.PRIVATE], person, state)
    with pytest.raises(Http404):
        community_get(viewer=person, slug=three[Visibility.PRIVATE].slug)


def test_get_for_invited_and_member(three, owner):
    private = three[Visibility.PRIVATE]
    invited = UserFactory()
    place(private, invited, State.INVITED)
    community = community_get(viewer=invited, slug=private.slug)
    assert (community.viewer_state, community.member_count) == (State.INVITED, 1)
    community = community_get(viewer=owner, slug=private.slug)
    assert (community.viewer_state, community.viewer_role) == (State.ACTIVE, Role.OWNER)
    public = community_get(viewer=UserFactory(), slug=three[Visibility.PUBLIC].slug)
    assert (public.viewer_state, public.viewer_role, public.member_count) == (None, None, 1)


# ---------------------------------------------------------------- suggestions


def suggested(viewer) -> list[str]:
    return [c.name for c in community_suggestions(viewer=viewer)]


class TestSuggestions:
    @pytest.fixture
    def viewer(self):
        return ProfileFactory(department="Finance").user

    @pytest.fixture
    def colleague(self):
        return ProfileFactory(department="Finance").user

    def test_by_department_and_by_followed_colleagues(self, viewer, colleague, owner):
        ProfileFactory(user=owner, department="Legal")
        by_department = make(owner, name="Budgets")
        place(by_department, colleague, State.ACTIVE)
        followed = UserFactory()
        Follow.objects.create(follower=viewer, followee=followed)
        by_follow = make(owner, Visibility.MODERATED, name="Chess")
        place(by_follow, followed, State.ACTIVE)
        unrelated = make(owner, name="Unrelated")
        place(unrelated, ProfileFactory(department="Legal").user, State.ACTIVE)
        place(make(owner, name="Pending only"), colleague, State.REQUESTED)
        assert set(suggested(viewer)) == {"Budgets", "Chess"}

    def test_most_related_first(self, viewer, colleague, owner):
        one = make(owner, name="Aaa")
        place(one, colleague, State.ACTIVE)
        two = make(owner, name="Zzz")
        place(two, colleague, State.ACTIVE)
        place(two, ProfileFactory(department="Finance").user, State.ACTIVE)
        assert suggested(viewer) == ["Zzz", "Aaa"]

    def test_no_department_no_follow_no_suggestion(self, colleague, owner):
        place(make(owner, name="Budgets"), colleague, State.ACTIVE)
        place(make(owner, name="Blank"), ProfileFactory(department="").user, State.ACTIVE)
        assert suggested(UserFactory()) == []
        assert suggested(ProfileFactory(department="").user) == []

    @pytest.mark.parametrize("state", [State.ACTIVE, State.REQUESTED, State.INVITED, State.BANNED])
    def test_excludes_communities_the_viewer_is_in_or_pending_or_banned(self, viewer, colleague, owner, state):
        community = make(owner, Visibility.MODERATED, name="Budgets")
        place(community, colleague, State.ACTIVE)
        other = make(owner, name="Audit")
        place(other, colleague, State.ACTIVE)
        place(community, viewer, state)
        assert suggested(viewer) == ["Audit"]

    def test_suggests_again_what_the_viewer_left_or_was_refused(self, viewer, colleague, owner):
        """Only the states the selector lists (active, requested, invited, banned) exclude:
        a community the viewer left (or declined, or was denied or removed from) is
        suggested again when colleagues are in it."""
        community = make(owner, Visibility.MODERATED, name="Budgets")
        place(community, colleague, State.ACTIVE)
        found = {}
        for state in (State.LEFT, State.DECLINED, State.DENIED, State.REMOVED):
            place(community, viewer, state)
            found[state] = suggested(viewer)
        assert found == {state: ["Budgets"] for state in found}

    def test_excludes_archived(self, viewer, colleague, owner, staff_user):
        community = make(owner, name="Budgets")
        place(community, colleague, State.ACTIVE)
        community_archive(actor=staff_user, community=community, archived=True)
        assert suggested(viewer) == []

    def test_private_never_suggested_to_outsiders(self, viewer, colleague, owner):
        private = make(owner, Visibility.PRIVATE, name="Secret")
        place(private, colleague, State.ACTIVE)
        followed = UserFactory()
        Follow.objects.create(follower=viewer, followee=followed)
        place(private, followed, State.ACTIVE)
        assert suggested(viewer) == []
        place(private, viewer, State.INVITED)
        assert suggested(viewer) == []  # invited: the invitation shows it, not the suggestions

    def test_limit(self, viewer, colleague, owner):
        for i in range(4):
            place(make(owner, name=f"C{i}"), colleague, State.ACTIVE)
        assert len(community_suggestions(viewer=viewer, limit=3)) == 3


# ---------------------------------------------------------------- communities_of


def test_communities_of_hides_private_ones_from_outsiders(three, staff_user):
    person = UserFactory()
    for community in three.values():
        place(community, person, State.ACTIVE)
    place(make(UserFactory(), name="Left"), person, State.LEFT)
    everything = ["Moderated", "Private", "Public"]

    def of(viewer):
        return [c.name for c in communities_of(viewer=viewer, user_id=person.pk)]

    assert of(UserFactory()) == ["Moderated", "Public"]
    assert of(person) == everything
    fellow = UserFactory()
    place(three[Visibility.PRIVATE], fellow, State.ACTIVE)
    assert of(fellow) == everything
    banned = UserFactory()
    place(three[Visibility.PRIVATE], banned, State.BANNED)
    assert of(banned) == ["Moderated", "Public"]
    assert of(staff_user) == everything
    assert of(AnonymousUser()) == []


# ---------------------------------------------------------------- members_page


def test_members_page_owners_first(owner):
    community = make(owner)
    first_member = UserFactory()
    place(community, first_member, State.ACTIVE)
    moderator = UserFactory()
    place(community, moderator, State.ACTIVE, Role.MODERATOR)
    late_owner = UserFactory()
    place(community, late_owner, State.ACTIVE, Role.OWNER)
    place(community, UserFactory(), State.REQUESTED)
    page = members_page(viewer=UserFactory(), community=community)
    assert [m.user_id for m in page.items] == [owner.pk, late_owner.pk, moderator.pk, first_member.pk]
    assert page.next_cursor is None


def test_members_page_owners_first_across_pages(owner):
    """A community with more members than a page: its owners still come first."""
    community = make(owner)
    members = [UserFactory() for _ in range(3)]
    for person in members:
        place(community, person, State.ACTIVE)
    late_owner = UserFactory()
    place(community, late_owner, State.ACTIVE, Role.OWNER)
    viewer = UserFactory()
    first = members_page(viewer=viewer, community=community, limit=2)
    second = members_page(viewer=viewer, community=community, limit=2, cursor=first.next_cursor)
    third = members_page(viewer=viewer, community=community, limit=2, cursor=second.next_cursor)
    listed = [m.user_id for m in first.items + second.items + third.items]
    assert sorted(listed) == sorted([owner.pk, late_owner.pk, *(m.pk for m in members)])
    assert listed[:2] == [owner.pk, late_owner.pk]


@pytest.mark.parametrize("state", [State.REQUESTED, State.INVITED, State.BANNED])
def test_members_page_by_state(owner, state):
    community = make(owner, Visibility.MODERATED)
    people = [UserFactory() for _ in range(2)]
    for person in people:
        place(community, person, state)
    place(community, UserFactory(), State.LEFT)
    page = members_page(viewer=owner, community=community, state=state)
    assert [m.user_id for m in page.items] == [p.pk for p in people]
    assert all(m.state == state for m in page.items)


def test_members_page_pages_without_duplicates(owner):
    community = make(owner)
    for _ in range(4):
        place(community, UserFactory(), State.ACTIVE)
    viewer = UserFactory()
    seen, cursor = [], None
    for _ in range(5):
        page = members_page(viewer=viewer, community=community, limit=2, cursor=cursor)
        seen += [m.pk for m in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(Membership.objects.filter(community=community).values_list("pk", flat=True))
    assert len(seen) == 5
    forged = members_page(viewer=viewer, community=community, limit=2, cursor=encode_cursor(["not a date", 1]))
    assert len(forged.items) == 2


def test_members_page_of_a_private_community_is_empty_for_outsiders(owner):
    community = make(owner, Visibility.PRIVATE)
    place(community, UserFactory(), State.ACTIVE)
    assert members_page(viewer=UserFactory(), community=community).items == []
    assert len(members_page(viewer=owner, community=community).items) == 2


# ---------------------------------------------------------------- query counts


@pytest.mark.parametrize("count", [1, 20])
def test_community_list_query_count_is_constant(django_assert_num_queries, count):
    owner = UserFactory()
    viewer = UserFactory()
    for i in range(count):
        community = make(owner, Visibility.PRIVATE if i % 2 else Visibility.PUBLIC, name=f"Guild {i}")
        place(community, viewer, State.ACTIVE)
        place(community, UserFactory(), State.ACTIVE)
    viewer = fresh(viewer)
    # the page, whether the viewer is a site administrator
    with django_assert_num_queries(2):
        page = community_list(viewer=viewer, limit=20)
        assert len(page.items) == count
        assert all(c.member_count == 3 and c.viewer_state == State.ACTIVE for c in page.items)


@pytest.mark.parametrize("count", [1, 20])
def test_members_page_query_count_is_constant(django_assert_num_queries, count):
    owner = UserFactory()
    community = make(owner, Visibility.PRIVATE)
    for _ in range(count - 1):
        person = ProfileFactory().user
        place(community, person, State.ACTIVE).__class__.objects.filter(user=person).update(invited_by=owner)
    viewer = fresh(owner)
    # the page (users, profiles, inviters joined), whether the viewer is a site administrator
    with django_assert_num_queries(2):
        page = members_page(viewer=viewer, community=community)
        assert len(page.items) == count
        assert [m.user.email for m in page.items]
        assert [getattr(m.user, "profile", None) for m in page.items]
        assert [m.invited_by for m in page.items]


def test_who_is_a_site_administrator(django_assert_num_queries):
    """is_site_admin agrees with has_perm in one query: superusers, the permission held
    directly or through a group; never an inactive account or anyone else."""
    from django.contrib.auth.models import Group, Permission

    from apps.communities.models import is_site_admin

    permission = Permission.objects.get(content_type__app_label="communities", codename="change_community")
    direct, through_group, plain, inactive = (UserFactory() for _ in range(4))
    direct.user_permissions.add(permission)
    admins = Group.objects.create(name="Community admins")
    admins.permissions.add(permission)
    through_group.groups.add(admins)
    inactive.user_permissions.add(permission)
    inactive.is_active = False
    inactive.save()
    superuser = UserFactory(is_superuser=True)
    expected = {direct: True, through_group: True, plain: False, inactive: False, superuser: True}
    for user, admin in expected.items():
        user = type(user).objects.get(pk=user.pk)
        with django_assert_num_queries(1 if user.is_active and not user.is_superuser else 0):
            assert is_site_admin(user) is admin
            assert is_site_admin(user) is admin  # remembered for the request
        assert type(user).objects.get(pk=user.pk).has_perm("communities.change_community") is admin

"""The directory search: names written with punctuation, the stored words, and the two ways
`profile_search` finds the first matches (walking the names, or sorting what the search
index finds), which must give the same pages in the same order, active employees only."""

import pytest
from django.contrib.postgres.search import SearchQuery
from django.db import connection

from apps.feeds.selectors import mention_candidates
from apps.profiles import search, selectors
from apps.profiles.models import Profile
from apps.profiles.search import tsquery
from apps.profiles.selectors import profile_search
from apps.profiles.services import profile_refresh_search
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def person(first: str, last: str, *, active: bool = True, **fields) -> Profile:
    fields.setdefault("job_title", "Analyst")
    user = UserFactory(first_name=first, last_name=last, is_active=active)
    profile = ProfileFactory(user=user, **fields)
    profile_refresh_search(profile=profile)
    return profile


def names(viewer, query="", **kwargs) -> list[str]:
    return [p.name for p in profile_search(viewer=viewer, query=query, **kwargs).items]


# ---------------------------------------------------------------- punctuation


class TestPunctuation:
    @pytest.fixture(autouse=True)
    def people(self):
        person("Seán", "O'Brien")
        person("Aoife", "O\u2019Connor")  # typographic apostrophe
        person("Jean-Pierre", "Lefèvre")
        person("Anne", "Saint-Éxupéry", job_title="Vue.js developer")
        person("Olga", "Brie")

    @pytest.mark.parametrize(
        "query",
        ["obrien", "o'brien", "o\u2019brien", "o brien", "O'BRIEN", "o'b", "obri", "brien", "sean obrien"],
    )
    def test_obrien_however_typed(self, user, query):
        assert names(user, query) == ["Seán O'Brien"]

    @pytest.mark.parametrize("query", ["oconnor", "o'connor", "o\u2019connor", "o connor"])
    def test_a_name_written_with_a_typographic_apostrophe(self, user, query):
        assert names(user, query) == ["Aoife O\u2019Connor"]

    @pytest.mark.parametrize("query", ["jean-pierre", "jeanpierre", "jean pierre", "jean-p", "jeanp", "pierre"])
    def test_hyphenated_first_name(self, user, query):
        assert names(user, query) == ["Jean-Pierre Lefèvre"]

    @pytest.mark.parametrize("query", ["saint-exupery", "saintexupery", "saint exupery", "vuejs", "vue.js"])
    def test_hyphenated_last_name_and_dotted_title(self, user, query):
        assert names(user, query) == ["Anne Saint-Éxupéry"]

    def test_a_whole_word_before_the_punctuation_is_a_whole_word(self, user):
        # "o'b": "o" then a word starting with "b", not a word starting with "o".
        assert names(user, "o'b") == ["Seán O'Brien"]
        assert names(user, "o") == ["Aoife O\u2019Connor", "Olga Brie", "Seán O'Brien"]

    def test_mentions_find_them_too(self, user):
        assert [c["name"] for c in mention_candidates(viewer=user, query="obrien")] == ["Seán O'Brien"]
        assert [c["name"] for c in mention_candidates(viewer=user, query="jeanpierre")] == ["Jean-Pierre Lefèvre"]


@pytest.mark.parametrize(
    ("first", "last", "title"),
    [
        ("Seán", "O'Brien", "C++ & .NET engineer"),
        ("Zoë", "Müller-Lüdenscheidt", "Head of R&D / CI/CD"),
        ("Дмитрий", "Иванов", "Инженер"),
        ("山田", "太郎", "エンジニア"),
        ("Ana", "d\u2019Arc", "1st-line support, 24/7 (v2.0)"),
        ("Łukasz", "Kowalczyk", "http://example.com/~user e-mail: a.b@c.d"),
    ],
)
def test_the_vector_holds_exactly_the_stored_words(first, last, title):
    """PostgreSQL's parser reads each stored word as one lexeme, whatever was written: no
    word is split, joined or taken for an address, so what a query asks is what is stored."""
    profile = person(first, last, job_title=title, department="R&D", location="Saint-Étienne")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_text, tsvector_to_array(search_vector) FROM profiles_profile WHERE id = %s", [profile.pk]
        )
        search_text, lexemes = cursor.fetchone()
    assert sorted(lexemes) == sorted(set(search_text.split()))
    assert search_text.split() == list(dict.fromkeys(search_text.split()))  # each word once


# ---------------------------------------------------------------- the two ways, one result

FIRST = ["Ada", "Zoé", "Zoltán", "Béa", "Émile", "Zacharie", "Anaïs", "Yann", "Marc", "Zoe"]
LAST = ["Zola", "Martin", "O'Brien", "Dupont", "Zidane", "Abadie"]
QUERIES = ["", "z", "zo", "zoe", "a", "martin", "obrien", "ingenieur", "paris", "zola a", "nobody", "e"]


@pytest.fixture
def crowd():
    """Sixty people whose matches sit together (every Zoé under Z) or spread out, a few of
    them gone (inactive), in two departments and two offices."""
    people = []
    for i in range(60):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        people.append(
            person(
                first,
                last,
                active=i % 9 != 4,
                job_title="Ingénieur" if i % 5 == 0 else "Analyst",
                department="Engineering" if i % 3 else "Sales",
                location="Paris" if i % 4 else "Lyon",
            )
        )
    return people


def _expected(query: str, **filters) -> list[int]:
    """The plain answer: every active match, sorted by name then id."""
    profiles = Profile.objects.filter(user__is_active=True, **filters)
    text = tsquery(query)
    if text:
        profiles = profiles.filter(search_vector=SearchQuery(text, search_type="raw", config="simple"))
    return list(profiles.order_by("sort_name", "id").values_list("id", flat=True))


def _paged(viewer, query: str, limit: int, **filters) -> list[int]:
    ids, cursor = [], None
    for _ in range(100):
        page = profile_search(viewer=viewer, query=query, cursor=cursor, limit=limit, **filters)
        ids += [profile.id for profile in page.items]
        assert all(profile.user.is_active for profile in page.items)
        cursor = page.next_cursor
        if cursor is None:
            return ids
    raise AssertionError("pages never end")


@pytest.mark.parametrize("window", [1, 3, 13, 1000])
@pytest.mark.parametrize("filters", [{}, {"department": "Sales"}, {"location": "Lyon", "department": "Engineering"}])
def test_every_window_gives_the_same_pages(crowd, user, monkeypatch, window, filters):
    """Whether the first matches are found in the walked window, after it, or both, the
    pages are the active matches in name order, without gaps or repeats."""
    monkeypatch.setattr(selectors, "WALK_WINDOW", window)
    for query in QUERIES:
        expected = _expected(query, **filters)
        for limit in (3, 20):
            assert _paged(user, query, limit, **filters) == expected, (query, limit)


@pytest.mark.parametrize("filters", [{}, {"department": "Sales"}, {"location": "Lyon", "department": "Engineering"}])
def test_rare_queries_sorted_at_once_give_the_same_pages(crowd, user, monkeypatch, filters):
    """A query the statistics call rare skips the walk: the same pages."""
    monkeypatch.setattr(selectors, "query_share", lambda query: 0.0)
    for query in QUERIES:
        expected = _expected(query, **filters)
        for limit in (3, 20):
            assert _paged(user, query, limit, **filters) == expected, (query, limit)


def test_the_share_of_a_query_comes_from_postgresqls_statistics(crowd, monkeypatch):
    monkeypatch.setattr(search, "_word_stats", {"read_at": None, "shares": None})
    assert search.query_share("analyst") is None  # never analysed: unknown
    monkeypatch.setattr(search, "_word_stats", {"read_at": None, "shares": None})
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE profiles_profile")
    analysts = Profile.objects.filter(job_title="Analyst").count() / Profile.objects.count()
    assert search.query_share("analyst") == pytest.approx(analysts, abs=0.02)
    assert search.query_share("analyst zzqx") == 0.0  # the rarest word counts
    assert search.query_share("o'brien") >= search.query_share("obrien") > 0  # whole, or in parts
    assert search.query_share("a") >= search.query_share("analyst")  # every word starting so


def test_the_window_ignores_nobody(crowd, user, monkeypatch):
    """Matches sitting right after the window, and inactive ones inside it, are handled."""
    monkeypatch.setattr(selectors, "WALK_WINDOW", 3)
    assert _paged(user, "zo", 2) == _expected("zo") != []
    assert _paged(user, "ingenieur zola", 1) == _expected("ingenieur zola")


@pytest.mark.parametrize("count", [1, 20])
def test_queries_stay_constant_when_the_matches_lie_beyond_the_window(django_assert_num_queries, monkeypatch, count):
    monkeypatch.setattr(selectors, "WALK_WINDOW", 2)
    for i in range(5):
        person(f"Aaron{i}", "Early", job_title="Gardener")  # the walked window holds no match
    for i in range(count):
        person(f"Zed{i:02d}", "Late", job_title="Accountant")
    viewer = UserFactory()
    # the walk, the sorted matches after it, their skills, the field policies, the viewer's
    # permissions (user, group)
    with django_assert_num_queries(6):
        page = profile_search(viewer=viewer, query="accountant")
    assert [p.name for p in page.items] == [f"Zed{i:02d} Late" for i in range(count)]


def test_private_fields_stay_masked_on_the_sorted_path(crowd, user, monkeypatch):
    from apps.profiles.models import ProfileFieldPolicy

    ProfileFieldPolicy.objects.update_or_create(field="phone_work", defaults={"is_private": True})
    Profile.objects.update(phone_work="+33 1 23 45 67 89")
    monkeypatch.setattr(selectors, "WALK_WINDOW", 1)
    page = profile_search(viewer=user, query="zoe")
    assert page.items
    assert all(profile.phone_work == "" for profile in page.items)


# ---------------------------------------------------------------- the search text never goes stale
# It is made of the account's names and address, the profile's fields and its skills: every
# writer of any of them leaves it current.


def _stored_matches_recomputed():
    """Every profile's stored search fields are what the service computes now."""
    stored = {p.pk: (p.search_text, p.sort_name) for p in Profile.objects.all()}
    from apps.profiles.services import profiles_refresh_search

    assert profiles_refresh_search(profile_ids=list(stored)) == 0, "some profiles' search text was stale"


def test_a_name_changed_in_the_django_admin_is_searched(client, staff_user, user):
    profile = person("Siobhan", "Kelly")
    client.force_login(staff_user)
    url = f"/admin/accounts/user/{profile.user_id}/change/"
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value not in (None, [])}
    data.update(
        {
            "email": "s.oneill@example.com",
            "first_name": "Siobhán",
            "last_name": "O'Neill",
            "is_active": "on",
            "date_joined_0": profile.user.date_joined.date().isoformat(),
            "date_joined_1": profile.user.date_joined.strftime("%H:%M:%S"),
        }
    )
    for key in ("password", "date_joined", "last_login", "groups", "user_permissions", "is_staff", "is_superuser"):
        data.pop(key, None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    assert names(user, "oneill") == names(user, "siobhan") == names(user, "s.oneill") == ["Siobhán O'Neill"]
    assert names(user, "kelly") == []
    _stored_matches_recomputed()


def test_an_address_changed_through_allauth_is_searched(user):
    from allauth.account.models import EmailAddress

    profile = person("Maeve", "Byrne")
    address = EmailAddress.objects.create(user=profile.user, email="maeve.quinn@example.com", verified=True)
    address.set_as_primary()  # what the e-mail page does: writes user.email
    assert names(user, "maeve.quinn") == ["Maeve Byrne"]
    _stored_matches_recomputed()


def test_a_name_saved_by_any_code_is_searched(user):
    """Single sign-on updating the name from the claims, a command, a shell."""
    profile = person("Ciara", "Walsh")
    profile.user.last_name = "Ní Bhriain"
    profile.user.save(update_fields=["last_name"])
    assert names(user, "ni bhriain") == names(user, "bhri") == ["Ciara Ní Bhriain"]
    _stored_matches_recomputed()


def test_a_sign_in_does_no_search_work(django_assert_num_queries):
    profile = person("Aoife", "Ryan")
    with django_assert_num_queries(1):  # the UPDATE of last_login only
        profile.user.save(update_fields=["last_login"])


def test_a_skill_renamed_in_the_django_admin_is_searched(client, staff_user, user):
    from apps.profiles.models import Skill

    skill = Skill.objects.create(name="Kubernetes", folded="kubernetes")
    holders = [person("Nora", "Doyle"), person("Liam", "Byrne")]
    for holder in holders:
        holder.skills.add(skill)
        profile_refresh_search(profile=holder)
    client.force_login(staff_user)
    response = client.post(f"/admin/profiles/skill/{skill.pk}/change/", {"name": "Kubernetes (K8s)"})
    assert response.status_code == 302
    assert names(user, "k8s") == ["Liam Byrne", "Nora Doyle"]
    _stored_matches_recomputed()


def test_a_skill_deleted_in_the_django_admin_leaves_the_search(client, staff_user, user):
    from apps.profiles.models import Skill

    skills = [
        Skill.objects.create(name="Fortran", folded="fortran"),
        Skill.objects.create(name="Cobol", folded="cobol"),
    ]
    holder = person("Eamon", "Duffy")
    holder.skills.set(skills)
    profile_refresh_search(profile=holder)
    client.force_login(staff_user)
    response = client.post(f"/admin/profiles/skill/{skills[0].pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert names(user, "fortran") == []
    response = client.post(
        "/admin/profiles/skill/", {"action": "delete_selected", "_selected_action": [skills[1].pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert names(user, "cobol") == []
    _stored_matches_recomputed()


def test_a_skill_renamed_to_another_spelling_of_one_is_refused(client, staff_user):
    from apps.profiles.models import Skill

    Skill.objects.create(name="Contrôle de gestion", folded="controle de gestion")
    other = Skill.objects.create(name="Audit", folded="audit")
    client.force_login(staff_user)
    response = client.post(f"/admin/profiles/skill/{other.pk}/change/", {"name": "CONTROLE  de Gestion"})
    assert response.status_code == 200
    assert "This is the skill “Contrôle de gestion” already." in response.content.decode()
    assert Skill.objects.get(pk=other.pk).name == "Audit"

"""What a reviewer broke, as classes: pages that lose rows, forged or odd input that made a
500, a sweep one missing file stopped, operators read backwards, the admin's reach."""

import base64
import json
import re
from html import unescape

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.communities.services import community_create
from apps.feeds.models import Post
from apps.feeds.services import post_create
from apps.search import services
from apps.search.models import Extraction, FileText
from apps.search.query import parse
from apps.search.selectors import others
from apps.search.snippets import snippet
from tests.factories import PostFactory, ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db
NEXT = re.compile(r'href="\?([^"]*cursor=[^"]*)"')


@pytest.fixture
def viewer(client):
    user = ProfileFactory().user
    client.force_login(user)
    return user


def _cursor(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize("same_time", [False, True])
def test_following_the_next_link_lists_every_result_once(client, viewer, same_time):
    posts = [PostFactory(body=f"quokka sighting number {n}") for n in range(25)]
    if same_time:
        Post.objects.update(created_at=timezone.now())
    seen, query, pages = [], "q=quokka&tab=posts", 0
    while query and pages < 5:
        html = client.get(f"/search/?{query}").content.decode()
        seen += [int(pk) for pk in re.findall(r'href="/posts/(\d+)/"', html)]
        found = NEXT.search(html)
        query, pages = (unescape(found.group(1)) if found else None), pages + 1
    assert sorted(seen) == sorted(post.pk for post in posts)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "quokka", "tab": "messages", "cursor": "²"},
        {"q": "quokka", "tab": "messages", "cursor": "9" * 40},
        {"q": "quokka", "tab": "posts", "cursor": _cursor([1.0, "2024-02-30T00:00:00+00:00", 1, 1])},
        {"q": "quokka", "tab": "files", "cursor": _cursor([1.0, "2024-01-01T00:00:00+99:00", 1, 1])},
        {"q": "quokka", "tab": "posts", "cursor": _cursor([1.0, "2024-01-01T00:00:00", 1, 1])},
        {"q": "quokka", "before": "9999-12-31"},
        {"q": "quokka", "after": "0001-01-01"},
        {"q": "quokka", "at": "99999999999999999999"},
    ],
)
def test_forged_or_odd_parameters_answer_a_page(client, viewer, params):
    PostFactory(body="quokka")
    assert client.get("/search/", params).status_code == 200


def test_an_impossible_date_is_refused_with_the_reason(client, viewer):
    html = client.get("/search/", {"q": "quokka", "before": "9999-12-31"}).content.decode()
    assert "Choose a date between 1970 and 2999." in html


def test_each_filter_in_error_says_so_beside_it_and_to_assistive_technology(client, viewer):
    """The filters are written out by hand (templates/search/_filter_field.html): an error is
    shown under its field, the field is marked invalid and points at the message, and a field's
    help stays linked beside its error."""
    html = client.get(
        "/search/",
        {
            "q": "quokka " * 40,
            "after": "2026-13-01",
            "kind": "forged",
            "author": "@" * 130,
            "community": "not a slug!",
            "files": "on",
        },
    ).content.decode()
    # The box and the community, written in the page itself rather than by the field's template.
    for element_id, error_id in (("search-q", "search-q-error"), ("search-community", "search-community-error")):
        field = re.search(rf'<(?:input|select)[^>]*id="{element_id}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in field and "is-invalid" in field and error_id in field
        assert f'id="{error_id}"' in html
    for name in ("after", "kind"):
        field = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'aria-invalid="true"' in field and "is-invalid" in field
        assert f'aria-describedby="id_{name}_error"' in field
        assert f'id="id_{name}_error"' in html
    author = re.search(r'<input[^>]*name="author"[^>]*>', html).group(0)
    assert 'aria-describedby="id_author_helptext id_author_error"' in author
    assert "Enter a valid date." in html
    files = re.search(r'<input[^>]*name="files"[^>]*>', html).group(0)
    assert "checked" in files and 'class="form-check-input"' in files
    # Without errors: no field is marked.
    html = client.get("/search/", {"q": "quokka", "after": "2026-01-01"}).content.decode()
    assert "aria-invalid" not in html
    assert 'value="2026-01-01" class="form-control"' in html


@pytest.mark.parametrize("typed", ["ab\x00cd", "#a\x00b", "\x00\x00", "#", "a b c d e f", "#" + "x" * 90])
def test_suggestions_answer_whatever_is_typed(client, viewer, typed):
    assert client.get("/search/suggest/", {"q": typed}).status_code == 200


def test_a_missing_file_does_not_stop_the_sweep_and_ends_broken(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    author = ProfileFactory().user
    first = post_create(actor=author, community=None, body="a", uploads=[SimpleUploadedFile("a.txt", b"alpha words")])
    second = post_create(actor=author, community=None, body="b", uploads=[SimpleUploadedFile("b.txt", b"beta words")])
    (tmp_path / second.attachments.get().file).unlink()
    assert services.extract_pending() == 2
    status = dict(FileText.objects.values_list("attachment__post_id", "status"))
    assert status == {first.pk: Extraction.OK, second.pk: Extraction.BROKEN}


def test_a_document_that_killed_its_last_reader_is_given_up_by_the_sweep(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    author = ProfileFactory().user
    post = post_create(actor=author, community=None, body="a", uploads=[SimpleUploadedFile("a.txt", b"alpha")])
    stale = timezone.now() - services.LEASE - timezone.timedelta(seconds=5)
    FileText.objects.create(attachment=post.attachments.get(), status=Extraction.PENDING, attempts=3)
    FileText.objects.update(updated_at=stale)
    services.extract_pending()
    assert FileText.objects.get().status == Extraction.BROKEN


def test_a_negated_phrase_is_left_out_everywhere_and_asks_for_nothing_alone():
    owner = UserFactory()
    for name in ("Budget secret plan", "Budget review"):
        community_create(actor=owner, name=name)
    found = others.communities(viewer=owner, parsed=parse('budget -"secret plan"')).items
    assert [community.name for community in found] == ["Budget review"]
    assert parse('-"secret plan"').is_empty
    assert parse('budget -"secret plan"').positive_terms() == ["budget"]


def test_people_are_found_with_or_and_without_the_left_out_words():
    viewer = UserFactory()
    for first, last in (("Anna", "Martin"), ("Anna", "Keller"), ("Bob", "Stone")):
        profile = ProfileFactory(user=UserFactory(first_name=first, last_name=last))
        from apps.profiles.services import profile_refresh_search

        profile_refresh_search(profile=profile)

    def names(query):
        return sorted(
            profile.user.get_full_name() for profile in others.people(viewer=viewer, parsed=parse(query)).items
        )

    assert names("anna -martin") == ["Anna Keller"]
    # A pasted address finds its person (the directory stores the part before the @).
    keller = others.people(viewer=viewer, parsed=parse("anna -martin")).items[0].user
    assert names(keller.email) == ["Anna Keller"]
    assert names("keller or stone") == ["Anna Keller", "Bob Stone"]


def test_a_hashtag_alone_finds_the_files_of_its_posts(client, viewer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    post_create(actor=viewer, community=None, body="Notes #offsite", uploads=[SimpleUploadedFile("plan.txt", b"x")])
    html = client.get("/search/", {"q": "#offsite", "tab": "files"}).content.decode()
    assert "plan.txt" in html


def test_a_links_target_is_not_in_the_snippet():
    shown = snippet("See [the budget](https://intranet.example/secret-path) now", ["budget"])
    assert "intranet" not in shown and "<mark>budget</mark>" in shown


def test_communities_in_the_admin_are_for_site_administrators_only(client):
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="view_community"))
    client.force_login(staff)
    assert client.get("/admin/communities/community/").status_code == 403

"""A hashtag's spelling never gives away a post its viewer may not read.

The canary: a tag first written "#ReOrgCanary" in a private community's post, then written
"#reorgcanary" in a company-wide one. An outsider meets the tag through the public post;
no page, fragment or name they can reach spells it the private way."""

import pytest
from django.test import Client

from apps.feeds.models import Hashtag, HashtagFollow
from apps.feeds.services import post_create, post_delete, post_update

PRIVATE_SPELLING = "ReOrgCanary"
PUBLIC_SPELLING = "reorgcanary"
URL = "/feed/tags/reorgcanary/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def tagged(anna, private):
    """The private post comes first: its spelling is the tag's first use."""
    return post_create(actor=anna, community=private, body=f"Plans under wraps #{PRIVATE_SPELLING}")


@pytest.fixture
def public_post(tagged, bob):
    return post_create(actor=bob, community=None, body=f"Company news #{PUBLIC_SPELLING}")


def test_an_outsider_never_sees_the_private_spelling(carol, public_post):
    client = signed_in(carol)
    pages = {
        "page": client.get(URL),
        "page in another spelling": client.get("/feed/tags/REORGCANARY/"),
        "page (htmx)": client.get(URL, HTTP_HX_REQUEST="true"),
        "follow": client.post(f"{URL}follow/", {"follow": "1"}),
        "follow (htmx)": client.post(f"{URL}follow/", {"follow": "1"}, HTTP_HX_REQUEST="true"),
        "page when followed": client.get(URL),
        "home feed": client.get("/"),
        "newer": client.get(f"/feed/newer/?feed=hashtag&subject={Hashtag.objects.get().pk}&since=0"),
    }
    assert pages["page"].status_code == 200
    for what, response in pages.items():
        assert response.status_code in (200, 302), what
        assert PRIVATE_SPELLING.encode() not in response.content, what
    page = pages["page"].content.decode()
    assert f"<title>#{PUBLIC_SPELLING}" in page
    assert f"<h1>#{PUBLIC_SPELLING}</h1>" in page


def test_the_heading_takes_the_newest_spelling_its_viewer_may_read(anna, bob, carol, private, public_post):
    post_create(actor=anna, community=private, body=f"Later, in private: #{PRIVATE_SPELLING}")
    assert f"<h1>#{PRIVATE_SPELLING}</h1>" in signed_in(bob).get(URL).content.decode()  # a member reads it
    assert f"<h1>#{PUBLIC_SPELLING}</h1>" in signed_in(carol).get(URL).content.decode()


def test_a_followed_tag_with_nothing_left_to_read_shows_its_plain_name(carol, public_post):
    HashtagFollow.objects.create(user=carol, hashtag=Hashtag.objects.get())
    post_delete(actor=public_post.author, post=public_post)
    page = signed_in(carol).get("/feed/tags/REORGCANARY/").content.decode()
    assert f"<h1>#{PUBLIC_SPELLING}</h1>" in page
    assert PRIVATE_SPELLING not in page


def test_an_edited_spelling_is_the_one_shown(bob, carol, public_post):
    post_update(actor=bob, post=public_post, body="Company news, edited #ReorgCanary")
    assert "<h1>#ReorgCanary</h1>" in signed_in(carol).get(URL).content.decode()


def test_the_stored_tag_keeps_no_spelling_of_any_post(tagged):
    """What no page can show, no admin list, log line or shell either: the tag row keeps
    its normalised name only."""
    hashtag = Hashtag.objects.get()
    assert PRIVATE_SPELLING not in f"{hashtag} {hashtag.display}"
    assert str(hashtag) == f"#{PUBLIC_SPELLING}"


@pytest.mark.django_db(transaction=True)
def test_existing_tags_forget_the_spelling_of_their_first_use():
    """Tags written before the heading changed kept a post's spelling (perhaps a private
    post's) in their row: the migration leaves only the name there."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("feeds", "0003_attachment_processing")], [("feeds", "0004_hashtag_display_is_the_name")]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)
        Hashtag = executor.loader.project_state(before).apps.get_model("feeds", "Hashtag")
        tag = Hashtag.objects.create(name="reorgcanary", display="ReOrgCanary")
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        Hashtag = executor.loader.project_state(after).apps.get_model("feeds", "Hashtag")
        assert Hashtag.objects.get(pk=tag.pk).display == "reorgcanary"
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

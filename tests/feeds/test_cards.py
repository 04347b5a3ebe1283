"""Feed cards rendered once per version (apps/feeds/cards.py) and feed statements compiled
once per process (apps/core/prepared.py): whatever is cached, every page shows what is true
now and for this viewer."""

import html
import re
from datetime import UTC, datetime

import pytest
from django.core.cache import caches
from django.test import Client
from django.utils import timezone

from apps.communities.models import Membership, Role, State
from apps.core import prepared
from apps.core.pagination import cursor_datetime, decode_cursor
from apps.feeds import cards, selectors
from apps.feeds.models import Post
from apps.feeds.services import bookmark_set, comment_create, post_create, post_pin, post_update, reaction_set

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media")]


@pytest.fixture(autouse=True)
def _empty_card_cache():
    caches["cards"].clear()
    yield
    caches["cards"].clear()


def signed_in(user, language="en") -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user)
    return client


def card(page: str, post: Post) -> str:
    found = re.search(rf'<article [^>]*id="post-{post.pk}".*?</article>', page, re.S)
    assert found, f"no card for post {post.pk}"
    return html.unescape(found.group(0))


def community_page(client, community) -> str:
    response = client.get(f"/communities/{community.slug}/")
    assert response.status_code == 200
    return response.content.decode()


# ================================================================ the card cache


def test_a_card_is_rendered_once_and_carries_each_request_s_own_csrf_token(anna, bob, public):
    post = post_create(actor=anna, community=public, body="Cached once")
    client = signed_in(bob)
    first = card(community_page(client, public), post)
    assert len(caches["cards"]._cache) == 1
    second = card(community_page(client, public), post)
    assert len(caches["cards"]._cache) == 1, "the second page rendered the card again"
    for shown in (first, second):
        assert cards.CSRF_PLACEHOLDER not in shown
        tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', shown)
        assert tokens and all(len(token) == 64 for token in tokens)
    # The cached card posts: its forms carry a token this session accepts.
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', second).group(1)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(bob)
    strict.cookies = client.cookies
    response = strict.post(
        f"/posts/{post.pk}/react/", {"kind": "like", "csrfmiddlewaretoken": token}, headers={"hx-request": "true"}
    )
    assert response.status_code == 200
    assert post.reactions.filter(user=bob).exists()


def test_what_changes_on_a_post_changes_its_card(anna, bob, make_person, public):
    post = post_create(actor=anna, community=public, body="First words")
    client = signed_in(bob)
    assert "0 comments" in card(community_page(client, public), post)

    comment_create(actor=anna, post=post, body="A comment")
    assert "1 comment" in card(community_page(client, public), post)

    reaction_set(actor=anna, post=Post.objects.get(pk=post.pk), kind="celebrate")
    assert re.search(r'data-kind="celebrate"><svg[^>]*>.*?</svg> 1</span>', card(community_page(client, public), post))

    post_update(actor=anna, post=Post.objects.get(pk=post.pk), body="Second words")
    shown = card(community_page(client, public), post)
    assert "Second words" in shown and "First words" not in shown and "edited" in shown

    anna.profile.display_name = "Anna M. (Finance)"
    anna.profile.save()
    assert "Anna M. (Finance)" in card(community_page(client, public), post)


def test_what_the_viewer_did_shows_on_their_card_only(anna, bob, make_person, public):
    dora = make_person("Dora", "Member")
    Membership.objects.create(community=public, user=dora, role=Role.MEMBER, state=State.ACTIVE)
    post = post_create(actor=anna, community=public, body="React to me")
    bob_client, dora_client = signed_in(bob), signed_in(dora)
    card(community_page(bob_client, public), post)

    reaction_set(actor=bob, post=post, kind="like")
    bookmark_set(actor=bob, post=post, saved=True)
    mine = card(community_page(bob_client, public), post)
    theirs = card(community_page(dora_client, public), post)
    assert 'value="" class="reaction-button dropdown-item" title="Like" aria-pressed="true"' in mine
    assert 'aria-pressed="true"' in mine and "Saved" in mine
    assert 'aria-pressed="true"' not in theirs and "Saved" not in theirs


def test_rights_are_worked_out_per_viewer_not_taken_from_the_cache(anna, bob, make_person, public):
    moderator = make_person("Mia", "Moderator")
    Membership.objects.create(community=public, user=moderator, role=Role.MODERATOR, state=State.ACTIVE)
    post = post_create(actor=anna, community=public, body="Who may pin this?")
    moderated = card(community_page(signed_in(moderator), public), post)
    assert "Pin to the top" in moderated and "Delete" in moderated

    member = card(community_page(signed_in(bob), public), post)
    assert "Pin to the top" not in member and "Delete" not in member and "Edit" not in member

    authored = card(community_page(signed_in(anna), public), post)  # the owner and author
    assert "Edit" in authored and "Delete" in authored

    # A moderator demoted: the same post, the same cache, no more moderation.
    Membership.objects.filter(community=public, user=moderator).update(role=Role.MEMBER)
    assert "Pin to the top" not in card(community_page(signed_in(moderator), public), post)


def test_a_card_follows_the_viewer_s_language(anna, bob, public):
    post = post_create(actor=anna, community=public, body="Bonjour")
    english = card(community_page(signed_in(bob), public), post)
    bob.profile.language = "fr"
    bob.profile.save()
    french = card(community_page(signed_in(bob, "fr"), public), post)
    assert "0 comments" in english
    assert "0 commentaire" in french


def test_a_share_shows_its_original_only_to_who_may_read_it(anna, bob, carol, private, public):
    Membership.objects.create(community=public, user=carol, role=Role.MEMBER, state=State.ACTIVE)
    original = post_create(actor=anna, community=private, body="Private canary 7f3c")
    share = post_create(actor=bob, community=private, kind="share", shared_post=original, body="Look")
    # Bob (a member) warms the cache with the original shown.
    assert "Private canary 7f3c" in card(community_page(signed_in(bob), private), share)
    # Carol may not read the private community: its page is a 404, its content nowhere.
    assert signed_in(carol).get(f"/communities/{private.slug}/").status_code == 404
    for path in ("/", "/feed/company/", f"/people/{bob.pk}/"):
        response = signed_in(carol).get(path)
        assert response.status_code == 200
        assert "Private canary 7f3c" not in response.content.decode()


# ================================================================ compiled statements


def orm_page(build, viewer, cursor, subject_id=None, limit=selectors.PAGE_SIZE):
    """The page as the ORM builds it for this very viewer (no compiled statement)."""
    after = decode_cursor(cursor, types=(str, int))
    since = cursor_datetime(after[0]) if after else None
    last_id = after[1] if since else None
    query = build(viewer, subject_id)
    rows = list(selectors._feed_statement(query, viewer, since, last_id, limit))
    return selectors._page(rows, query, since, last_id, limit, first=cursor is None, viewer=viewer)


def summary(page):
    return (
        [post.pk for post in page.pinned],
        [
            (post.pk, post.my_reaction, post.bookmarked, post.viewer_role, sorted(post.can.items()))
            for post in page.items
        ],
        page.next_cursor,
    )


def test_compiled_feeds_give_the_pages_the_orm_gives(anna, bob, carol, admin, private, public, make_person):
    Membership.objects.create(community=public, user=carol, role=Role.MEMBER, state=State.ACTIVE)
    dave = make_person("Dave", "Banned")
    Membership.objects.create(community=private, user=dave, role=Role.MEMBER, state=State.BANNED)
    from apps.profiles.models import Follow

    Follow.objects.create(follower=carol, followee=anna)
    Follow.objects.create(follower=dave, followee=anna)
    posts = []
    for i in range(9):
        posts.append(post_create(actor=anna, community=private, body=f"Private {i} #Plans"))
        posts.append(post_create(actor=anna, community=public, body=f"Public {i} #Plans"))
        posts.append(post_create(actor=bob, community=None, body=f"Company {i}"))
    announcement = post_create(actor=admin, community=None, kind="announcement", body="Pinned for all")
    post_pin(actor=admin, post=announcement, pinned=True)
    post_pin(actor=anna, post=posts[1], pinned=True)
    reaction_set(actor=bob, post=posts[0], kind="funny")
    bookmark_set(actor=bob, post=posts[0], saved=True)
    bookmark_set(actor=carol, post=posts[1], saved=True)
    from apps.feeds.models import Hashtag

    tag = Hashtag.objects.get(name="plans")
    feeds = [
        (selectors._home, None),
        (selectors._company, None),
        (selectors._community, public.pk),
        (selectors._community, private.pk),
        (selectors._profile, anna.pk),
        (selectors._hashtag, tag.pk),
        (selectors._bookmarks, None),
    ]
    public_functions = {
        selectors._home: lambda **kw: selectors.home_feed(**kw),
        selectors._company: lambda **kw: selectors.company_feed(**kw),
        selectors._community: lambda subject, **kw: selectors.community_feed(
            community=type(public).objects.get(pk=subject), **kw
        ),
        selectors._profile: lambda subject, **kw: selectors.profile_feed(user_id=subject, **kw),
        selectors._hashtag: lambda subject, **kw: selectors.hashtag_feed(hashtag=tag, **kw),
        selectors._bookmarks: lambda **kw: selectors.bookmark_feed(**kw),
    }
    compared = 0
    for viewer in (anna, bob, carol, dave, admin):
        for build, subject in feeds:
            cursor = None
            for _depth in range(4):
                kwargs = {"viewer": viewer, "cursor": cursor, "limit": 4}
                call = public_functions[build]
                page = call(subject, **kwargs) if subject is not None else call(**kwargs)
                assert summary(page) == summary(orm_page(build, viewer, cursor, subject, limit=4)), (
                    viewer,
                    build.__name__,
                    cursor,
                )
                compared += 1
                if build is selectors._community and subject == private.pk and viewer in (carol, dave):
                    assert page.items == [] and page.pinned == []
                cursor = page.next_cursor
                if cursor is None:
                    break
    assert compared > 60


def test_a_feed_statement_is_compiled_once_per_shape(anna, bob, public):
    post_create(actor=anna, community=public, body="Hello")
    post_create(actor=anna, community=public, body="Again")
    prepared.STATEMENTS.clear()
    for viewer in (anna, bob, anna):
        selectors.home_feed(viewer=viewer)
        selectors.community_feed(viewer=viewer, community=public)
    assert sorted(key[1] for key in prepared.STATEMENTS if key[0] == "feed") == ["_community", "_home"]
    page = selectors.home_feed(viewer=bob, limit=1)
    assert page.next_cursor
    selectors.home_feed(viewer=bob, cursor=page.next_cursor, limit=1)
    assert ("feed", "_home", 1, True) in prepared.STATEMENTS


def test_a_statement_that_lost_a_stand_in_is_refused():
    query = Post.objects.filter(author_id=prepared.VIEWER).values("pk")
    prepared.PreparedQuery(Post.objects.filter(author_id=prepared.VIEWER), (prepared.VIEWER,))
    with pytest.raises(ValueError, match="not parameters"):
        prepared.PreparedQuery(Post.objects.filter(pk__in=query), (prepared.VIEWER, prepared.SINCE))


def test_stand_ins_are_values_no_real_row_has():
    assert prepared.VIEWER < 0 and prepared.SUBJECT < 0 and prepared.LAST_ID < 0
    assert prepared.SINCE < datetime(1970, 1, 1, tzinfo=UTC) < timezone.now()


def test_the_query_log_shows_a_compiled_statement_with_its_values(bob, public):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    selectors.home_feed(viewer=bob)
    with CaptureQueriesContext(connection) as captured:
        selectors.home_feed(viewer=bob)
    statement = captured.captured_queries[-1]["sql"]
    assert statement.startswith("SELECT") and f"= {bob.pk}" in statement


def test_an_inactive_account_reads_no_feed_and_no_post(anna, bob, public):
    post = post_create(actor=anna, community=public, body="For active colleagues")
    assert [p.pk for p in selectors.company_feed(viewer=bob).items] == [post.pk]
    bob.is_active = False
    bob.save()
    for feed in (selectors.home_feed, selectors.company_feed, selectors.bookmark_feed):
        assert feed(viewer=bob).items == []
    assert selectors.community_feed(viewer=bob, community=public).items == []
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.post_get(viewer=bob, post_id=post.pk)


def test_a_card_rendered_by_another_web_process_comes_from_redis(anna, bob, public, monkeypatch):
    post = post_create(actor=anna, community=public, body="Rendered once for all processes")
    client = signed_in(bob)
    first = card(community_page(client, public), post)
    caches["cards"].clear()  # another process: its own memory is empty

    def no_rendering(*args, **kwargs):
        raise AssertionError("the card was rendered again")

    jinja_template = cards.engines["jinja2"].env.get_template(cards.CARD_TEMPLATE)
    monkeypatch.setattr(jinja_template, "render", no_rendering)
    again = card(community_page(client, public), post)
    token = 'name="csrfmiddlewaretoken" value="'
    assert again.split(token)[0] == first.split(token)[0]
    assert cards.CSRF_PLACEHOLDER not in again


def test_cards_render_while_redis_is_unreachable(anna, bob, public):
    post = post_create(actor=anna, community=public, body="Redis is down, the feed is not")
    shared = caches["default"]
    shared._redis_down_until = float("inf")  # what ResilientRedisCache does after a failure
    try:
        assert "Redis is down, the feed is not" in card(community_page(signed_in(bob), public), post)
    finally:
        shared._redis_down_until = 0.0


def test_feeds_work_without_prepared_statements(anna, bob, public):
    """DATABASE_PREPARED_STATEMENTS=false (a pooler that cannot keep them): the compiled
    statements still run, bound on the server, planned each time."""
    from django.db import connection

    post = post_create(actor=anna, community=public, body="Through a pooler")
    raw = connection.connection
    threshold = raw.prepare_threshold
    raw.prepare_threshold = None

    def prepared_on_this_connection():
        with raw.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            return cursor.fetchone()[0]

    before = prepared_on_this_connection()
    try:
        for _ in range(3):  # a page size of its own: a statement this connection never saw
            page = selectors.community_feed(viewer=bob, community=public, limit=7)
            assert [p.pk for p in page.items] == [post.pk]
        assert prepared_on_this_connection() == before
    finally:
        raw.prepare_threshold = threshold


# ================================================================ the card cache key's version


def _environment():
    from config.jinja2 import environment

    return environment()


def test_the_key_in_use_is_the_version_of_the_jinja_environment_that_renders(settings):
    from django.template import engines

    assert cards.key_prefix().split(":")[1] == cards.code_version(engines["jinja2"].env)


def test_a_compiled_translation_catalogue_changes_the_key(settings, tmp_path):
    """A new French catalogue (make compilemessages) must not serve cards translated by the old one."""
    catalogue = tmp_path / "fr" / "LC_MESSAGES" / "django.mo"
    catalogue.parent.mkdir(parents=True)
    assert str(settings.BASE_DIR / "locale") in map(str, settings.LOCALE_PATHS)
    settings.LOCALE_PATHS = [tmp_path]
    environment = _environment()
    without = cards.code_version(environment)
    catalogue.write_bytes(b"\xde\x12\x04\x95 a first catalogue")
    first = cards.code_version(environment)
    catalogue.write_bytes(b"\xde\x12\x04\x95 a second catalogue")
    second = cards.code_version(environment)
    assert len({without, first, second}) == 3, "a .mo change left the card key unchanged"


def test_the_jinja_environment_s_filters_and_globals_change_the_key():
    environment = _environment()
    before = cards.code_version(environment)

    environment.filters["shout"] = str.upper
    with_a_filter = cards.code_version(environment)
    assert with_a_filter != before, "a new filter left the card key unchanged"

    # The same name, drawn by another function (here, one defined in this test module).
    environment.filters["date"] = _another_date_filter
    assert cards.code_version(environment) != with_a_filter, "a filter's new code left the card key unchanged"

    environment = _environment()
    environment.globals["banner"] = _another_date_filter
    assert cards.code_version(environment) != before, "a new global left the card key unchanged"


def _another_date_filter(value, format_name=None):
    return str(value)


def test_the_key_covers_the_code_that_makes_the_environment_and_its_filters():
    sources = {path.relative_to(cards.settings.BASE_DIR).as_posix() for path in cards._sources(_environment())}
    assert {
        "config/jinja2.py",
        "apps/feeds/templatetags/feeds.py",
        "apps/profiles/templatetags/people.py",
        "templates/jinja/feeds/_post.html",
    } <= sources

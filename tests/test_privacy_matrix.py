"""Every URL of the project, and what each kind of visitor gets from it.

A route missing from MATRIX fails the build: whoever adds a page decides, here, who
may see it. Outcomes: "200" a page; "login" a redirect to the sign-in page; "404"
(private or missing: the same); "405" wrong method; "302:<path>" another redirect,
where "{me}" stands for the visitor's own user id and "{community}" for the slug of
`COMMUNITY`. Kwargs that name an object refer to one the test makes (`COLLEAGUE`: another
employee, with a photo; `COMMUNITY`: the slug of a public community that the colleague
owns; `POST`: the colleague's post there, edited once, with a comment, an image, a file
and a hashtag, next to a poll, a question, a praise and a share); MISSING asks the same
routes about someone or something that does not exist. Every visitor has a profile, and
none of them wrote anything. The community roles (member, moderator, owner, banned, ...)
and private communities have their own matrices in tests/communities/test_privacy.py and
tests/feeds/test_privacy.py.
"""

import re
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import ProfileFactory, UserFactory

VISITORS = ("anonymous", "employee", "staff")

LOGIN = "login"
OK = "200"
NOT_FOUND = "404"
POST_ONLY = "405"
REAUTHENTICATE = "302:/accounts/reauthenticate/"
OWN_PROFILE = "302:/people/{me}/"
COMMUNITY_PAGE = "302:/communities/{community}/"


@dataclass(frozen=True)
class Ref:
    """A kwarg naming an object that the test makes (see `matrix_objects`)."""

    name: str


COLLEAGUE = Ref("colleague")  # the user id of another employee, who has a profile and a photo
NOBODY = Ref("nobody")  # a user id that belongs to no one
COMMUNITY = Ref("community")  # the slug of a public community owned by the colleague
NO_COMMUNITY = Ref("no_community")  # a slug that names no community
POST = Ref("post")  # the id of the colleague's post in COMMUNITY (edited once, with a reaction)
NO_POST = Ref("no_post")  # a post id that belongs to no post
COMMENT = Ref("comment")  # the id of the colleague's comment on POST
NO_COMMENT = Ref("no_comment")
IMAGE = Ref("image")  # the id of an image attached to POST (it has a thumbnail)
FILE = Ref("file")  # the id of a text file attached to POST
FILE_NAME = Ref("file_name")  # that file's name, as its download URL spells it
NO_ATTACHMENT = Ref("no_attachment")
HASHTAG = Ref("hashtag")  # a hashtag written in POST
NO_HASHTAG = Ref("no_hashtag")  # a hashtag nobody wrote
CONTACT = Ref("contact")  # the colleague's personal contact
CONTACT_IMPORT = Ref("contact_import")  # the colleague's contact import
# The colleague's group conversation with someone else (no visitor takes part in it), one of
# its messages and its attached file: every visitor, site admin included, gets a 404.
CONVERSATION = Ref("conversation")
MESSAGE = Ref("message")
MESSAGE_FILE = Ref("message_file")


def same(outcome):
    return dict.fromkeys(VISITORS, outcome)


def signed_in(outcome, *, anonymous=LOGIN, staff=None):
    return {"anonymous": anonymous, "employee": outcome, "staff": staff or outcome}


# route -> ({visitor: outcome}, kwargs to build its URL)
MATRIX: dict[str, tuple[dict, dict]] = {
    "": (signed_in(OK), {}),
    "healthz": (same(OK), {}),
    # The shell's lazy parts and the welcome steps: the viewer's own, for the signed-in only.
    "shell/communities/": (signed_in(OK), {}),
    "shell/rail/": (signed_in(OK), {}),
    "welcome/": (signed_in(OK), {}),
    # Search: each result through its owner's visible_to (tests/search/test_privacy.py).
    "search/": (signed_in(OK), {}),
    "search/suggest/": (signed_in(OK), {}),
    # The branding shows on the sign-in page too: public, and holds nothing private.
    "branding.css": (same(OK), {}),
    "branding/logo": (same(NOT_FOUND), {}),
    "i18n/setlang/": (same("302:/"), {}),
    # people: every employee sees every profile (private fields are masked, not refused);
    # only admins edit or deactivate someone else. POST-only routes refuse a GET.
    "people/": (signed_in(OK), {}),
    "people/export.csv": (signed_in(OK), {}),
    "people/me/": (signed_in(OWN_PROFILE), {}),
    "people/me/edit/": (signed_in(OK), {}),
    "people/me/time-zone/": (signed_in(POST_ONLY), {}),
    "people/<int:user_id>/": (signed_in(OK), {"user_id": COLLEAGUE}),
    "people/<int:user_id>/card/": (signed_in(OK), {"user_id": COLLEAGUE}),
    "people/<int:user_id>/org/": (signed_in(OK), {"user_id": COLLEAGUE}),
    "people/<int:user_id>/org/reports/": (signed_in(OK), {"user_id": COLLEAGUE}),
    "people/<int:user_id>/follow/": (signed_in(POST_ONLY), {"user_id": COLLEAGUE}),
    "people/<int:user_id>/followers/": (signed_in(OK), {"user_id": COLLEAGUE}),
    "people/<int:user_id>/following/": (signed_in(OK), {"user_id": COLLEAGUE}),
    "people/<int:user_id>/edit/": (signed_in(NOT_FOUND, staff=OK), {"user_id": COLLEAGUE}),
    "people/<int:user_id>/deactivate/": (signed_in(POST_ONLY), {"user_id": COLLEAGUE}),
    "people/<int:user_id>/reactivate/": (signed_in(POST_ONLY), {"user_id": COLLEAGUE}),
    "people/<int:user_id>/avatar/<int:size>/": (signed_in(OK), {"user_id": COLLEAGUE, "size": 96}),
    # communities: the employee is an outsider of a public community owned by the colleague.
    # Settings are for its owners, administration and deletion for site admins: 404 for others.
    "communities/": (signed_in(OK), {}),
    "communities/new/": (signed_in(OK), {}),
    "communities/<slug:slug>/": (signed_in(OK), {"slug": COMMUNITY}),
    # The community has no cover image: nothing to serve.
    "communities/<slug:slug>/cover/": (signed_in(NOT_FOUND), {"slug": COMMUNITY}),
    "communities/<slug:slug>/members/": (signed_in(OK), {"slug": COMMUNITY}),
    "communities/<slug:slug>/membership/": (signed_in(POST_ONLY), {"slug": COMMUNITY}),
    "communities/<slug:slug>/members/<int:user_id>/": (
        signed_in(POST_ONLY),
        {"slug": COMMUNITY, "user_id": COLLEAGUE},
    ),
    "communities/<slug:slug>/invite/": (signed_in(POST_ONLY), {"slug": COMMUNITY}),
    "communities/<slug:slug>/settings/": (signed_in(NOT_FOUND, staff=OK), {"slug": COMMUNITY}),
    "communities/<slug:slug>/administer/": (signed_in(NOT_FOUND, staff=OK), {"slug": COMMUNITY}),
    "communities/<slug:slug>/delete/": (signed_in(NOT_FOUND, staff=OK), {"slug": COMMUNITY}),
    # contacts: each employee's own; the colleague's are a 404 for everyone, admins included.
    "contacts/": (signed_in(OK), {}),
    "contacts/import/": (signed_in(OK), {}),
    "contacts/import/exchange/": (signed_in(POST_ONLY), {}),
    "contacts/imports/<int:import_id>/": (signed_in(NOT_FOUND), {"import_id": CONTACT_IMPORT}),
    "contacts/<int:contact_id>/delete/": (signed_in(POST_ONLY), {"contact_id": CONTACT}),
    "contacts/delete-all/": (signed_in(POST_ONLY), {}),
    "notifications/": (signed_in(OK), {}),
    "notifications/count/": (signed_in(OK), {}),
    "notifications/menu/": (signed_in(OK), {}),
    "notifications/read-all/": (signed_in(POST_ONLY), {}),
    "notifications/settings/": (signed_in(OK), {}),
    "notifications/<int:notification_id>/open/": (signed_in(POST_ONLY), {"notification_id": NO_POST}),
    # Signed links from e-mails, for the signed-out too: a forged one leads nowhere.
    "notifications/unsubscribe/<str:token>/": (same(NOT_FOUND), {"token": "forged-token"}),
    "feed/newer/": (signed_in(NOT_FOUND), {}),
    "feed/changes/": (signed_in(NOT_FOUND), {}),
    "feed/home-sources/": (signed_in(OK), {}),
    # feeds: every employee reads the public community's posts and everything hanging off
    # them. Writing is POST-only; a GET is refused before anything is looked up. Editing
    # is for the author alone (404 for everyone else, site admins included); the edit
    # history for the author and the community's moderators (and site admins). The
    # deleted posts page lists those the visitor moderates: none for an employee.
    "feed/company/": (signed_in(OK), {}),
    "feed/bookmarks/": (signed_in(OK), {}),
    "feed/deleted/": (signed_in(OK), {}),
    "feed/tags/<str:name>/": (signed_in(OK), {"name": HASHTAG}),
    "feed/tags/<str:name>/follow/": (signed_in(POST_ONLY), {"name": HASHTAG}),
    # A community's feed pages are htmx fragments; without htmx, the community's own page shows them.
    "feed/communities/<slug:slug>/": (signed_in(COMMUNITY_PAGE), {"slug": COMMUNITY}),
    "feed/people/<int:user_id>/": (signed_in(OK), {"user_id": COLLEAGUE}),
    "posts/new/": (signed_in(POST_ONLY), {}),
    "posts/preview/": (signed_in(POST_ONLY), {}),
    "posts/mentions/": (signed_in(OK), {}),
    "posts/<int:post_id>/": (signed_in(OK), {"post_id": POST}),
    "posts/<int:post_id>/edit/": (signed_in(NOT_FOUND), {"post_id": POST}),
    "posts/<int:post_id>/delete/": (signed_in(POST_ONLY), {"post_id": POST}),
    "posts/<int:post_id>/restore/": (signed_in(POST_ONLY), {"post_id": POST}),
    "posts/<int:post_id>/history/": (signed_in(NOT_FOUND, staff=OK), {"post_id": POST}),
    "posts/<int:post_id>/pin/": (signed_in(POST_ONLY), {"post_id": POST}),
    "posts/<int:post_id>/bookmark/": (signed_in(POST_ONLY), {"post_id": POST}),
    "posts/<int:post_id>/react/": (signed_in(POST_ONLY), {"post_id": POST}),
    "posts/<int:post_id>/reactions/": (signed_in(OK), {"post_id": POST}),
    "posts/<int:post_id>/card/": (signed_in(OK), {"post_id": POST}),
    "posts/<int:post_id>/vote/": (signed_in(POST_ONLY), {"post_id": POST}),
    "posts/<int:post_id>/best-answer/": (signed_in(POST_ONLY), {"post_id": POST}),
    "posts/<int:post_id>/share/": (signed_in(OK), {"post_id": POST}),
    "posts/<int:post_id>/comments/": (signed_in(OK), {"post_id": POST}),
    "comments/<int:comment_id>/edit/": (signed_in(NOT_FOUND), {"comment_id": COMMENT}),
    "comments/<int:comment_id>/delete/": (signed_in(POST_ONLY), {"comment_id": COMMENT}),
    "comments/<int:comment_id>/react/": (signed_in(POST_ONLY), {"comment_id": COMMENT}),
    "comments/<int:comment_id>/reactions/": (signed_in(OK), {"comment_id": COMMENT}),
    "attachments/<int:attachment_id>/thumbnail/": (signed_in(OK), {"attachment_id": IMAGE}),
    "attachments/<int:attachment_id>/<str:name>": (signed_in(OK), {"attachment_id": FILE, "name": FILE_NAME}),
    # accounts: ours
    "accounts/invitation/<str:key>/": (same(NOT_FOUND), {"key": "no-such-invitation"}),
    # accounts: allauth (sign-in, sign-up, reset are public; the rest needs a session)
    "accounts/login/": ({"anonymous": OK, "employee": "302:/", "staff": "302:/"}, {}),
    "accounts/logout/": ({"anonymous": "302:/accounts/login/", "employee": OK, "staff": OK}, {}),
    "accounts/inactive/": (same(OK), {}),
    "accounts/signup/": ({"anonymous": OK, "employee": "302:/", "staff": "302:/"}, {}),
    "accounts/reauthenticate/": (signed_in(OK), {}),
    "accounts/email/": (signed_in(OK), {}),
    "accounts/confirm-email/": (same(OK), {}),
    "accounts/password/change/": (signed_in(OK), {}),
    "accounts/password/set/": (signed_in("302:/accounts/password/change/"), {}),
    "accounts/password/reset/": (same(OK), {}),
    "accounts/login/code/confirm/": (signed_in("302:/", anonymous="302:/accounts/login/"), {}),
    r"accounts/^confirm-email/(?P<key>[-:\w]+)/$": (same(OK), {"key": "bogus-key"}),
    "accounts/password/reset/key/done/": (same(OK), {}),
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$": (same(OK), {"uidb36": "1", "key": "bad"}),
    "accounts/password/reset/done/": (same(OK), {}),
    "accounts/2fa/": (signed_in(OK), {}),
    "accounts/2fa/authenticate/": (signed_in("302:/", anonymous="302:/accounts/login/"), {}),
    # Security changes ask for the password again first.
    "accounts/2fa/reauthenticate/": (signed_in(REAUTHENTICATE), {}),
    "accounts/2fa/totp/activate/": (signed_in(REAUTHENTICATE), {}),
    "accounts/2fa/totp/deactivate/": (signed_in(NOT_FOUND), {}),
    "accounts/2fa/recovery-codes/": (signed_in(NOT_FOUND), {}),
    "accounts/2fa/recovery-codes/generate/": (signed_in(REAUTHENTICATE), {}),
    "accounts/2fa/recovery-codes/download/": (signed_in(NOT_FOUND), {}),
    "accounts/3rdparty/login/cancelled/": (same(OK), {}),
    "accounts/3rdparty/login/error/": (signed_in("401"), {}),
    "accounts/3rdparty/signup/": (same("302:/accounts/login/"), {}),
    "accounts/3rdparty/": (signed_in(OK), {}),
    "accounts/social/login/cancelled/": (signed_in("302:/accounts/3rdparty/login/cancelled/"), {}),
    "accounts/social/login/error/": (signed_in("302:/accounts/3rdparty/login/error/"), {}),
    "accounts/social/signup/": (signed_in("302:/accounts/3rdparty/signup/"), {}),
    "accounts/social/connections/": (signed_in("302:/accounts/3rdparty/"), {}),
    # SSO endpoints of a provider that is not configured: nothing there.
    "accounts/^saml/(?P<organization_slug>[^/]+)/acs/": (
        same("302:/accounts/saml/none/acs/finish/"),
        {"organization_slug": "none"},
    ),
    "accounts/^saml/(?P<organization_slug>[^/]+)/acs/finish/": (same(NOT_FOUND), {"organization_slug": "none"}),
    "accounts/^saml/(?P<organization_slug>[^/]+)/sls/": (same(NOT_FOUND), {"organization_slug": "none"}),
    "accounts/^saml/(?P<organization_slug>[^/]+)/metadata/": (same(NOT_FOUND), {"organization_slug": "none"}),
    "accounts/^saml/(?P<organization_slug>[^/]+)/login/": (same(NOT_FOUND), {"organization_slug": "none"}),
    "accounts/oidc/^(?P<provider_id>[^/]+)/login/": (same(NOT_FOUND), {"provider_id": "none"}),
    "accounts/oidc/^(?P<provider_id>[^/]+)/login/callback/": (same(NOT_FOUND), {"provider_id": "none"}),
}

MATRIX.update(
    {
        # Direct messages: one's own conversations only; those of others do not exist.
        "messages/": (signed_in(OK), {}),
        "messages/new/": (signed_in(OK), {}),
        "messages/with/<int:user_id>/": (signed_in(POST_ONLY), {"user_id": COLLEAGUE}),
        "messages/list/": (signed_in(OK), {}),
        "messages/unread/": (signed_in(OK), {}),
        "messages/search/": (signed_in(OK), {}),
        "messages/<int:conversation_id>/": (signed_in(NOT_FOUND), {"conversation_id": CONVERSATION}),
        "messages/<int:conversation_id>/history/": (signed_in(NOT_FOUND), {"conversation_id": CONVERSATION}),
        "messages/<int:conversation_id>/send/": (signed_in(POST_ONLY), {"conversation_id": CONVERSATION}),
        "messages/<int:conversation_id>/read/": (signed_in(POST_ONLY), {"conversation_id": CONVERSATION}),
        "messages/<int:conversation_id>/settings/": (signed_in(NOT_FOUND), {"conversation_id": CONVERSATION}),
        "messages/m/<int:message_id>/": (signed_in(NOT_FOUND), {"message_id": MESSAGE}),
        "messages/m/<int:message_id>/edit/": (signed_in(NOT_FOUND), {"message_id": MESSAGE}),
        "messages/m/<int:message_id>/delete/": (signed_in(POST_ONLY), {"message_id": MESSAGE}),
        "messages/m/<int:message_id>/react/": (signed_in(POST_ONLY), {"message_id": MESSAGE}),
        "messages/files/<int:attachment_id>/thumbnail/": (signed_in(NOT_FOUND), {"attachment_id": MESSAGE_FILE}),
        "messages/files/<int:attachment_id>/<str:name>": (
            signed_in(NOT_FOUND),
            {"attachment_id": MESSAGE_FILE, "name": FILE_NAME},
        ),
    }
)

# The same routes about someone who does not exist: 404 once signed in, as for a private
# object; POST-only routes answer a GET with 405 before looking anything up.
MISSING: dict[str, tuple[dict, dict]] = {
    "people/<int:user_id>/": (signed_in(NOT_FOUND), {"user_id": NOBODY}),
    "people/<int:user_id>/card/": (signed_in(NOT_FOUND), {"user_id": NOBODY}),
    "people/<int:user_id>/org/": (signed_in(NOT_FOUND), {"user_id": NOBODY}),
    "people/<int:user_id>/org/reports/": (signed_in(NOT_FOUND), {"user_id": NOBODY}),
    "people/<int:user_id>/follow/": (signed_in(POST_ONLY), {"user_id": NOBODY}),
    "people/<int:user_id>/followers/": (signed_in(NOT_FOUND), {"user_id": NOBODY}),
    "people/<int:user_id>/following/": (signed_in(NOT_FOUND), {"user_id": NOBODY}),
    "people/<int:user_id>/edit/": (signed_in(NOT_FOUND), {"user_id": NOBODY}),
    "people/<int:user_id>/deactivate/": (signed_in(POST_ONLY), {"user_id": NOBODY}),
    "people/<int:user_id>/reactivate/": (signed_in(POST_ONLY), {"user_id": NOBODY}),
    "people/<int:user_id>/avatar/<int:size>/": (signed_in(NOT_FOUND), {"user_id": NOBODY, "size": 96}),
    "communities/<slug:slug>/": (signed_in(NOT_FOUND), {"slug": NO_COMMUNITY}),
    "communities/<slug:slug>/cover/": (signed_in(NOT_FOUND), {"slug": NO_COMMUNITY}),
    "communities/<slug:slug>/members/": (signed_in(NOT_FOUND), {"slug": NO_COMMUNITY}),
    "communities/<slug:slug>/membership/": (signed_in(POST_ONLY), {"slug": NO_COMMUNITY}),
    "communities/<slug:slug>/members/<int:user_id>/": (
        signed_in(POST_ONLY),
        {"slug": NO_COMMUNITY, "user_id": NOBODY},
    ),
    "communities/<slug:slug>/invite/": (signed_in(POST_ONLY), {"slug": NO_COMMUNITY}),
    "communities/<slug:slug>/settings/": (signed_in(NOT_FOUND), {"slug": NO_COMMUNITY}),
    "communities/<slug:slug>/administer/": (signed_in(NOT_FOUND), {"slug": NO_COMMUNITY}),
    "communities/<slug:slug>/delete/": (signed_in(NOT_FOUND), {"slug": NO_COMMUNITY}),
    "feed/tags/<str:name>/": (signed_in(NOT_FOUND), {"name": NO_HASHTAG}),
    "feed/tags/<str:name>/follow/": (signed_in(POST_ONLY), {"name": NO_HASHTAG}),
    "feed/communities/<slug:slug>/": (signed_in(NOT_FOUND), {"slug": NO_COMMUNITY}),
    "feed/people/<int:user_id>/": (signed_in(NOT_FOUND), {"user_id": NOBODY}),
    "posts/<int:post_id>/": (signed_in(NOT_FOUND), {"post_id": NO_POST}),
    "posts/<int:post_id>/edit/": (signed_in(NOT_FOUND), {"post_id": NO_POST}),
    "posts/<int:post_id>/delete/": (signed_in(POST_ONLY), {"post_id": NO_POST}),
    "posts/<int:post_id>/restore/": (signed_in(POST_ONLY), {"post_id": NO_POST}),
    "posts/<int:post_id>/history/": (signed_in(NOT_FOUND), {"post_id": NO_POST}),
    "posts/<int:post_id>/pin/": (signed_in(POST_ONLY), {"post_id": NO_POST}),
    "posts/<int:post_id>/bookmark/": (signed_in(POST_ONLY), {"post_id": NO_POST}),
    "posts/<int:post_id>/react/": (signed_in(POST_ONLY), {"post_id": NO_POST}),
    "posts/<int:post_id>/reactions/": (signed_in(NOT_FOUND), {"post_id": NO_POST}),
    "posts/<int:post_id>/card/": (signed_in(NOT_FOUND), {"post_id": NO_POST}),
    "posts/<int:post_id>/vote/": (signed_in(POST_ONLY), {"post_id": NO_POST}),
    "posts/<int:post_id>/best-answer/": (signed_in(POST_ONLY), {"post_id": NO_POST}),
    "posts/<int:post_id>/share/": (signed_in(NOT_FOUND), {"post_id": NO_POST}),
    "posts/<int:post_id>/comments/": (signed_in(NOT_FOUND), {"post_id": NO_POST}),
    "comments/<int:comment_id>/edit/": (signed_in(NOT_FOUND), {"comment_id": NO_COMMENT}),
    "comments/<int:comment_id>/delete/": (signed_in(POST_ONLY), {"comment_id": NO_COMMENT}),
    "comments/<int:comment_id>/react/": (signed_in(POST_ONLY), {"comment_id": NO_COMMENT}),
    "comments/<int:comment_id>/reactions/": (signed_in(NOT_FOUND), {"comment_id": NO_COMMENT}),
    "attachments/<int:attachment_id>/thumbnail/": (signed_in(NOT_FOUND), {"attachment_id": NO_ATTACHMENT}),
    "attachments/<int:attachment_id>/<str:name>": (
        signed_in(NOT_FOUND),
        {"attachment_id": NO_ATTACHMENT, "name": FILE_NAME},
    ),
}

# The Django admin: every one of its routes is for staff only. Visitors are sent to
# the allauth sign-in; signed-in employees get a 404 (the admin's login form never shows).
ADMIN_PREFIX = "admin/"
ADMIN_RULE = {"anonymous": LOGIN, "employee": NOT_FOUND}

# The only pages a visitor without a session may see.
PUBLIC = {
    "healthz",
    "branding.css",
    "accounts/login/",
    "accounts/signup/",
    "accounts/inactive/",
    "accounts/confirm-email/",
    r"accounts/^confirm-email/(?P<key>[-:\w]+)/$",
    "accounts/password/reset/",
    "accounts/password/reset/done/",
    "accounts/password/reset/key/done/",
    "accounts/^password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
    "accounts/3rdparty/login/cancelled/",
}


def _walk(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}" if pattern.name else None


def all_routes() -> dict[str, str | None]:
    """Every route, with the name (namespace included) that reverses it."""
    return dict(_walk(get_resolver().url_patterns))


def _url(route: str, name: str | None, kwargs: dict, objects: dict[Ref, int | str]) -> str:
    if kwargs:
        kwargs = {key: objects[value] if isinstance(value, Ref) else value for key, value in kwargs.items()}
        return reverse(name, kwargs=kwargs)
    return "/" + route.replace("^", "").replace("$", "")


def _cases():
    for table in (MATRIX, MISSING):
        for route, (expected, kwargs) in table.items():
            yield route, expected, kwargs


def _admin_sample_url(route: str) -> str:
    path = re.sub(r"<path:[^>]+>", "x", route)
    path = re.sub(r"<[^>]+>", "1", path)
    path = re.sub(r"\(\?P<[^>]+>[^)]*\)", "1", path)
    return "/" + path.replace("^", "").replace("$", "")


def _outcome(response) -> str:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith("/accounts/login/?next="):
            return LOGIN
        return f"302:{location.split('?')[0]}"
    return str(response.status_code)


def test_every_route_is_in_the_matrix():
    routes = all_routes()
    missing = [r for r in routes if r not in MATRIX and not r.startswith(ADMIN_PREFIX)]
    assert missing == [], f"add these routes to MATRIX in {__file__}: {missing}"
    stale = [r for r in (*MATRIX, *MISSING) if r not in routes]
    assert stale == [], f"these MATRIX entries match no route any more: {stale}"


def test_admin_prefix_holds_only_the_admin_site():
    admin_resolver = next(r for r in get_resolver().url_patterns if str(r.pattern) == ADMIN_PREFIX)
    assert isinstance(admin_resolver, URLResolver)
    assert admin_resolver.app_name == "admin"
    assert [r for r in get_resolver().url_patterns if str(r.pattern).startswith(ADMIN_PREFIX)] == [admin_resolver]


@pytest.fixture
def visitor_users(db):
    employee = ProfileFactory().user
    staff = ProfileFactory(user=UserFactory(is_staff=True, is_superuser=True)).user
    return {"anonymous": None, "employee": employee, "staff": staff}


@pytest.fixture
def visitor_clients(client, visitor_users):
    from django.test import Client

    employee, staff = Client(), Client()
    employee.force_login(visitor_users["employee"])
    staff.force_login(visitor_users["staff"])
    return {"anonymous": client, "employee": employee, "staff": staff}


def _image_upload(name: str):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), "orange").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _text_upload(name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"Minutes of the meeting.\n", content_type="text/plain")


@pytest.fixture
def matrix_objects(db, settings, tmp_path) -> dict[Ref, int | str]:
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from apps.communities.services import community_create
    from apps.feeds import services as feeds
    from apps.feeds.models import Badge, Kind
    from apps.files.pictures import validate_picture as validate_avatar
    from apps.profiles.avatars import render_avatar

    settings.MEDIA_ROOT = tmp_path
    colleague = ProfileFactory()
    photo = io.BytesIO()
    Image.new("RGB", (128, 128), "teal").save(photo, "PNG")
    colleague.avatar = render_avatar(
        validate_avatar(SimpleUploadedFile("photo.png", photo.getvalue())), user_id=colleague.user_id
    )
    colleague.save()
    author = colleague.user
    nobody = UserFactory()
    nobody_id = nobody.pk
    nobody.delete()
    community = community_create(actor=author, name="Matrix public community", visibility="public")

    post = feeds.post_create(
        actor=author,
        community=community,
        body="The roadmap, first draft. #MatrixTag",
        uploads=[_image_upload("whiteboard.png"), _text_upload("minutes.txt")],
    )
    feeds.post_update(actor=author, post=post, body="The roadmap, second draft. #MatrixTag")
    comment = feeds.comment_create(actor=author, post=post, body="Comments welcome.")
    feeds.reaction_set(actor=author, post=post, kind="celebrate")
    feeds.reaction_set(actor=author, comment=comment, kind="like")
    feeds.bookmark_set(actor=author, post=post, saved=True)
    image = post.attachments.get(is_image=True)
    file = post.attachments.get(is_image=False)
    # The other kinds, so that every feed page renders each of them.
    poll = feeds.post_create(
        actor=author, community=community, kind=Kind.POLL, body="Lunch?", poll_options=["Pizza", "Salad"]
    )
    feeds.poll_vote(actor=author, post=poll, option_ids=[poll.poll_options.first().pk])
    question = feeds.post_create(actor=author, community=community, kind=Kind.QUESTION, body="Where is room 4?")
    feeds.comment_create(actor=author, post=question, body="Second floor.")
    praised = ProfileFactory().user
    feeds.post_create(
        actor=author, community=None, kind=Kind.PRAISE, body="Thanks!", badge=Badge.MENTOR, recipients=[praised]
    )
    feeds.post_create(actor=author, community=None, kind=Kind.SHARE, body="Worth a read.", shared_post=post)

    # Ids that no longer belong to anything.
    gone = feeds.post_create(actor=author, community=community, body="Gone.", uploads=[_text_upload("gone.txt")])
    gone_comment = feeds.comment_create(actor=author, post=gone, body="Gone too.")
    gone_ids = (gone.pk, gone_comment.pk, gone.attachments.get().pk)
    gone.delete()
    assert file.name == "minutes.txt"
    from apps.directory.models import Contact, ContactImport

    contact = Contact.objects.create(owner=author, key="x@partner.example", name="Partner", source="csv")
    contact_import = ContactImport.objects.create(owner=author, source="csv", filename="matrix.csv")
    from apps.messaging import services as messaging

    conversation = messaging.conversation_group_create(actor=author, name="Matrix chat", people=[praised])
    message, _ = messaging.message_send(
        actor=author, conversation=conversation, body="Matrix message", uploads=[_text_upload("minutes.txt")]
    )
    return {
        CONVERSATION: conversation.pk,
        MESSAGE: message.pk,
        MESSAGE_FILE: message.attachments.get().pk,
        CONTACT: contact.pk,
        CONTACT_IMPORT: contact_import.pk,
        COLLEAGUE: author.pk,
        NOBODY: nobody_id,
        COMMUNITY: community.slug,
        NO_COMMUNITY: "no-such-community",
        POST: post.pk,
        NO_POST: gone_ids[0],
        COMMENT: comment.pk,
        NO_COMMENT: gone_ids[1],
        IMAGE: image.pk,
        FILE: file.pk,
        FILE_NAME: file.name,
        NO_ATTACHMENT: gone_ids[2],
        HASHTAG: "matrixtag",
        NO_HASHTAG: "no-such-tag",
    }


@pytest.mark.django_db
def test_each_visitor_gets_the_declared_outcome(visitor_clients, visitor_users, matrix_objects):
    routes = all_routes()
    wrong = []
    for route, expected, kwargs in _cases():
        url = _url(route, routes[route], kwargs, matrix_objects)
        for visitor in VISITORS:
            me = visitor_users[visitor]
            want = expected[visitor].format(me=me.pk if me else None, community=matrix_objects[COMMUNITY])
            got = _outcome(visitor_clients[visitor].get(url))
            if got != want:
                wrong.append(f"{visitor} GET {url}: expected {want}, got {got}")
    assert wrong == [], "\n".join(wrong)


def _final_outcome(client, url) -> str:
    response = client.get(url, follow=True)
    if response.redirect_chain and response.redirect_chain[-1][0].startswith("/accounts/login/?next="):
        return LOGIN
    return str(response.status_code)


@pytest.mark.django_db
def test_admin_is_for_staff_only(visitor_clients):
    wrong = []
    for route in all_routes():
        if not route.startswith(ADMIN_PREFIX):
            continue
        url = _admin_sample_url(route)
        for visitor, expected in ADMIN_RULE.items():
            got = _final_outcome(visitor_clients[visitor], url)
            if got != expected:
                wrong.append(f"{visitor} GET {url}: expected {expected}, got {got}")
        # Staff reach the admin itself (sample ids may not exist: 302 to the list, or 404).
        if _outcome(visitor_clients["staff"].get(url)) == LOGIN:
            wrong.append(f"staff GET {url}: sent to sign in")
    assert visitor_clients["staff"].get("/admin/").status_code == 200
    assert wrong == []


@pytest.mark.django_db
def test_only_the_declared_pages_are_public(client, matrix_objects):
    routes = all_routes()
    public = set()
    for route, _expected, kwargs in _cases():
        if _outcome(client.get(_url(route, routes[route], kwargs, matrix_objects))) == OK:
            public.add(route)
    assert public == PUBLIC

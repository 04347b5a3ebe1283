"""The site's name, logo and primary colour: set in the admin, shown on every page (the
sign-in page too) without a database query, and refused when white text on the colour
would not read at 4.5:1."""

import gzip

import pytest
from django.conf import settings

from apps.core import branding as core_branding
from apps.moderation.models import AuditLogEntry
from apps.pages import branding
from apps.pages.models import SiteBranding
from tests.image_files import broken_png_bytes, image_bytes, upload

pytestmark = pytest.mark.django_db

CHANGE = "/admin/pages/sitebranding/"


@pytest.fixture(autouse=True)
def _restore_branding(settings, tmp_path):
    settings.BRANDING_FILE = tmp_path / "branding.json"
    settings.MEDIA_ROOT = tmp_path / "media"
    yield
    core_branding._memo.clear()


@pytest.fixture
def admin(client, staff_user, django_capture_on_commit_callbacks):
    client.force_login(staff_user)
    # The branding is published when its save commits.
    client.on_commit = django_capture_on_commit_callbacks
    return client


def save(admin, **fields):
    data = {"site_name": "", "primary_colour": "#1d4ed8", **fields}
    response = admin.get(CHANGE, follow=True)  # the one row's add or change page
    with admin.on_commit(execute=True):
        return admin.post(response.request["PATH_INFO"], data, follow=True)


def test_defaults_without_a_file_need_no_query(client, user, django_assert_num_queries):
    current = branding.current()
    assert current.site_name == settings.SITE_NAME and current.primary_colour == "#1d4ed8"
    with django_assert_num_queries(0):
        branding.current()


def test_an_admin_sets_the_name_and_colour_and_every_page_shows_them(admin, client):
    response = save(admin, site_name="Acme Connect", primary_colour="#047857")
    assert response.status_code == 200
    row = SiteBranding.objects.get()
    assert (row.site_name, row.primary_colour) == ("Acme Connect", "#047857")
    assert AuditLogEntry.objects.filter(action="branding.change").exists()
    home = admin.get("/").content.decode()
    assert "Acme Connect" in home
    css_url = branding.current().css_url
    assert css_url in home
    css = admin.get(css_url)
    assert css["Content-Type"].startswith("text/css") and "--bs-primary: #047857" in css.content.decode()
    assert "immutable" in css["Cache-Control"]
    # Only the current version is kept: a made-up ?v= (a later save's URL) is not.
    assert "immutable" not in admin.get("/branding.css?v=99999999999")["Cache-Control"]
    client.logout()
    assert "Acme Connect" in client.get("/accounts/login/").content.decode()


def test_a_colour_white_text_cannot_be_read_on_is_refused(admin):
    response = save(admin, primary_colour="#ffd700")
    assert "hard to read" in response.content.decode()
    assert not SiteBranding.objects.filter(primary_colour="#ffd700").exists()


def test_a_malformed_colour_is_refused(admin):
    response = save(admin, primary_colour="blue")
    assert "#RRGGBB" in response.content.decode()


def test_a_logo_is_re_encoded_and_served_to_anyone(admin, client):
    save(admin, logo_upload=upload(image_bytes((300, 300)), "logo.png"))
    current = branding.current()
    assert current.logo_url
    client.logout()
    response = client.get(current.logo_url)
    assert response.status_code == 200 and response["Content-Type"] == "image/webp"
    assert b"".join(response.streaming_content)[:4] == b"RIFF"


def test_a_broken_logo_is_refused_with_a_message_and_nothing_is_saved(admin):
    response = save(admin, logo_upload=upload(broken_png_bytes(), "logo.png"))
    assert response.status_code == 200
    assert "errorlist" in response.content.decode() or "invalid-feedback" in response.content.decode()
    assert not SiteBranding.objects.exists()


def test_no_logo_is_a_404(client):
    assert client.get("/branding/logo").status_code == 404


def test_primary_shades_read_on_both_themes():
    from apps.pages.colours import DARK_SURFACE, WHITE, contrast, readable_on, rgb

    for colour in ["#1d4ed8", "#047857", "#be123c", "#000000", "#0d6efd"]:
        assert contrast(readable_on(rgb(colour), DARK_SURFACE), DARK_SURFACE) >= 4.5
        assert contrast(readable_on(rgb(colour), WHITE), WHITE) >= 4.5


# ------------------------------------------------------------------ compression


def test_pages_are_compressed_with_the_breach_padding(client, user):
    client.force_login(user)
    first = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert first["Content-Encoding"] == "gzip"
    assert b"<main" in gzip.decompress(first.content)
    second = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    # The same page, compressed twice: random padding (Django 4.2+) changes the length.
    lengths = {len(first.content), len(second.content)}
    for _ in range(5):
        lengths.add(len(client.get("/", HTTP_ACCEPT_ENCODING="gzip").content))
    assert len(lengths) > 1


def test_images_are_not_compressed_again(admin):
    save(admin, logo_upload=upload(image_bytes((300, 300)), "logo.png"))
    response = admin.get(branding.current().logo_url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200 and not response.has_header("Content-Encoding")


def test_a_branding_path_that_cannot_be_read_shows_the_defaults_and_migrate_goes_on(client, user, settings, tmp_path):
    # A media volume mounted wrongly: the file's folder is a file.
    (tmp_path / "not-a-folder").write_text("")
    settings.BRANDING_FILE = tmp_path / "not-a-folder" / "branding.json"
    client.force_login(user)
    assert client.get("/").status_code == 200
    branding.publish_from_database()  # what post_migrate runs: logs, does not raise


def test_the_branding_file_is_readable_by_other_users(settings):
    branding.publish(None)
    assert settings.BRANDING_FILE.stat().st_mode & 0o777 == 0o644


def test_static_files_keep_their_validators_and_ranges(client):
    # WhiteNoise answers them before the compression: a browser's revalidation is a 304.
    first = client.get("/static/css/app.css", HTTP_ACCEPT_ENCODING="gzip")
    assert first.status_code == 200 and not first["ETag"].startswith("W/")
    again = client.get("/static/css/app.css", HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    part = client.get("/static/css/app.css", HTTP_ACCEPT_ENCODING="gzip", HTTP_RANGE="bytes=0-99")
    assert part.status_code == 206 and not part.has_header("Content-Encoding")


def test_e_mails_and_the_unavailable_page_carry_the_name_set_in_the_admin(admin, rf):
    from apps.core import unavailable

    save(admin, site_name="Acme Connect")
    page = unavailable.error_response(rf.get("/"), 503).content.decode()
    assert "Acme Connect" in page

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from apps.communities.models import Membership, Role, State
from apps.communities.services import community_create
from apps.feeds.models import Post
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


def png():
    buf = io.BytesIO()
    Image.new("RGB", (300, 200), "red").save(buf, "PNG")
    return SimpleUploadedFile("photo.png", buf.getvalue(), content_type="image/png")


def test_smoke():
    a = ProfileFactory(user=UserFactory(email="anna.martin@example.com", first_name="Anna", last_name="Martin")).user
    b = ProfileFactory(user=UserFactory(email="bob@example.com", first_name="Bob", last_name="Stone")).user
    c = community_create(actor=a, name="Garden", description="x", visibility="private")
    Membership.objects.create(community=c, user=b, role=Role.MEMBER, state=State.ACTIVE)
    ca = Client()
    ca.force_login(a)
    r = ca.post(
        "/posts/new/",
        {"community": c.slug, "kind": "post", "body": "Hi @bob #green", "files": [png()]},
        HTTP_HX_REQUEST="true",
    )
    assert r.status_code == 200, r.content
    print(r.content.decode()[:3000])
    post = Post.objects.get()
    assert post.attachments.count() == 1
    r = ca.post("/posts/new/", {"kind": "poll", "body": "Lunch?", "poll_option": ["Pizza", "Sushi"]})
    assert r.status_code == 302, r.content.decode()
    r = ca.post("/posts/new/", {"kind": "praise", "body": "Great", "badge": "mentor", "recipients": "@bob"})
    assert r.status_code == 302, r.content.decode()
    for url in [
        "/",
        "/feed/company/",
        f"/communities/{c.slug}/",
        f"/posts/{post.pk}/",
        f"/people/{b.pk}/",
        "/feed/tags/green/",
        "/feed/bookmarks/",
        f"/posts/{post.pk}/comments/",
        "/posts/mentions/?q=bo",
    ]:
        r = ca.get(url)
        assert r.status_code == 200, (url, r.content.decode()[:2000])
    cb = Client()
    cb.force_login(b)
    r = cb.post(f"/posts/{post.pk}/react/", {"kind": "like"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200, r.content
    r = cb.post(f"/posts/{post.pk}/comments/", {"body": "Nice"}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and "Nice" in r.content.decode()
    att = post.attachments.get()
    r = cb.get(f"/attachments/{att.pk}/thumbnail/")
    assert r.status_code == 200 and r["Content-Type"] == "image/webp"
    outsider = UserFactory()
    co = Client()
    co.force_login(outsider)
    for url in [f"/posts/{post.pk}/", f"/attachments/{att.pk}/thumbnail/", f"/attachments/{att.pk}/x.webp"]:
        assert co.get(url).status_code == 404
    assert "Hi" not in co.get("/").content.decode()

import pytest

pytestmark = pytest.mark.django_db


def test_sign_in_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'name="password"' in response.content


def test_home_requires_sign_in(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/")


def test_home_for_signed_in_user(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    assert user.first_name.encode() in response.content

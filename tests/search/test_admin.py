"""IT's search boxes in the administration run the site's search."""

import pytest

from apps.communities.services import community_create
from apps.directory.models import DirectoryAccount, DirectorySource
from apps.profiles.services import profile_refresh_search
from tests.factories import ProfileFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_people_are_found_by_email_directory_id_and_name_without_accents(admin_client):
    helene = ProfileFactory(user=UserFactory(email="h.lefevre@corp.example", first_name="Hélène", last_name="Lefèvre"))
    other = ProfileFactory(user=UserFactory(email="someone@corp.example", first_name="Other", last_name="Person"))
    for profile in (helene, other):
        profile_refresh_search(profile=profile)
    source = DirectorySource.objects.create(name="corp-ad")
    DirectoryAccount.objects.create(
        source=source, user=helene.user, external_id="9f1c-77", dn="CN=Helene,DC=corp", username="hlefevre"
    )
    for term in ("h.lefevre@corp.example", "h.lef", "9f1c-77", "hlefevre", "CN=Helene,DC=corp", "helene lefe"):
        for url, found, not_found in (
            ("/admin/accounts/user/", helene.user.pk, other.user.pk),
            ("/admin/profiles/profile/", helene.pk, other.pk),
        ):
            html = admin_client.get(url, {"q": term}).content.decode()
            assert f"{url}{found}/" in html, (url, term)
            assert f"{url}{not_found}/" not in html, (url, term)
    assert other.user.email in admin_client.get("/admin/accounts/user/", {"q": ""}).content.decode()


def test_communities_are_found_by_address_and_words(admin_client):
    owner = UserFactory()
    community_create(actor=owner, name="Équipe Réseaux", description="Routers and switches")
    community_create(actor=owner, name="Garden club")
    for term in ("equipe", "RESEAUX", "routers"):
        html = admin_client.get("/admin/communities/community/", {"q": term}).content.decode()
        assert "Équipe Réseaux" in html and "Garden club" not in html, term

import pytest

from apps.messaging import services
from tests.factories import ProfileFactory

CANARY = "canary-7f3a91"


def person(name: str):
    first, last = name.split()
    return ProfileFactory(
        user__first_name=first, user__last_name=last, user__email=f"{first.lower()}.{last.lower()}@example.com"
    ).user


@pytest.fixture
def anna(db):
    return person("Anna Martin")


@pytest.fixture
def ben(db):
    return person("Ben Dubois")


@pytest.fixture
def chloe(db):
    return person("Chloe Petit")


@pytest.fixture
def outsider(db):
    return person("Olga Outsider")


@pytest.fixture
def site_admin(db):
    admin = person("Sam Admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    return admin


@pytest.fixture
def group(anna, ben, chloe):
    return services.conversation_group_create(actor=anna, name="Launch team", people=[ben, chloe])


@pytest.fixture
def direct(anna, ben):
    return services.conversation_direct_open(actor=anna, other=ben)


def of_type(sent, event_type: str) -> list[tuple[str, dict]]:
    return [(group, payload) for group, payload in sent if payload["type"] == event_type]

import pytest

from apps.communities.models import Membership, Role, State, Visibility
from apps.communities.services import community_create
from apps.facts.models import Fact
from apps.notifications.services import fact_process
from tests.factories import ProfileFactory


def person(first, last, email):
    return ProfileFactory(user__first_name=first, user__last_name=last, user__email=email).user


@pytest.fixture
def anna(db):
    return person("Anna", "Martin", "anna.martin@example.com")


@pytest.fixture
def bob(db):
    return person("Bob", "Stone", "bob.stone@example.com")


@pytest.fixture
def carol(db):
    return person("Carol", "Outsider", "carol.out@example.com")


@pytest.fixture
def dave(db):
    return person("Dave", "Keen", "dave.keen@example.com")


@pytest.fixture
def private(anna, bob):
    """Anna owns it, Bob is a member; Carol and Dave are outside."""
    community = community_create(actor=anna, name="Secret Lab", visibility=Visibility.PRIVATE)
    Membership.objects.create(community=community, user=bob, role=Role.MEMBER, state=State.ACTIVE)
    return community


@pytest.fixture
def public(anna):
    return community_create(actor=anna, name="Open Plaza", visibility=Visibility.PUBLIC)


@pytest.fixture
def run_facts():
    """Process every pending fact as the task would; returns how many notifications."""

    def run():
        return sum(fact_process(fact_id=pk) for pk in Fact.objects.pending().values_list("pk", flat=True))

    return run

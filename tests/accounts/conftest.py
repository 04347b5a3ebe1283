import pytest

from tests.factories import UserFactory


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what waits for the commit (the e-mails), as the real transaction's end would."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.fixture
def admin_browser(client):
    """A browser signed in as a site administrator (Ada Admin), who is `admin_browser.actor`."""
    actor = UserFactory(is_staff=True, is_superuser=True, first_name="Ada", last_name="Admin")
    client.force_login(actor)
    client.actor = actor
    return client

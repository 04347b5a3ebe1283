"""What communities tells the apps above it (apps/communities/signals.py), which it never
imports: a deleted community's posts are locked and their files deleted after the commit
(apps/feeds/receivers.py), and the directory's group mapping follows a community's new
address (apps/directory/receivers.py)."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from apps.communities import signals
from apps.communities.models import Community, Visibility
from apps.communities.services import community_create, community_delete, community_update
from apps.core import broadcast
from apps.feeds.models import Attachment, Post
from apps.feeds.services import post_create
from tests.factories import UserFactory
from tests.image_files import image_bytes, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def quiet(monkeypatch, settings, tmp_path):
    """Files in a temporary MEDIA_ROOT; no live event or socket control sent."""
    settings.MEDIA_ROOT = str(tmp_path)
    monkeypatch.setattr(broadcast, "send_now", lambda group, payload: True)
    monkeypatch.setattr(broadcast, "_send_message", lambda group, message: True)
    return tmp_path


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def admin():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def connected():
    """Connect a receiver for the test only."""
    connections = []

    def connect(signal, receiver):
        signal.connect(receiver, sender=Community, weak=False)
        connections.append((signal, receiver))

    yield connect
    for signal, receiver in connections:
        signal.disconnect(receiver, sender=Community)


def files_in(root) -> list:
    return sorted(path for path in root.rglob("*") if path.is_file())


def community_with_files(owner):
    """A community with a post holding a plain file and an image (its file and thumbnail)."""
    community = community_create(actor=owner, name="Guild", visibility=Visibility.PUBLIC)
    uploads = [
        upload(b"Minutes of the guild", "minutes.txt", "text/plain"),
        upload(image_bytes((300, 200)), "photo.png"),
    ]
    post_create(actor=owner, community=community, body="Minutes and a photo", uploads=uploads)
    return community


def test_both_apps_above_are_connected(owner):
    from apps.directory.receivers import repoint_groups_to_moved_communities
    from apps.feeds.receivers import lock_a_deleted_communitys_posts

    community = community_create(actor=owner, name="Guild", visibility=Visibility.PUBLIC)
    with transaction.atomic():
        deleting = signals.community_deleting.send(sender=Community, community=community)
        moved = signals.community_addresses_moved.send(sender=Community, moves={})
    assert (lock_a_deleted_communitys_posts, []) in deleting
    assert (repoint_groups_to_moved_communities, None) in moved


def test_a_deleted_communitys_files_are_deleted_after_the_commit(
    owner, admin, quiet, django_capture_on_commit_callbacks
):
    community = community_with_files(owner)
    names = [name for pair in Attachment.objects.values_list("file", "thumbnail") for name in pair if name]
    assert len(names) == 3  # the text file, the image and its thumbnail
    before = files_in(quiet)
    with django_capture_on_commit_callbacks() as callbacks:
        community_delete(actor=admin, community=community, confirm_name="Guild")
        assert files_in(quiet) == before, "deleted before the commit: a rollback would lose them"
    assert not Post.objects.exists() and not Attachment.objects.exists()
    for callback in callbacks:
        callback()
    assert files_in(quiet) == []


def test_the_posts_then_their_attachments_are_locked_before_anything_is_deleted(owner, admin, quiet):
    """The image worker's order (a post, then its attachments): no deadlock with it
    (tests/communities/test_delete_races.py runs the race itself)."""
    community = community_with_files(owner)
    with CaptureQueriesContext(connection) as queries:
        community_delete(actor=admin, community=community, confirm_name="Guild")
    sql = [query["sql"] for query in queries.captured_queries]
    locks = [statement for statement in sql if "FOR UPDATE" in statement]
    tables = [statement.split(" FROM ", 1)[1].split()[0].strip('"') for statement in locks[:3]]
    assert tables == [Community._meta.db_table, Post._meta.db_table, Attachment._meta.db_table]
    first_delete = next(index for index, statement in enumerate(sql) if statement.startswith("DELETE"))
    assert sql.index(locks[2]) < first_delete


def test_a_receiver_gets_the_locked_community_and_its_files_go_after_the_commit(
    owner, admin, connected, django_capture_on_commit_callbacks
):
    community = community_create(actor=owner, name="Guild", visibility=Visibility.PUBLIC)
    stored = default_storage.save("elsewhere/guild.txt", ContentFile(b"kept by an app above"))
    seen = []

    def receiver(sender, community, **kwargs):
        seen.append((community.pk, connection.in_atomic_block))
        return [stored, ""]

    connected(signals.community_deleting, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        community_delete(actor=admin, community=community, confirm_name="Guild")
        assert default_storage.exists(stored)
    assert seen == [(community.pk, True)]
    assert not default_storage.exists(stored)


def test_a_community_whose_receivers_have_nothing_is_deleted(
    owner, admin, connected, django_capture_on_commit_callbacks
):
    community = community_create(actor=owner, name="Guild", visibility=Visibility.PUBLIC)
    connected(signals.community_deleting, lambda sender, community, **kwargs: None)
    with django_capture_on_commit_callbacks(execute=True):
        community_delete(actor=admin, community=community, confirm_name="Guild")
    assert not Community.objects.filter(pk=community.pk).exists()


def test_a_receivers_error_keeps_the_community_and_its_files(owner, admin, quiet, connected):
    community = community_with_files(owner)
    before = files_in(quiet)

    def failing(sender, community, **kwargs):
        raise RuntimeError("an app above could not lock its rows")

    connected(signals.community_deleting, failing)
    with pytest.raises(RuntimeError):
        community_delete(actor=admin, community=community, confirm_name="Guild")
    assert Community.objects.filter(pk=community.pk).exists()
    assert Post.objects.filter(community=community).exists()
    assert files_in(quiet) == before


def test_a_move_is_sent_old_address_to_new_inside_its_transaction(owner, connected):
    community = community_create(actor=owner, name="Canary", visibility=Visibility.PUBLIC)
    sent = []

    def receiver(sender, moves: dict, **kwargs):
        sent.append((moves, connection.in_atomic_block))

    connected(signals.community_addresses_moved, receiver)
    community_update(actor=owner, community=community, changes={"visibility": Visibility.PRIVATE})
    community.refresh_from_db()
    assert sent == [({"canary": community.slug}, True)]
    community_update(actor=owner, community=community, changes={"description": "Same address"})
    assert len(sent) == 1


def test_a_rolled_back_move_leaves_the_directory_mapping(owner):
    from apps.directory.models import DirectorySource

    community = community_create(actor=owner, name="Canary", visibility=Visibility.PUBLIC)
    source = DirectorySource.objects.create(name="corp", group_communities={"cn=canary": "canary"})
    with pytest.raises(RuntimeError), transaction.atomic():
        community_update(actor=owner, community=community, changes={"visibility": Visibility.PRIVATE})
        source.refresh_from_db()
        assert source.group_communities["cn=canary"] != "canary"
        raise RuntimeError("the edit failed later")
    source.refresh_from_db()
    assert source.group_communities == {"cn=canary": "canary"}

"""Deleting a community while the worker finishes one of its images, with real concurrent
transactions: no file is left in storage, and no deadlock.

The worker locks a post, then its attachment (apps/files/processing.py); the
deletion locks the community's posts, then their attachments, and reads the file names
only then. Whichever comes second waits for the first and then sees what it did."""

import threading
import time

import pytest
from django.db import connection, connections

from apps.communities.models import Community
from apps.communities.services import community_create, community_delete
from apps.core import broadcast
from apps.core.models import FileState
from apps.feeds import tasks
from apps.feeds.models import Attachment
from apps.feeds.services import post_create
from apps.files import processing
from tests.factories import UserFactory
from tests.image_files import image_bytes, upload

pytestmark = pytest.mark.django_db(transaction=True)

WAIT = 30  # seconds: a bound on every wait below, never reached when all goes well


@pytest.fixture(autouse=True)
def quiet(monkeypatch, settings, tmp_path):
    """Files in a temporary MEDIA_ROOT; no task queued, no live event sent."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(tasks.process_attachment_task, "apply_async", lambda *args, **kwargs: None)
    monkeypatch.setattr(broadcast, "send_now", lambda group, payload: True)
    return tmp_path


@pytest.fixture
def owner():
    return UserFactory()


@pytest.fixture
def admin():
    return UserFactory(is_staff=True, is_superuser=True)


def files_in(root) -> list:
    return sorted(path for path in root.rglob("*") if path.is_file())


def pending_image(owner):
    """A community with one post whose image waits for the worker (over the request's budget)."""
    community = community_create(actor=owner, name="Guild", visibility="public")
    post = post_create(actor=owner, community=community, body="Poster", uploads=[upload(image_bytes((3000, 3000)))])
    attachment = Attachment.objects.get(post=post)
    assert attachment.state == FileState.PENDING
    return community, post, attachment


def in_thread(target, outcome: dict, key: str) -> threading.Thread:
    def run():
        try:
            outcome[key] = target()
        except BaseException as error:  # noqa: BLE001 - the test reports it
            outcome[key] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def wait_for_a_lock_wait(*also_done: threading.Thread) -> bool:
    """True once a session of this database waits for a row lock (False if the threads
    finished first, or after WAIT seconds)."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return True
        if also_done and not any(thread.is_alive() for thread in also_done):
            return False
        time.sleep(0.02)
    return False


def test_a_community_deleted_while_the_worker_writes_its_image_leaves_no_file(owner, admin, quiet, monkeypatch):
    """The worker has written the new file and thumbnail and holds its locks when the
    deletion starts: the deletion waits, then deletes those files too (it used to read the
    names first, without a lock, and delete only the original)."""
    community, _post, attachment = pending_image(owner)
    inside, go, outcome = threading.Event(), threading.Event(), {}
    announce = tasks._announce

    def announce_then_pause(row):
        announce(row)
        inside.set()
        assert go.wait(WAIT)

    monkeypatch.setattr(tasks, "_announce", announce_then_pause)
    worker = in_thread(lambda: tasks.process_attachment(attachment.pk), outcome, "worker")
    assert inside.wait(WAIT), outcome
    deleting = in_thread(
        lambda: community_delete(actor=admin, community=community, confirm_name="Guild"), outcome, "delete"
    )
    assert wait_for_a_lock_wait(deleting), outcome
    go.set()
    worker.join(WAIT), deleting.join(WAIT)
    assert (outcome["worker"], outcome["delete"]) == (processing.READY, None)
    assert not Community.objects.filter(pk=community.pk).exists()
    assert files_in(quiet) == []


def test_the_worker_finishing_after_a_community_was_deleted_leaves_no_file(owner, admin, quiet, monkeypatch):
    """The deletion holds the community's posts when the worker comes to store its image:
    the worker waits, finds the post gone, and deletes what it wrote."""
    from apps.communities.services import administration

    community, _post, attachment = pending_image(owner)
    inside, go, outcome = threading.Event(), threading.Event(), {}
    audit = administration.audit_record

    def audit_then_pause(**kwargs):
        entry = audit(**kwargs)
        inside.set()
        assert go.wait(WAIT)
        return entry

    monkeypatch.setattr(administration, "audit_record", audit_then_pause)
    deleting = in_thread(
        lambda: community_delete(actor=admin, community=community, confirm_name="Guild"), outcome, "delete"
    )
    assert inside.wait(WAIT), outcome
    worker = in_thread(lambda: tasks.process_attachment(attachment.pk), outcome, "worker")
    wait_for_a_lock_wait(worker)
    go.set()
    worker.join(WAIT), deleting.join(WAIT)
    assert (outcome["worker"], outcome["delete"]) == (processing.SKIPPED, None)
    assert files_in(quiet) == []


def test_a_deletion_and_the_workers_lock_order_do_not_deadlock(owner, admin, quiet):
    """A transaction that locks a post and then its attachment, in the worker's order and
    paused between the two, while the community is deleted: the deletion used to delete
    the attachments first and then wait for the post, which the other held while it waited
    for the attachment (PostgreSQL ended one of them: a deadlock)."""
    from django.db import transaction

    community, post, attachment = pending_image(owner)
    holding, go, outcome = threading.Event(), threading.Event(), {}

    def as_the_worker():
        with transaction.atomic():
            Post = type(post)
            Post.objects.select_for_update().get(pk=post.pk)
            holding.set()
            assert go.wait(WAIT)
            return len(Attachment.objects.select_for_update().filter(pk=attachment.pk))

    worker = in_thread(as_the_worker, outcome, "worker")
    assert holding.wait(WAIT), outcome
    deleting = in_thread(
        lambda: community_delete(actor=admin, community=community, confirm_name="Guild"), outcome, "delete"
    )
    assert wait_for_a_lock_wait(deleting), outcome
    go.set()
    worker.join(WAIT), deleting.join(WAIT)
    assert (outcome["worker"], outcome["delete"]) == (1, None)
    assert not Community.objects.filter(pk=community.pk).exists()
    assert files_in(quiet) == []


def test_a_deleted_communitys_cover_goes_with_it(owner, admin, quiet):
    from apps.communities.services import community_update

    community = community_create(actor=owner, name="Guild", visibility="public")
    community_update(actor=owner, community=community, changes={}, cover=upload(image_bytes((800, 400))))
    assert [path.suffix for path in files_in(quiet)] == [".webp"]
    community_delete(actor=admin, community=community, confirm_name="Guild")
    assert files_in(quiet) == []

"""What communities tell the apps above them, which it never imports (docs/architecture.md).

Feeds keep posts in a community and the directory maps groups to a community's address;
both sit above communities in the layer order. So communities sends these signals inside
its own transaction, and those apps connect receivers in their AppConfig.ready
(apps/feeds/receivers.py, apps/directory/receivers.py). A receiver's error rolls the
change back, as the code it replaced did.

community_deleting(sender=Community, community=...)
    Sent by community_delete inside its transaction, once the community's row is locked and
    before anything is deleted. Each receiver locks its rows that go with the community, in
    the order its own writers lock them (no deadlock), and returns the names of the stored
    files those rows hold (a list, maybe empty): they are deleted once the deletion commits.

community_addresses_moved(sender=Community, moves={old_slug: new_slug})
    Sent inside the transaction that saved a community under a new address (a community
    made private or public again), so that whatever refers to it by address follows."""

from django.dispatch import Signal

community_deleting = Signal()
community_addresses_moved = Signal()


def stored_files_going_with(community) -> list[str]:
    """Send community_deleting; the stored file names every receiver returned."""
    responses = community_deleting.send(sender=type(community), community=community)
    return [name for _receiver, names in responses for name in names or ()]

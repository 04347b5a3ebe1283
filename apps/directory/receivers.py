"""The directory's part in what lower apps do (connected in DirectoryConfig.ready)."""

from django.dispatch import receiver

from apps.communities.signals import community_addresses_moved
from apps.directory.models import DirectorySource


@receiver(community_addresses_moved, dispatch_uid="directory.repoint_groups_to_moved_communities")
def repoint_groups_to_moved_communities(sender, moves: dict[str, str], **kwargs) -> None:
    """Directory sources map groups to communities by address: the mapping follows a move.
    Else the group would stop feeding its community, then feed whichever new community
    takes the freed readable address. Sent inside the move's transaction: the sources are
    locked until it commits."""
    for source in DirectorySource.objects.select_for_update().only("group_communities"):
        mapping = source.group_communities if isinstance(source.group_communities, dict) else {}
        if any(slug in moves for slug in mapping.values()):
            moved = {group: moves.get(slug, slug) for group, slug in mapping.items()}
            DirectorySource.objects.filter(pk=source.pk).update(group_communities=moved)

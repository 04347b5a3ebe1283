"""What a run does to the communities that directory groups are mapped to."""

from django.utils.translation import gettext as _

from apps.directory.models import DirectoryAccount, DirectorySource
from apps.directory.services.plan import Plan
from apps.directory.services.read import Snapshot


def groups_plan(source: DirectorySource, plan: Plan, snapshot: Snapshot) -> None:
    """Members of a mapped group join its community (several groups may feed one); people a
    group had brought in and who left the group leave it. Nobody is re-added after leaving or
    being banned by hand; a deactivated person keeps their memberships for when they return.
    Members are matched to accounts as they will be after the run (plan.accounts): someone
    whose entry was re-created with a new id is the same person, neither leaving nor joining."""
    if not snapshot.groups:
        return
    from apps.communities.models import Community, Membership, Role, State
    from apps.directory.models import DirectoryMembership

    communities = dict(
        Community.objects.filter(slug__in=source.group_communities.values(), archived_at__isnull=True).values_list(
            "slug", "pk"
        )
    )
    accounts = plan.accounts
    to_create = {c.record.external_id for c in plan.writes if c.user_id is None}
    # People who left (or are leaving in this run) keep their memberships for their return.
    away = {user_id for user_id, _email, _why in plan.deactivate} | set(
        DirectoryAccount.objects.filter(source=source, user__is_active=False).values_list("user_id", flat=True)
    )
    fed: dict[int, tuple[str, set[str], list[str]]] = {}  # community id -> (slug, members, group DNs)
    for group_dn, members in snapshot.groups.items():
        slug = source.group_communities[group_dn]
        community_id = communities.get(slug)
        if community_id is None:
            plan.errors.append({"dn": group_dn, "reason": _("No open community at %(slug)s.") % {"slug": slug}})
            continue
        _slug, union, dns = fed.setdefault(community_id, (slug, set(), []))
        union |= members
        dns.append(group_dn)
    for community_id, (slug, members, dns) in fed.items():
        plan.groups[community_id] = sorted(members)
        wanted = {accounts[m] for m in members if m in accounts}
        newcomers = sum(1 for m in members if m in to_create)
        rows = dict(Membership.objects.filter(community_id=community_id).values_list("user_id", "state"))
        brought = set(
            DirectoryMembership.objects.filter(source=source, community_id=community_id).values_list(
                "user_id", flat=True
            )
        )
        active_members = set(
            Membership.objects.filter(community_id=community_id, state=State.ACTIVE, role=Role.MEMBER).values_list(
                "user_id", flat=True
            )
        )
        plan.membership_changes[slug] = {
            "added": sum(1 for user_id in wanted if user_id not in rows) + newcomers,
            "removed": len((brought - wanted - away) & active_members),
        }
        if not members and brought:
            plan.emptied_groups.extend(dns)

"""Reading a whole source: every person and every mapped group, or nothing."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.directory import exchange, ldap, mapping
from apps.directory.dn import dn_text, is_dn, normal_dn, searchable_dn
from apps.directory.models import DirectorySource, SourceKind


@dataclass
class Snapshot:
    records: dict[str, mapping.Record] = field(default_factory=dict)  # by external id
    # External ids read, including entries with an error: their people are not "missing".
    seen: set[str] = field(default_factory=set)
    errors: list[dict] = field(default_factory=list)  # {"dn", "reason"}
    entries_read: int = 0
    # Mapped group DN -> external ids of its members (people of this source only).
    groups: dict[str, set[str]] = field(default_factory=dict)
    # Values that named nobody this run read (a dangling reference, someone outside the base):
    # {"dn": person's DN, "value": manager} and {"group": group's DN, "value": member}.
    unresolved_managers: list[dict] = field(default_factory=list)
    unresolved_members: list[dict] = field(default_factory=list)


def source_read(source: DirectorySource, *, on_progress: Callable[[int], None] | None = None) -> Snapshot:
    """The whole of a source, LDAP or Exchange Online's address list; raises ldap.DirectoryError
    (ReadIncomplete when the read stopped early) whose `entries_read` says how many people
    were read before it stopped."""
    snapshot = Snapshot()
    try:
        if source.kind == SourceKind.GRAPH:
            try:
                return graph_snapshot_read(source, snapshot, on_progress=on_progress)
            except exchange.ExchangeError as error:
                raise ldap.ReadIncomplete(str(error)) from error
        connection = ldap.connect(source)
        try:
            return snapshot_read(source, snapshot, connection=connection, on_progress=on_progress)
        finally:
            connection.unbind()
    except ldap.DirectoryError as error:
        error.entries_read = snapshot.entries_read
        raise


# Exchange Online's field for each profile field a source may own.
GRAPH_PROFILE_FIELDS = {
    "display_name": "displayName", "job_title": "jobTitle", "department": "department", "team": None,
    "location": "officeLocation", "phone_work": "businessPhones", "phone_mobile": "mobilePhone",
    "start_date": "employeeHireDate",
}  # fmt: skip


def _drop_shared_addresses(snapshot: Snapshot) -> None:
    """Entries that share an address are all left out (and reported): which one a server
    returns first may change from run to run, and taking it would hand one person's account
    to another entry (an admin account, a leaver's). Their people stay as they are."""
    holders: dict[str, list[mapping.Record]] = {}
    for record in snapshot.records.values():
        holders.setdefault(record.email, []).append(record)
    for email, records in holders.items():
        if len(records) < 2:
            continue
        for record in records:
            others = ", ".join(other.dn for other in records if other is not record)
            snapshot.errors.append(
                {
                    "dn": record.dn,
                    "reason": _("Same e-mail address as %(dn)s: %(email)s.") % {"dn": others, "email": email},
                }
            )
            del snapshot.records[record.external_id]


def graph_snapshot_read(source: DirectorySource, snapshot: Snapshot, *, on_progress=None) -> Snapshot:
    owned = mapping.owned_profile_fields(source)
    managers: dict[str, str] = {}
    for person in exchange.graph_people(on_page=on_progress):
        snapshot.entries_read += 1
        external_id = (person.get("id") or "").lower()
        upn = person.get("userPrincipalName") or external_id
        if not external_id:
            snapshot.errors.append({"dn": upn, "reason": _("No id: the application may not read it.")})
            continue
        snapshot.seen.add(external_id)
        email = (person.get("mail") or person.get("userPrincipalName") or "").strip().lower()
        try:
            if not email:
                raise mapping.EntryError(_("No e-mail address (%(attribute)s).") % {"attribute": "mail"})
            mapping.checked_email(email)
        except mapping.EntryError as error:
            snapshot.errors.append({"dn": upn, "reason": str(error)})
            continue
        record = mapping.Record(
            dn=upn, external_id=external_id, username=upn[:256], email=email[:254],
            first_name=(person.get("givenName") or "")[:150], last_name=(person.get("surname") or "")[:150],
            disabled="" if person.get("accountEnabled", True) else "disabled",
        )  # fmt: skip
        for name in owned:
            if name == "manager":
                managers[external_id] = ((person.get("manager") or {}).get("id") or "").lower()
                continue
            value = person.get(GRAPH_PROFILE_FIELDS[name] or "", None) if GRAPH_PROFILE_FIELDS[name] else None
            if name == "start_date":
                record.profile[name] = mapping.parse_date(value or "")
            else:
                value = value[0] if isinstance(value, list) and value else value
                record.profile[name] = (value if isinstance(value, str) else "")[: mapping.PROFILE_FIELDS[name]]
        snapshot.records[external_id] = record
    _drop_shared_addresses(snapshot)
    config = mapping.config_digest(source)
    for external_id, record in snapshot.records.items():
        manager = managers.get(external_id, "")
        if manager and manager not in snapshot.seen:
            snapshot.unresolved_managers.append({"dn": record.dn, "value": manager})
        record.manager_external_id = manager if manager in snapshot.seen and manager != external_id else ""
        record.values_hash = record.digest(config)
    if not snapshot.entries_read:
        return snapshot  # nobody: the run stops there, whatever the groups say
    for group_id in source.group_communities:
        try:
            # Nested groups come as members too (transitiveMembers): only people count.
            members = {
                (member.get("id") or "").lower()
                for member in exchange.graph_group_members(group_id)
                if member.get("@odata.type", "#microsoft.graph.user") == "#microsoft.graph.user"
            }
        except exchange.ExchangeError as error:
            raise ldap.ReadIncomplete(str(error)) from error
        snapshot.groups[group_id] = members & snapshot.seen
        snapshot.unresolved_members += [
            {"group": group_id, "value": value} for value in sorted(members - snapshot.seen)
        ]
    return snapshot


def snapshot_read(
    source: DirectorySource, snapshot: Snapshot, *, connection, on_progress: Callable[[int], None] | None = None
) -> Snapshot:
    names = mapping.attribute_names(source)
    reader = mapping.EntryReader(names, mapping.owned_profile_fields(source), timezone.now())
    ids_by_dn: dict[str, str] = {}
    for dn, attributes in ldap.paged_search(
        connection,
        base=source.user_base,
        search_filter=mapping.user_filter(source),
        attributes=mapping.requested_attributes(source),
        page_size=source.page_size,
        on_page=on_progress,
    ):
        snapshot.entries_read += 1
        record_key = normal_dn(dn)
        try:
            record = reader.record(dn, attributes)
        except mapping.EntryError as error:
            snapshot.errors.append({"dn": dn, "reason": str(error)})
            try:
                external_id = mapping.external_id_of(attributes.get(names["external_id"].lower()), names["external_id"])
            except mapping.EntryError:
                external_id = ""
            if external_id:
                snapshot.seen.add(external_id)
                # Still a member of its groups, still someone's manager: nobody loses anything
                # because of an entry the run could not take.
                ids_by_dn[record_key] = external_id
            continue
        record.dn_key = record_key
        snapshot.seen.add(record.external_id)
        snapshot.records[record.external_id] = record
        ids_by_dn[record_key] = record.external_id
    _drop_shared_addresses(snapshot)
    # Managers are DNs: resolved once every entry is known (a manager may come after a report).
    config = mapping.config_digest(source)
    for record in snapshot.records.values():
        if record.manager_dn:
            manager = ids_by_dn.get(normal_dn(record.manager_dn))
            if manager is None:
                snapshot.unresolved_managers.append(_unresolved({"dn": record.dn}, record.manager_dn))
            record.manager_external_id = manager if manager and manager != record.external_id else ""
        record.values_hash = record.digest(config)
    if source.group_communities and snapshot.entries_read:
        snapshot.groups = _groups_read(source, connection, ids_by_dn, snapshot.unresolved_members)
    return snapshot


def _groups_read(
    source: DirectorySource, connection, ids_by_dn: dict[str, str], unresolved: list[dict]
) -> dict[str, set[str]]:
    expander = GroupExpander(connection, mapping.member_attribute(source), mapping.group_filter(source), ids_by_dn,
                             page_size=source.page_size)  # fmt: skip
    groups = {group_dn: expander.members(group_dn) for group_dn in source.group_communities}
    unresolved += expander.unresolved.values()
    return groups


MAX_NESTED_GROUPS = 1000  # per mapped group: a safeguard, far above real hierarchies


class GroupExpander:
    """The people of groups, and of the groups in them, at any depth; member values are DNs,
    looked up in their normal form (apps.directory.dn)."""

    def __init__(self, connection, member: str, group_filter: str, ids_by_dn: dict[str, str], *, page_size: int):
        self.connection, self.member, self.group_filter = connection, member, group_filter
        self.ids_by_dn, self.page_size = ids_by_dn, page_size
        self.not_groups: set[str] = set()  # values found to be no group: asked once per run
        self.unresolved: dict[tuple[str, str], dict] = {}  # (group, value) -> {"group", "value"}

    def members(self, group_dn: str) -> set[str]:
        return self._expanded(group_dn, visited={normal_dn(group_dn)})

    def _expanded(self, group_dn: str, *, visited: set[str]) -> set[str]:
        """Each group once per mapped group: a loop ends where it started."""
        found: set[str] = set()
        for value in group_members(self.connection, group_dn, self.member, page_size=self.page_size):
            dn = dn_text(value)
            key = normal_dn(dn)
            person = self.ids_by_dn.get(key)
            if person is not None:
                found.add(person)
                continue
            if key in visited:
                continue
            if key not in self.not_groups and len(visited) <= MAX_NESTED_GROUPS and is_dn(dn):
                base = searchable_dn(dn)  # "CN = x" or CN="x, y" are no search base to ldap3
                if _is_group(self.connection, base, self.group_filter):
                    visited.add(key)
                    found |= self._expanded(base, visited=visited)
                    continue
                self.not_groups.add(key)
            self.unresolved.setdefault((normal_dn(group_dn), key), _unresolved({"group": group_dn}, dn))
        return found


def _unresolved(item: dict, value: str) -> dict:
    """A value that names nobody this run read, for the diff; one that is no DN says so (it
    was never looked up, nor searched for as a group)."""
    return {**item, "value": value, "reason": _("not a valid DN")} if not is_dn(value) else {**item, "value": value}


def _is_group(connection, dn: str, group_filter: str) -> bool:
    """Whether a member that is nobody of this source is a group. A dangling reference is not;
    a group the bind account may not read stops the run (its people would be taken as gone)."""
    try:
        entries = list(ldap.paged_search(connection, base=dn, search_filter=group_filter, attributes=["1.1"],
                                         page_size=2, scope=ldap.BASE))  # fmt: skip
    except ldap.NoSuchObject:
        return False
    return bool(entries)


def group_members(connection, group_dn: str, member: str, *, page_size: int) -> list[bytes]:
    """Every value of the group's member attribute. Active Directory gives at most 1,500 per
    read, as member;range=0-1499: the rest must be asked for range by range, or a sync would
    take a big group's first 1,500 members for all of them and remove the others."""
    values: list[bytes] = []
    attribute, start = member, 0
    while True:
        entries = list(
            ldap.paged_search(
                connection,
                base=group_dn,
                search_filter="(objectClass=*)",
                attributes=[attribute],
                page_size=page_size,
                scope=ldap.BASE,
            )
        )
        if not entries:
            raise ldap.ReadIncomplete(_("The group %(dn)s cannot be read.") % {"dn": group_dn})
        attributes = entries[0][1]
        ranged = next((key for key in attributes if key.startswith(f"{member.lower()};range=")), None)
        if ranged is None:
            return values + attributes.get(member.lower(), [])
        values += attributes[ranged]
        first, _dash, last = ranged.partition("=")[2].partition("-")
        if last == "*":
            return values
        if int(first) != start:
            raise ldap.ReadIncomplete(_("The group %(dn)s answered an unexpected range.") % {"dn": group_dn})
        start = int(last) + 1
        attribute = f"{member};range={start}-*"

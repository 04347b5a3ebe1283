"""Reading a whole source: every person and every mapped group, or nothing."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.directory import ldap, mapping
from apps.directory.models import DirectorySource


@dataclass
class Snapshot:
    records: dict[str, mapping.Record] = field(default_factory=dict)  # by external id
    # External ids read, including entries with an error: their people are not "missing".
    seen: set[str] = field(default_factory=set)
    errors: list[dict] = field(default_factory=list)  # {"dn", "reason"}
    entries_read: int = 0
    # Mapped group DN -> external ids of its members (people of this source only).
    groups: dict[str, set[str]] = field(default_factory=dict)


def snapshot_read(source: DirectorySource, *, connection, on_progress: Callable[[int], None] | None = None) -> Snapshot:
    names = mapping.attribute_names(source)
    reader = mapping.EntryReader(names, mapping.owned_profile_fields(source), timezone.now())
    snapshot = Snapshot()
    by_email: dict[str, str] = {}
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
            continue
        snapshot.seen.add(record.external_id)
        if record.email in by_email:
            snapshot.errors.append(
                {
                    "dn": dn,
                    "reason": _("Same e-mail address as %(dn)s: %(email)s.")
                    % {"dn": by_email[record.email], "email": record.email},
                }
            )
            continue
        by_email[record.email] = dn
        snapshot.records[record.external_id] = record
        ids_by_dn[mapping.normalise_dn(dn)] = record.external_id
    # Managers are DNs: resolved once every entry is known (a manager may come after a report).
    config = mapping.config_digest(source)
    for record in snapshot.records.values():
        if record.manager_dn:
            manager = ids_by_dn.get(mapping.normalise_dn(record.manager_dn), "")
            record.manager_external_id = manager if manager != record.external_id else ""
        record.values_hash = record.digest(config)
    if source.group_communities:
        snapshot.groups = _groups_read(source, connection, ids_by_dn)
    return snapshot


def _groups_read(source: DirectorySource, connection, ids_by_dn: dict[str, str]) -> dict[str, set[str]]:
    member = mapping.member_attribute(source)
    groups = {}
    for group_dn in source.group_communities:
        entries = list(
            ldap.paged_search(
                connection,
                base=group_dn,
                search_filter="(objectClass=*)",
                attributes=[member],
                page_size=source.page_size,
                scope=ldap.BASE,
            )
        )
        if not entries:
            raise ldap.ReadIncomplete(_("The group %(dn)s cannot be read.") % {"dn": group_dn})
        values = entries[0][1].get(member.lower(), [])
        members = {ids_by_dn.get(mapping.normalise_dn(value.decode("utf-8", errors="replace"))) for value in values}
        groups[group_dn] = {external_id for external_id in members if external_id}
    return groups

"""Creating, changing and testing directory sources."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.directory import ldap, mapping, secrets
from apps.directory.models import DirectorySource, Security, SourceKind
from apps.moderation.services import audit_record
from apps.profiles.models import DIRECTORY_FIELDS

SECRET_FIELDS = {"bind_password_encrypted"}


def _snapshot(source: DirectorySource) -> dict:
    values = {f.name: getattr(source, f.name) for f in source._meta.concrete_fields if f.name not in SECRET_FIELDS}
    values["bind_password_set"] = bool(source.bind_password_encrypted)
    return values


# The numbers a source holds, each checked against its field's bounds (models.py).
NUMBER_FIELDS = ("page_size", "timeout_seconds", "sync_interval_minutes", "deactivation_limit")


def _numbers_checked(source: DirectorySource, errors: dict) -> None:
    for name in NUMBER_FIELDS:
        value = getattr(source, name)
        if value is None:
            continue
        field = source._meta.get_field(name)
        try:
            if not isinstance(value, int) or isinstance(value, bool):
                raise ValidationError(_("A whole number is expected."))
            field.run_validators(value)  # the model's bounds, and the column's (0 and up)
        except ValidationError as error:
            errors[name] = " ".join(error.messages)


def source_validate(source: DirectorySource) -> None:
    errors = {}
    _numbers_checked(source, errors)
    if source.kind == SourceKind.GRAPH:
        from apps.directory.exchange import graph_configured

        if not graph_configured():
            errors["kind"] = _("Set GRAPH_TENANT_ID, GRAPH_CLIENT_ID and GRAPH_CLIENT_SECRET first.")
    elif not source.uris:
        errors["uris"] = _("Give at least one server URI.")
    if source.kind == SourceKind.LDAP and not source.user_base:
        errors["user_base"] = _("Give the base DN of the people.")
    for uri in source.uris:
        if not uri.lower().startswith(("ldap://", "ldaps://")):
            errors["uris"] = _("%(uri)s: a URI starts with ldap:// or ldaps://.") % {"uri": uri}
    if source.security == Security.LDAPS and any(uri.lower().startswith("ldap://") for uri in source.uris):
        errors["security"] = _("LDAPS needs ldaps:// URIs.")
    if source.ca_file and source.security == Security.NONE:
        errors["ca_file"] = _("A CA file is only used with StartTLS or LDAPS.")
    unknown = [name for name in source.owned_fields if name not in DIRECTORY_FIELDS]
    if unknown:
        errors["owned_fields"] = _("Unknown fields: %(names)s. Known: %(known)s.") % {
            "names": ", ".join(unknown),
            "known": ", ".join(DIRECTORY_FIELDS),
        }
    bad = [key for key in source.attribute_map or {} if key not in (*mapping.LOGICAL_FIELDS, "member")]
    if bad:
        errors["attribute_map"] = _("Unknown mapped fields: %(names)s. Known: %(known)s.") % {
            "names": ", ".join(bad),
            "known": ", ".join((*mapping.LOGICAL_FIELDS, "member")),
        }
    if not isinstance(source.group_communities, dict):
        errors["group_communities"] = _("Expected group DN -> community address pairs.")
    else:
        from apps.communities.models import Community

        slugs = set(source.group_communities.values())
        known = set(Community.objects.filter(slug__in=slugs).values_list("slug", flat=True))
        if slugs - known:
            errors["group_communities"] = _("No community at these addresses: %(slugs)s.") % {
                "slugs": ", ".join(sorted(slugs - known))
            }
    if errors:
        raise ValidationError(errors)


def source_save(*, actor, source: DirectorySource, password: str | None = None) -> DirectorySource:
    """Create or change a source; `password` None keeps the stored one, "" removes it."""
    before = _snapshot(DirectorySource.objects.get(pk=source.pk)) if source.pk else None
    if password is not None:
        source.bind_password_encrypted = secrets.encrypt(password)
    source_validate(source)
    with transaction.atomic():
        source.save()
        audit_record(actor=actor, action="directory.source.save", target=source, before=before, after=_snapshot(source))
    return source


def source_remove(*, actor, source: DirectorySource) -> None:
    """The source, its links and its runs go; the accounts it made stay, as local accounts."""
    with transaction.atomic():
        audit_record(actor=actor, action="directory.source.remove", target=source, before=_snapshot(source), after=None)
        source.delete()


def source_test(source: DirectorySource, *, sample: int = 3) -> dict:
    """Connect, bind and read a few people: what an administrator checks before a first sync."""
    if source.kind == SourceKind.GRAPH:
        from apps.directory.exchange import graph_people

        found = []
        for person in graph_people(page_size=sample):
            found.append({"dn": person.get("userPrincipalName") or "", "email": person.get("mail") or ""})
            if len(found) >= sample:
                break
        return {"server": settings.GRAPH_API_URL, "user": settings.GRAPH_CLIENT_ID, "sample": found, "groups": []}
    connection = ldap.connect(source)
    try:
        names = mapping.attribute_names(source)
        found = []
        connection.search(
            source.user_base, mapping.user_filter(source), attributes=mapping.requested_attributes(source),
            size_limit=sample,
        )  # fmt: skip
        _search_checked(connection, source.user_base)
        for item in connection.response or ():
            if item.get("type") == "searchResEntry":
                attributes = item["raw_attributes"]
                email = attributes.get(names["email"].lower(), [b""])[0].decode("utf-8", errors="replace")
                found.append({"dn": item["dn"], "email": email})
        groups = []
        if source.group_base:
            # What an administrator picks from to map groups to communities.
            connection.search(source.group_base, mapping.group_filter(source), attributes=["cn"], size_limit=20)
            _search_checked(connection, source.group_base)
            groups = [item["dn"] for item in connection.response or () if item.get("type") == "searchResEntry"]
        who = connection.extend.standard.who_am_i() or ""
        return {"server": ldap.server_address(connection.server), "user": who, "sample": found, "groups": groups}
    finally:
        connection.unbind()


def _search_checked(connection, base: str) -> None:
    """A sample search fails as a sync would: a missing base or refused search is an error,
    not an empty sample. Its own size limit (the sample's) is no error."""
    code = (connection.result or {}).get("result")
    if code in (ldap.SUCCESS, ldap.SIZE_LIMIT_EXCEEDED):
        return
    if code == ldap.NO_SUCH_OBJECT:
        raise ldap.NoSuchObject(_("The base %(base)s does not exist.") % {"base": base})
    raise ldap.DirectoryError(
        _("The search of %(base)s failed: %(error)s") % {"base": base, "error": ldap.describe(connection)}
    )

"""Directory sources pointed at the test slapd."""

from apps.directory.models import DirectorySource, Preset, Security
from apps.directory.secrets import encrypt
from apps.profiles.models import DIRECTORY_FIELDS


def make_source(slapd, **overrides) -> DirectorySource:
    values = {
        "name": "corp",
        "preset": Preset.OPENLDAP,
        "uris": [slapd.uri],
        "security": Security.NONE,
        "bind_dn": slapd.reader_dn,
        "bind_password_encrypted": encrypt(slapd.reader_password),
        "user_base": slapd.people_dn,
        "owned_fields": list(DIRECTORY_FIELDS),
        "page_size": 200,
    }
    values.update(overrides)
    if "bind_password" in values:
        values["bind_password_encrypted"] = encrypt(values.pop("bind_password"))
    return DirectorySource.objects.create(**values)


def make_ad_source(slapd, **overrides) -> DirectorySource:
    return make_source(
        slapd, **{"name": "ad", "preset": Preset.ACTIVE_DIRECTORY, "user_base": slapd.ad_people_dn, **overrides}
    )


def community_members(community) -> set[str]:
    """The addresses of the community's active members (owners and moderators aside)."""
    from apps.communities.models import Membership, Role, State

    return set(
        Membership.objects.filter(community=community, state=State.ACTIVE, role=Role.MEMBER).values_list(
            "user__email", flat=True
        )
    )

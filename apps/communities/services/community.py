"""A community itself: its creation and its settings (name, description, tags, visibility,
cover). Its address follows its visibility (apps/communities/addresses.py). An owner's
changes, and a site administrator's creation for someone else, are audited in the same
transaction."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from apps.communities import addresses
from apps.communities.covers import delete_cover_file, render_cover
from apps.communities.models import Community, Membership, Role, State, Visibility, is_site_admin
from apps.communities.services.memberships import OWNER, can_manage
from apps.core.broadcast import broadcast_on_commit, group_name, recheck_subscriptions_on_commit
from apps.core.text import fold, render_markdown, substring_search_text
from apps.files.pictures import validate_picture
from apps.moderation.services import audit_record


def _index(community: Community) -> None:
    community.search_text = substring_search_text(" ".join([community.name, community.description, *community.tags]))
    community.sort_name = fold(community.name)[:120]
    community.description_html = render_markdown(community.description)


def _clean_tags(tags) -> list[str]:
    cleaned = []
    for tag in tags or []:
        tag = " ".join(str(tag).split())[:40]
        if tag and fold(tag) not in {fold(t) for t in cleaned}:
            cleaned.append(tag)
    if len(cleaned) > 10:
        raise ValidationError({"tags": _("At most 10 tags.")})
    return cleaned


def community_create(
    *, actor, name: str, description: str = "", visibility: str = Visibility.PUBLIC, tags=None, owner=None
) -> Community:
    """Any employee creates a community and owns it; a site admin may create it for someone else."""
    owner = owner or actor
    if owner.pk != actor.pk and not is_site_admin(actor):
        raise PermissionDenied(_("Only site administrators create communities for someone else."))
    if not owner.is_active:
        raise ValidationError({"owner": _("The owner must be a current employee.")})
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the community a name.")})
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": _("Choose public, moderated or private.")})
    with transaction.atomic():
        community = Community(
            name=name[:120],
            description=description or "",
            visibility=visibility,
            tags=_clean_tags(tags),
            created_by=actor,
        )
        _index(community)
        # Its address tells nobody whether a private community has this name (see addresses).
        addresses.save_with_new_slug(community)
        Membership.objects.create(community=community, user=owner, role=Role.OWNER, state=State.ACTIVE)
        if owner.pk != actor.pk:
            audit_record(
                actor=actor,
                action="community.create",
                target=community,
                before=None,
                after={"name": community.name, "owner": owner.pk, "visibility": visibility},
            )
    return community


SETTINGS_FIELDS = ("name", "description", "tags", "visibility")


def community_update(
    *, actor, community: Community, changes: dict, cover=None, remove_cover: bool = False
) -> Community:
    if not can_manage(user=actor, community=community, level=OWNER):
        raise PermissionDenied(_("Only owners change the settings."))
    if community.is_archived and not is_site_admin(actor):
        raise ValidationError(_("This community is archived: nothing can change in it."))
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown settings: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    if "visibility" in changes and changes["visibility"] not in Visibility.values:
        raise ValidationError({"visibility": _("Choose public, moderated or private.")})
    if "name" in changes and not " ".join((changes["name"] or "").split()):
        raise ValidationError({"name": _("Give the community a name.")})
    # The picture is checked before anything is written: a refused file changes nothing. It
    # is decoded before the row is locked; its files have fresh names, deleted if the edit fails.
    image = validate_picture(cover) if cover is not None else None
    rendered = render_cover(image, community_id=community.pk) if image is not None else None
    try:
        saved = _community_write(
            actor=actor, community_id=community.pk, changes=changes, rendered=rendered, remove_cover=remove_cover
        )
    except BaseException:
        if rendered:
            delete_cover_file(rendered)
        raise
    for field in Community._meta.concrete_fields:  # the caller's object is the community as saved
        setattr(community, field.attname, getattr(saved, field.attname))
    return community


def _community_write(*, actor, community_id: int, changes: dict, rendered, remove_cover: bool) -> Community:
    with transaction.atomic():
        # Locked and read afresh: two owners' edits do not interleave, and a community deleted
        # meanwhile is not written back (save() would insert it again): DoesNotExist.
        community = Community.objects.select_for_update().get(pk=community_id)
        if community.is_archived and not is_site_admin(actor):
            raise ValidationError(_("This community is archived: nothing can change in it."))
        before = {field: getattr(community, field) for field in SETTINGS_FIELDS}
        before_slug = community.slug
        if rendered is not None or remove_cover:
            old = community.cover
            community.cover = rendered if rendered is not None else {}
            transaction.on_commit(lambda: delete_cover_file(old))
        for field, value in changes.items():
            if field == "tags":
                value = _clean_tags(value)
            elif field == "name":
                value = " ".join(value.split())[:120]
            setattr(community, field, value)
        _index(community)
        if (before["visibility"] == Visibility.PRIVATE) != (community.visibility == Visibility.PRIVATE):
            # Made private, it gives up its readable address; made public, it takes one.
            addresses.save_with_new_slug(community)
        else:
            community.save()
        after = {field: getattr(community, field) for field in SETTINGS_FIELDS}
        broadcast_on_commit(
            group_name("community", community.pk),
            {"type": "community.changed", "community": community.pk, "visibility": community.visibility},
        )
        if before["visibility"] != community.visibility:
            # Made private, outsiders' sockets leave its group; made public, everyone's join.
            recheck_subscriptions_on_commit(group_name("company", "all"), community_id=community.pk)
        before["slug"], after["slug"] = before_slug, community.slug
        if before != after or rendered is not None or remove_cover:
            # Owners and site administrators alike: a rename or a change of visibility concerns every member.
            after["cover_changed"] = rendered is not None or remove_cover
            audit_record(actor=actor, action="community.update", target=community, before=before, after=after)
    return community

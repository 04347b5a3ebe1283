"""Writes to the directory: profile edits, avatars, follows. Deactivation: apps/profiles/activation.py."""

import re
import zoneinfo

from django.contrib.postgres.search import SearchVector
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Func, Value
from django.utils.translation import gettext as _

from apps.core.text import fold, render_markdown
from apps.files.pictures import validate_picture
from apps.moderation.services import audit_record
from apps.profiles import avatars
from apps.profiles.activation import user_set_active  # noqa: F401  (the profile page's, where it has always been)
from apps.profiles.models import DIRECTORY_FIELDS, Follow, Profile, Skill
from apps.profiles.search import search_fields
from apps.profiles.selectors import is_profile_admin

# What an employee edits on their own profile; admins also set the organisation's fields.
EMPLOYEE_FIELDS = (
    "display_name",
    "pronouns",
    "job_title",
    "department",
    "team",
    "location",
    "phone_work",
    "phone_mobile",
    "time_zone",
    "languages",
    "about",
    "birthday",
)
ADMIN_FIELDS = (*EMPLOYEE_FIELDS, "manager", "start_date")

PHONE = re.compile(r"^\+?[0-9 ().-]{6,24}$")
MAX_SKILLS = 30
MAX_LANGUAGES = 10


def _check_can_edit(*, actor, profile: Profile) -> bool:
    """True for an admin; an employee may edit only their own profile."""
    if is_profile_admin(actor):
        return True
    if actor.is_authenticated and actor.is_active and actor.pk == profile.user_id:
        return False
    raise PermissionDenied(_("You may not edit this profile."))


def editable_fields(*, actor, profile: Profile) -> list[str]:
    """The fields this actor may change here: directory-owned ones are read-only for employees."""
    as_admin = _check_can_edit(actor=actor, profile=profile)
    if as_admin:
        return list(ADMIN_FIELDS)
    return [field for field in EMPLOYEE_FIELDS if not profile.source_of(field)]


def _clean(profile: Profile, changes: dict) -> dict:
    errors = {}
    for field in ("phone_work", "phone_mobile"):
        if field in changes:
            phone = " ".join((changes[field] or "").split())
            digits = sum(ch.isdigit() for ch in phone)
            if phone and (not PHONE.match(phone) or not 6 <= digits <= 15):
                errors[field] = _("Enter a phone number such as +33 1 23 45 67 89 (6 to 15 digits).")
            changes[field] = phone
    if changes.get("time_zone") and changes["time_zone"] not in zoneinfo.available_timezones():
        errors["time_zone"] = _("Choose a time zone from the list, such as Europe/Paris.")
    if "languages" in changes:
        languages = [" ".join(lang.split())[:40] for lang in changes["languages"] or [] if lang.strip()]
        if len(languages) > MAX_LANGUAGES:
            errors["languages"] = _("At most %(n)s languages.") % {"n": MAX_LANGUAGES}
        changes["languages"] = list(dict.fromkeys(languages))
    manager = changes.get("manager")
    if manager is not None:
        if manager.pk == profile.pk:
            errors["manager"] = _("Nobody is their own manager.")
        else:
            seen, current = set(), manager
            while current is not None and current.pk not in seen:
                if current.pk == profile.pk:
                    errors["manager"] = _("%(name)s reports to this person already: that would make a loop.") % {
                        "name": manager.name
                    }
                    break
                seen.add(current.pk)
                current = current.manager
    if errors:
        raise ValidationError(errors)
    return changes


def _skills_from(names: list[str]) -> list[Skill]:
    cleaned = []
    for name in names:
        name = " ".join(name.split())[:60]
        if name and fold(name)[:60] not in {fold(n)[:60] for n in cleaned}:
            cleaned.append(name)
    if len(cleaned) > MAX_SKILLS:
        raise ValidationError({"skills": _("At most %(n)s skills.") % {"n": MAX_SKILLS}})
    skills = []
    for name in cleaned:
        # "Contrôle de gestion" and "controle de gestion" are one skill: the first spelling wins.
        skills.append(skill_get_or_create(name=name))
    return skills


def skill_get_or_create(*, name: str) -> Skill:
    folded = fold(name)[:60]
    for _attempt in range(3):
        skill = Skill.objects.filter(folded=folded).first()
        if skill:
            return skill
        try:
            with transaction.atomic():
                return Skill.objects.create(name=name, folded=folded)
        except IntegrityError:
            # Someone created it at the same moment (or the same name folds differently).
            continue
    return Skill.objects.get(folded=folded)


def _search_fields_of(profile: Profile, skill_names) -> tuple[str, str]:
    return search_fields(
        name=profile.name,
        email=profile.user.email,
        job_title=profile.job_title,
        department=profile.department,
        team=profile.team,
        location=profile.location,
        skills=skill_names,
    )


def skill_save(*, skill: Skill) -> Skill:
    """A skill created or renamed (the Django admin): its folded key follows its name, and
    the profiles that list it are found by the new name."""
    skill.folded = fold(skill.name)[:60]
    with transaction.atomic():
        skill.save()
        profiles_refresh_search(profile_ids=skill.profiles.values_list("id", flat=True))
    return skill


def skills_delete(*, skills) -> None:
    """Delete skills (a queryset) and take them out of the search text of those who had them."""
    with transaction.atomic():
        profile_ids = list(Profile.objects.filter(skills__in=skills).values_list("id", flat=True).distinct())
        skills.delete()
        profiles_refresh_search(profile_ids=profile_ids)


def profile_refresh_search(*, profile: Profile, skill_names: list[str] | None = None) -> None:
    """Recompute the folded search text, the sort key and the search vector of one profile."""
    if skill_names is None:
        skill_names = list(profile.skills.values_list("name", flat=True))
    search_text, sort_name = _search_fields_of(profile, skill_names)
    Profile.objects.filter(pk=profile.pk).update(
        search_text=search_text,
        sort_name=sort_name,
        search_vector=SearchVector(Value(search_text), config="simple"),
    )
    profile.search_text, profile.sort_name = search_text, sort_name


REFRESH_CHUNK = 1000


def profiles_refresh_search(*, profile_ids) -> int:
    """Recompute the search fields of many profiles (a skill renamed or deleted, a backfill):
    a thousand at a time, three queries each, rows written only where they differ.
    Returns how many changed."""
    ids = sorted(set(profile_ids))
    changed = 0
    for start in range(0, len(ids), REFRESH_CHUNK):
        profiles = (
            Profile.objects.filter(pk__in=ids[start : start + REFRESH_CHUNK])
            .select_related("user")
            .prefetch_related("skills")
        )
        rows = [(p.pk, *_search_fields_of(p, [skill.name for skill in p.skills.all()])) for p in profiles]
        if not rows:
            continue
        pks, texts, sort_names = (list(column) for column in zip(*rows, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE profiles_profile AS p
                SET search_text = v.search_text, sort_name = v.sort_name,
                    search_vector = to_tsvector('simple'::regconfig, v.search_text)
                FROM unnest(%s::bigint[], %s::text[], %s::text[]) AS v(id, search_text, sort_name)
                WHERE p.id = v.id AND (p.search_text, p.sort_name) IS DISTINCT FROM (v.search_text, v.sort_name)
                """,
                [pks, texts, sort_names],
            )
            changed += cursor.rowcount
    return changed


# The user's fields that Profile.name and the search text are made of.
USER_SEARCH_FIELDS = frozenset({"first_name", "last_name", "email"})


def user_saved_refresh_search(*, user, update_fields=None) -> None:
    """Whoever saved the account (the Django admin, allauth's e-mail change, a sign-in that
    updates the name from the identity provider), the profile is found by its new name."""
    if update_fields is not None and not USER_SEARCH_FIELDS & set(update_fields):
        return  # a sign-in's last_login, a deactivation: nothing searched changed
    profile = Profile.objects.filter(user=user).first()
    if profile is not None:
        profile.user = user
        profile_refresh_search(profile=profile)


def profile_update(
    *,
    actor,
    profile: Profile,
    changes: dict,
    skills: list[str] | None = None,
    avatar=None,
    remove_avatar: bool = False,
) -> Profile:
    """Apply `changes` ({field: value}), the skill list (None: unchanged) and a new photo
    (or its removal), all or nothing; only fields the actor may edit.

    `changes` holds what this edit changed, and only that is written, on the row locked
    and read afresh: two administrators editing one profile at once each keep what the
    other changed (one the job title, the other the office). Returns the saved profile."""
    # Checked before anything is written: a refused photo leaves the profile as it was.
    image = validate_picture(avatar) if avatar is not None else None
    editable_fields(actor=actor, profile=profile)  # refuses a stranger before any decoding
    # Decoded before the row is locked (about a second for a 6000 x 6000 photo): another
    # editor of this profile does not wait for it. The files have fresh names; if the
    # edit fails they are deleted, and the profile still names its old ones.
    rendered = avatars.render_avatar(image, user_id=profile.user_id) if image is not None else None
    try:
        return _profile_write(
            actor=actor,
            profile=profile,
            changes=changes,
            skills=skills,
            image=image,
            rendered=rendered,
            remove_avatar=remove_avatar,
        )
    except BaseException:
        if rendered:
            avatars.delete_avatar_files(rendered)
        raise


def _profile_write(*, actor, profile, changes, skills, image, rendered, remove_avatar) -> Profile:
    with transaction.atomic():
        profile = Profile.objects.select_for_update(of=("self",)).select_related("user").get(pk=profile.pk)
        allowed = set(editable_fields(actor=actor, profile=profile))
        refused = set(changes) - allowed
        taken_over = {field for field in refused if profile.source_of(field)}
        if refused - taken_over:
            raise PermissionDenied(
                _("You may not change: %(fields)s.") % {"fields": ", ".join(sorted(refused - taken_over))}
            )
        if taken_over:
            # The directory took the field over after the form was shown: said on the form,
            # like any other mistake (the form sends only what the editor changed).
            raise ValidationError(
                {field: _("The directory now keeps this field: it was not changed.") for field in sorted(taken_over)}
            )
        changes = _clean(profile, dict(changes))
        skill_objects = _skills_from(skills) if skills is not None else None
        before = _stored_values(profile, changes)
        for field, value in changes.items():
            setattr(profile, field, value)
        written = set(changes)
        if "about" in changes:
            profile.about_html = render_markdown(profile.about)
            written.add("about_html")
        if image is not None or remove_avatar:
            old = profile.avatar
            profile.avatar = rendered if image is not None else {}
            transaction.on_commit(lambda: avatars.delete_avatar_files(old))
            written.add("avatar")
        profile.save(update_fields=[*sorted(written), "updated_at"])
        if skill_objects is not None:
            profile.skills.set(skill_objects)
        profile_refresh_search(
            profile=profile, skill_names=None if skill_objects is None else [s.name for s in skill_objects]
        )
        if actor.pk != profile.user_id:  # an administrator edited someone else's profile
            _audit_profile_change(actor=actor, profile=profile, before=before, image=image, remove_avatar=remove_avatar)
    return profile


def _stored_values(profile: Profile, fields) -> dict:
    """As stored (a manager is their id): what the audit log can keep."""
    return {field: Profile._meta.get_field(field).value_from_object(profile) for field in fields}


def _audit_profile_change(*, actor, profile: Profile, before: dict, image, remove_avatar: bool) -> None:
    after = _stored_values(profile, before)
    changed = [field for field in before if before[field] != after[field]]
    if changed or image is not None or remove_avatar:
        audit_record(
            actor=actor,
            action="profile.update",
            target=profile,
            before={field: before[field] for field in changed},
            after={**{field: after[field] for field in changed}, "photo_changed": image is not None or remove_avatar},
        )


def avatar_set(*, actor, profile: Profile, upload) -> Profile:
    return profile_update(actor=actor, profile=profile, changes={}, avatar=upload)


def avatar_remove(*, actor, profile: Profile) -> Profile:
    return profile_update(actor=actor, profile=profile, changes={}, remove_avatar=True)


def profile_create_for(*, user) -> Profile:
    """Every account has a profile, from the moment it exists (sign-up, SSO, invitation, sync)."""
    profile, created = Profile.objects.get_or_create(user=user)
    if created:
        profile_refresh_search(profile=profile, skill_names=[])
    return profile


def follow_create(*, actor, followee) -> Follow:
    if actor.pk == followee.pk:
        raise ValidationError(_("You cannot follow yourself."))
    if not followee.is_active:
        raise ValidationError(
            _("%(name)s has left the company.") % {"name": followee.get_full_name() or followee.email}
        )
    follow, _created = Follow.objects.get_or_create(follower=actor, followee=followee)
    return follow


def follow_delete(*, actor, followee) -> None:
    Follow.objects.filter(follower=actor, followee=followee).delete()


def directory_owned(profile: Profile) -> dict[str, str]:
    return {field: profile.field_sources[field] for field in DIRECTORY_FIELDS if field in profile.field_sources}


# The welcome steps a new person may set aside (apps/pages shows them); "all": the panel is over.
WELCOME_STEPS = ("profile", "colleagues", "communities")
WELCOME_OVER = "all"


def welcome_dismiss(*, user, step: str) -> None:
    """Set one welcome step aside for good (or the whole panel, WELCOME_OVER). Appended in
    one UPDATE, once: two pages dismissing two steps at once both count."""
    if step not in (*WELCOME_STEPS, WELCOME_OVER):
        raise ValidationError(_("Unknown step."))
    Profile.objects.filter(user=user).exclude(welcome_dismissed__contains=[step]).update(
        welcome_dismissed=Func(F("welcome_dismissed"), Value(step), function="array_append")
    )

"""The demo organisation: about fifty employees in seven departments under one CEO."""

import datetime
import io
import random

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image, ImageDraw

from apps.communities import services as community_services
from apps.communities.models import Community, Membership, Role, State
from apps.demo.organisation_data import (
    ABOUT,
    ADMIN_EMAIL,
    CEO,
    COMMUNITIES,
    DEMO_PASSWORD,
    DEPARTMENTS,
    LANGUAGES,
    PHONE_PREFIX,
    SKILLS,
    TIME_ZONES,
    demo_email,
)
from apps.profiles import services
from apps.profiles.models import Profile


def _person(first, last, title, department, office, manager, *, password_hash):
    email = demo_email(first, last)
    user, _ = get_user_model().objects.get_or_create(
        email=email, defaults={"first_name": first, "last_name": last, "password": password_hash}
    )
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    profile, _ = Profile.objects.update_or_create(
        user=user, defaults={"job_title": title, "department": department, "location": office, "manager": manager}
    )
    return profile


@transaction.atomic
def seed_organisation() -> dict:
    """Create or refresh the demo organisation; running it twice changes nothing."""
    # One hash for everyone: hashing fifty passwords would take half a minute.
    password_hash = make_password(DEMO_PASSWORD)
    admin, _ = get_user_model().objects.get_or_create(
        email=ADMIN_EMAIL,
        defaults={
            "first_name": "Ada",
            "last_name": "Admin",
            "is_staff": True,
            "is_superuser": True,
            "password": password_hash,
        },
    )
    EmailAddress.objects.get_or_create(user=admin, email=ADMIN_EMAIL, defaults={"verified": True, "primary": True})
    Profile.objects.update_or_create(
        user=admin, defaults={"job_title": "IT Administrator", "department": "IT", "location": "Paris"}
    )

    first, last, title, department, office = CEO
    ceo = _person(first, last, title, department, office, None, password_hash=password_hash)
    count = 1
    for department, (head, staff) in DEPARTMENTS.items():
        head_profile = _person(*head[:3], department, head[3], ceo, password_hash=password_hash)
        count += 1
        # The first member of a large department leads a team of the rest's second half.
        team_lead = None
        for index, (first, last, title, office) in enumerate(staff):
            manager = head_profile
            if team_lead is not None and index > len(staff) // 2:
                manager = team_lead
            profile = _person(first, last, title, department, office, manager, password_hash=password_hash)
            if index == 0 and len(staff) >= 7:
                team_lead = profile
            count += 1
    _fill_profiles(actor=admin)
    _seed_communities(actor=admin)
    return {"employees": count, "admin": ADMIN_EMAIL, "ceo": demo_email(CEO[0], CEO[1]), "password": DEMO_PASSWORD}


def _demo_photo(seed: int) -> SimpleUploadedFile:
    """A locally drawn portrait-like picture: a coloured background, a head and shoulders."""
    rng = random.Random(seed)
    background = tuple(rng.randint(60, 200) for _ in range(3))
    skin = rng.choice([(241, 194, 167), (224, 172, 105), (198, 134, 66), (141, 85, 36), (255, 219, 172)])
    shirt = tuple(rng.randint(20, 160) for _ in range(3))
    image = Image.new("RGB", (320, 320), background)
    draw = ImageDraw.Draw(image)
    draw.ellipse((70, 220, 250, 420), fill=shirt)
    draw.ellipse((105, 60, 215, 190), fill=skin)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(f"demo-{seed}.png", buffer.getvalue(), content_type="image/png")


def _fill_profiles(*, actor) -> None:
    """Skills, phones, languages, time zones, 'about me' and photos, through the same
    services as the edit page; values derive from the person, so a second run changes nothing."""
    profiles = Profile.objects.select_related("user").order_by("user__email")
    for index, profile in enumerate(profiles):
        rng = random.Random(profile.user.email)
        skills = rng.sample(
            SKILLS.get(profile.department, SKILLS["IT"]), k=min(3, len(SKILLS.get(profile.department, SKILLS["IT"])))
        )
        office = profile.location or "Paris"
        changes = {
            "phone_work": PHONE_PREFIX.get(office, "+33 1 70 ") + f"{rng.randint(10, 99)} {rng.randint(10, 99)}",
            "time_zone": TIME_ZONES.get(office, "Europe/Paris"),
            "languages": LANGUAGES.get(office, ["English"]),
            "about": ABOUT.format(
                department=profile.department,
                title=profile.job_title or "a colleague",
                skill_a=skills[0],
                skill_b=skills[-1],
            ),
            "birthday": datetime.date(1970 + rng.randint(0, 30), rng.randint(1, 12), rng.randint(1, 28)),
            "start_date": datetime.date(2012 + rng.randint(0, 13), rng.randint(1, 12), 1),
        }
        if index % 3 == 0:
            changes["phone_mobile"] = (
                f"+33 6 {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)} {rng.randint(10, 99)}"
            )
        services.profile_update(actor=actor, profile=profile, changes=changes, skills=skills)
        if index % 2 == 0 and not profile.avatar:
            services.avatar_set(actor=actor, profile=profile, upload=_demo_photo(profile.user_id))


def _seed_communities(*, actor) -> None:
    """Communities of the three kinds, with owners, moderators and members; skipped if present."""
    users = {p.user.email: p for p in Profile.objects.select_related("user")}
    heads = [
        p.user
        for p in Profile.objects.filter(manager__manager__isnull=True, manager__isnull=False).select_related("user")
    ]
    for name, visibility, (first, last), description, tags, member_groups in COMMUNITIES:
        if Community.objects.filter(name=name).exists():
            continue
        owner = users[demo_email(first, last)].user
        community = community_services.community_create(
            actor=actor, name=name, description=description, visibility=visibility, tags=tags, owner=owner
        )
        members = set()
        for group in member_groups:
            if group == "heads":
                members.update(heads)
            else:
                members.update(p.user for p in users.values() if p.department == group)
        members.discard(owner)
        for index, user in enumerate(sorted(members, key=lambda u: u.email)):
            role = Role.MODERATOR if index == 0 else Role.MEMBER
            Membership.objects.create(community=community, user=user, role=role, state=State.ACTIVE)

"""The demo organisation: about fifty employees in seven departments under one CEO."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from apps.profiles.demo_data import ADMIN_EMAIL, CEO, DEMO_PASSWORD, DEPARTMENTS, demo_email
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
    return {"employees": count, "admin": ADMIN_EMAIL, "ceo": demo_email(CEO[0], CEO[1]), "password": DEMO_PASSWORD}

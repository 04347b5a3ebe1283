"""A community's address (its slug), chosen so that it tells nobody a private community exists.

Public and moderated communities get a readable address made from their name, the first
free one of "data-science", "data-science-2", "data-science-3"... Private communities never
hold a readable address: theirs is "private--" and a random token, given at creation and
again whenever a community becomes private (its readable address is freed at that moment);
a private community made public or moderated takes the first free readable address then.

`slugify` never writes two hyphens in a row, so no readable address can ever equal a
private one: the readable address a name gets depends only on the public and moderated
communities, which every employee may see, while the database's unique constraint still
covers all addresses. The private form holds neither the name (which can say too much, and
would outlive a rename) nor anything an outsider could guess; and for an outsider every
address that is not theirs to see answers 404, like one that names nothing.

The price: an address of a community that changes between private and not changes too
(the settings page leads to the new one); links to the old one answer 404."""

import secrets

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from apps.communities.models import Community, Visibility
from apps.communities.signals import community_addresses_moved
from apps.core.text import fold

PRIVATE_PREFIX = "private--"
RESERVED = {"new"}  # the address of the creation page
READABLE_LENGTH = 70  # leaves room for "-NNN" within the field's 80
ATTEMPTS = 3


def is_private(slug: str) -> bool:
    return "--" in slug


def readable_slug(name: str, *, exclude_pk=None) -> str:
    """The first free readable address for `name` (a cut may leave a trailing hyphen: it goes)."""
    base = slugify(fold(name))[:READABLE_LENGTH].strip("-_") or "community"
    slug, n = base, 2
    taken = Community.objects.exclude(pk=exclude_pk)
    while slug in RESERVED or taken.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def private_slug() -> str:
    return PRIVATE_PREFIX + secrets.token_hex(8)


def slug_for(community: Community) -> str:
    if community.visibility == Visibility.PRIVATE:
        return private_slug()
    return readable_slug(community.name, exclude_pk=community.pk)


def save_with_new_slug(community: Community) -> None:
    """Save the community under a fresh address. Another community may take the same
    readable one at the same moment: the unique constraint refuses it, and we try the next."""
    previous = community.slug
    for attempt in range(ATTEMPTS):
        community.slug = slug_for(community)
        try:
            with transaction.atomic():
                community.save()
            break
        except IntegrityError:
            if attempt == ATTEMPTS - 1:
                raise
    if previous and previous != community.slug:
        # What refers to it by address follows, in this transaction (the directory's group
        # mapping: apps/directory/receivers.py).
        community_addresses_moved.send(sender=Community, moves={previous: community.slug})

"""The administration's search boxes (people, communities), on the site's own search.

IT looks people up by what a ticket gives them: an e-mail address (or its start), a
directory id (the entry's stable id, its DN or its user name), or a name as the directory
page finds it (accent-blind word prefixes). Administrators see everyone, so no visibility
rule narrows these; the admin's own permissions decide who gets the page."""

from django.contrib.auth import get_user_model
from django.contrib.postgres.search import SearchQuery
from django.db.models import Exists, OuterRef, Q

from apps.communities.models import Community
from apps.core.text import search_terms
from apps.directory.models import DirectoryAccount
from apps.profiles.models import Profile
from apps.profiles.search import tsquery


def matching_user_ids(term: str):
    """The ids of the accounts a term names, as a subquery."""
    term = term.strip()
    if not term:
        return get_user_model().objects.values("pk")
    wanted = Q(email__iexact=term) | Q(email__istartswith=term)
    directory = DirectoryAccount.objects.filter(Q(external_id=term) | Q(dn__iexact=term) | Q(username__iexact=term))
    wanted |= Exists(directory.filter(user=OuterRef("pk")))
    text = tsquery(term)
    if text:
        named = Profile.objects.filter(search_vector=SearchQuery(text, search_type="raw", config="simple"))
        wanted |= Exists(named.filter(user=OuterRef("pk")))
    return get_user_model().objects.filter(wanted).values("pk")


def matching_communities(term: str):
    rows = Community.objects.all()
    if term.strip() and Community.objects.filter(slug=term.strip().lower()).exists():
        return rows.filter(slug=term.strip().lower())
    for word in search_terms(term):
        rows = rows.filter(search_text__contains=word)
    return rows

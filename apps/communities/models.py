from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Now
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core import prepared
from apps.core.models import TimeStampedModel


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public: everyone reads and joins")
    MODERATED = "moderated", _("Moderated: everyone reads, joining needs approval")
    PRIVATE = "private", _("Private: members only, by invitation")


VISIBILITY_SHORT = {
    Visibility.PUBLIC: _("Public"),
    Visibility.MODERATED: _("Moderated"),
    Visibility.PRIVATE: _("Private"),
}


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MODERATOR = "moderator", _("Moderator")
    MEMBER = "member", _("Member")


# Who moderates a community: its owners and its moderators (the one list every rule reads).
MODERATING_ROLES = (Role.OWNER, Role.MODERATOR)


class State(models.TextChoices):
    # A state of one person ("banned"), not a heading ("Banned" people): its own context.
    ACTIVE = "active", pgettext_lazy("membership state", "Member")
    REQUESTED = "requested", pgettext_lazy("membership state", "Asked to join")
    INVITED = "invited", pgettext_lazy("membership state", "Invited")
    DECLINED = "declined", pgettext_lazy("membership state", "Declined the invitation")
    DENIED = "denied", pgettext_lazy("membership state", "Request denied")
    LEFT = "left", pgettext_lazy("membership state", "Left")
    REMOVED = "removed", pgettext_lazy("membership state", "Removed")
    BANNED = "banned", pgettext_lazy("membership state", "Banned")


def is_site_admin(user) -> bool:
    """Site administrators see and manage every community without being members: superusers
    and whoever holds communities.change_community, directly or through a group. One
    compiled query, remembered on the user object for the request (`has_perm` reads all of
    a user's permissions in two queries, on every page)."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    # ModelBackend's private _perm_cache, checked against Django 5.2.19 (tests/core/test_private_apis.py).
    if hasattr(user, "_perm_cache"):  # has_perm has read them all already in this request
        return user.has_perm("communities.change_community")
    if not hasattr(user, "_is_site_admin"):
        _none, statement = prepared.compiled(("is_site_admin",), _site_admin_permission, (prepared.VIEWER,))
        user._is_site_admin = bool(statement.run({prepared.VIEWER: user.pk}))
    return user._is_site_admin


def _site_admin_permission():
    """The permission, if the user holds it directly or through a group (compiled once)."""
    from django.contrib.auth.models import Permission

    holders = Q(user=prepared.VIEWER) | Q(group__user=prepared.VIEWER)
    permission = Permission.objects.filter(holders, content_type__app_label="communities", codename="change_community")
    return None, permission.only("pk")[:1]


class CommunityQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Public and moderated communities for every active employee; a private one only
        for its members and the people invited to it (and site administrators). For
        everyone else a private community does not exist."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if is_site_admin(user):
            return self
        insider = Membership.objects.filter(
            community=OuterRef("pk"), user=user, state__in=[State.ACTIVE, State.INVITED]
        )
        return self.filter(Q(visibility__in=[Visibility.PUBLIC, Visibility.MODERATED]) | Exists(insider))

    def content_visible_to(self, user):
        """Communities whose posts the user may read: like `visible_to`, except that in a
        private community only active members read; someone invited sees the community
        (to accept or decline) but none of what its members wrote until they join."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if is_site_admin(user):
            return self
        # The person's communities as a set (`IN`, computed once), not a test per community
        # (`EXISTS`): the same rows, but PostgreSQL costed the EXISTS form's subquery into
        # every row of a join, and chose to read every match of a common word's search
        # rather than walk the newest (0.52 s instead of 0.03 s at 1 M posts).
        member_of = Membership.objects.filter(user=user, state=State.ACTIVE).values("community_id")
        return self.filter(Q(visibility__in=[Visibility.PUBLIC, Visibility.MODERATED]) | Q(pk__in=member_of))

    def content_readers(self, community_id: int, user_ids) -> set[int]:
        """Of `user_ids`, those for whom the community is in `content_visible_to`: the same
        rule read the other way round, for a notification to a thousand people in three
        queries rather than a thousand (a test checks that the two agree for every role)."""
        from django.contrib.auth import get_user_model

        active = list(get_user_model().objects.filter(pk__in=list(user_ids), is_active=True))
        community = self.filter(pk=community_id).only("visibility").first()
        if community is None or not active:
            return set()
        if community.visibility != Visibility.PRIVATE:
            return {user.pk for user in active}
        members = set(
            Membership.objects.filter(
                community_id=community_id, state=State.ACTIVE, user__in=[user.pk for user in active]
            ).values_list("user_id", flat=True)
        )
        return members | {user.pk for user in active if user.pk not in members and is_site_admin(user)}


class Community(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("address"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=10000)
    description_html = models.TextField(blank=True, editable=False)
    tags = ArrayField(models.CharField(max_length=40), blank=True, default=list, verbose_name=_("tags"))
    cover = models.JSONField(default=dict, blank=True, editable=False)
    visibility = models.CharField(_("visibility"), max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    # Folded name, description and tags, for accent-insensitive search.
    search_text = models.TextField(blank=True, editable=False)
    sort_name = models.CharField(max_length=120, blank=True, editable=False)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        indexes = [models.Index(fields=["sort_name", "id"], name="community_sort_idx")]

    def __str__(self):
        return self.name

    @property
    def visibility_label(self) -> str:
        return VISIBILITY_SHORT[self.visibility]

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(state=State.ACTIVE)

    def visible_to(self, user):
        """Memberships of the communities the user may see."""
        return self.filter(community__in=Community.objects.visible_to(user))


class Membership(TimeStampedModel):
    """One person's relation to one community, whatever its state: the history of joins,
    requests, invitations and bans lives in one row that moves between states."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(_("state"), max_length=12, choices=State.choices)
    message = models.TextField(_("message"), blank=True, max_length=1000)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the member last opened the community: the left navigation marks a community with
    # posts since then. A new membership starts seen (the database's now()), and so did every
    # existing one when the column came: the day it shipped, no community lit up for old posts.
    # (A constant default is stored once in PostgreSQL's catalogue: adding it rewrites no row.)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False, db_default=Now())

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["community", "user"], name="membership_once")]
        indexes = [
            models.Index(fields=["user", "state"], name="membership_user_state_idx"),
            models.Index(fields=["community", "state", "role"], name="membership_community_idx"),
        ]

    def __str__(self):
        return f"{self.user} · {self.community} · {self.state}"

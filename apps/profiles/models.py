from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q, Value
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel

# Fields an admin may declare private: shown then only to the owner and to admins.
# Names, titles, departments and offices stay public: the directory is built on them.
PRIVATIZABLE_FIELDS = {
    "pronouns": _("Pronouns"),
    "phone_work": _("Work phone"),
    "phone_mobile": _("Mobile phone"),
    "time_zone": _("Time zone"),
    "languages": _("Languages"),
    "start_date": _("Start date"),
    "birthday": _("Birthday"),
}

# Fields a directory sync may own (it records itself in Profile.field_sources).
DIRECTORY_FIELDS = (
    "display_name",
    "job_title",
    "department",
    "team",
    "location",
    "phone_work",
    "phone_mobile",
    "manager",
    "start_date",
)

AVATAR_SIZES = (256, 96, 40)


class Skill(models.Model):
    """An expertise tag ("Kubernetes", "Contrôle de gestion"); `folded` finds it without accents."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    folded = models.CharField(max_length=60, unique=True)

    class Meta:
        ordering = ["folded"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self):
        return self.name


class ProfileQuerySet(models.QuerySet):
    def visible_to(self, viewer):
        """Every profile is visible to an active employee (former employees included,
        marked as such); nothing to anyone else. Private fields are masked by the
        selectors (`apps.profiles.selectors.mask_private_fields`)."""
        if viewer is None or not viewer.is_authenticated or not viewer.is_active:
            return self.none()
        return self

    def active(self):
        return self.filter(user__is_active=True)


class Profile(TimeStampedModel):
    """An employee's place in the company directory."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    pronouns = models.CharField(_("pronouns"), max_length=40, blank=True)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    department = models.CharField(_("department"), max_length=200, blank=True, db_index=True)
    team = models.CharField(_("team"), max_length=200, blank=True)
    location = models.CharField(_("office"), max_length=200, blank=True, db_index=True)
    phone_work = models.CharField(_("work phone"), max_length=32, blank=True)
    phone_mobile = models.CharField(_("mobile phone"), max_length=32, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    languages = ArrayField(models.CharField(max_length=40), blank=True, default=list, verbose_name=_("languages"))
    about = models.TextField(_("about me"), blank=True, max_length=5000)
    about_html = models.TextField(blank=True, editable=False)
    skills = models.ManyToManyField(Skill, blank=True, related_name="profiles", verbose_name=_("expertise"))
    avatar = models.JSONField(default=dict, blank=True, editable=False)  # {"256": storage name, ..., "version": str}
    manager = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="reports", verbose_name=_("manager")
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    # {"job_title": "LDAP corp.example.com", ...}: the fields a directory owns; absent means local.
    field_sources = models.JSONField(default=dict, blank=True)
    # Folded (lower case, no accents) name, title, department, team, office and skills.
    search_text = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    sort_name = models.CharField(max_length=200, blank=True, editable=False)
    # The welcome steps (apps/pages) this person set aside, and "all" once the panel is over
    # for good. A default in the table too: the directory sync inserts profiles in SQL.
    welcome_dismissed = ArrayField(
        models.CharField(max_length=20), blank=True, default=list, db_default=Value([]), editable=False
    )

    objects = ProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        indexes = [
            GinIndex(fields=["search_vector"], name="profile_search_gin"),
            models.Index(fields=["sort_name", "id"], name="profile_sort_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(manager=models.F("id")), name="profile_not_own_manager"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.user.get_full_name() or self.user.email

    @property
    def initials(self) -> str:
        words = [w for w in self.name.replace("-", " ").split() if w[:1].isalpha()]
        return "".join(w[0] for w in words[:2]).upper() or "?"

    @property
    def avatar_color(self) -> int:
        return (self.user_id or 0) % 8

    @property
    def is_former_employee(self) -> bool:
        return not self.user.is_active

    def source_of(self, field: str) -> str | None:
        return self.field_sources.get(field)


class ProfileFieldPolicy(models.Model):
    """An admin's decision that a profile field is private (owner and admins only)."""

    field = models.CharField(_("field"), max_length=40, unique=True, choices=list(PRIVATIZABLE_FIELDS.items()))
    is_private = models.BooleanField(_("private"), default=True)

    class Meta:
        verbose_name = _("profile field policy")
        verbose_name_plural = _("profile field policies")

    def __str__(self):
        return self.get_field_display()


class FollowQuerySet(models.QuerySet):
    def visible_to(self, viewer):
        if viewer is None or not viewer.is_authenticated or not viewer.is_active:
            return self.none()
        return self


class Follow(models.Model):
    """`follower` sees `followee`'s posts in the home feed."""

    follower = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="following_set")
    followee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follower_set")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FollowQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="follow_once"),
            models.CheckConstraint(condition=~Q(follower=models.F("followee")), name="follow_not_self"),
        ]
        indexes = [models.Index(fields=["followee", "created_at", "id"], name="follow_followee_idx")]

    def __str__(self):
        return f"{self.follower} → {self.followee}"

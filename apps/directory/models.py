"""Directory sources (LDAP / Active Directory), the accounts they own, and their sync runs."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.core.models import TimeStampedModel


class Preset(models.TextChoices):
    OPENLDAP = "openldap", _("OpenLDAP (inetOrgPerson)")
    ACTIVE_DIRECTORY = "active_directory", _("Active Directory")


class SourceKind(models.TextChoices):
    LDAP = "ldap", _("LDAP or Active Directory")
    GRAPH = "graph", _("Exchange Online address list (Microsoft Graph)")


class Security(models.TextChoices):
    STARTTLS = "starttls", _("StartTLS")
    LDAPS = "ldaps", _("LDAPS")
    NONE = "none", _("None (test networks only)")


MAX_PAGE_SIZE = 10_000
MAX_TIMEOUT_SECONDS = 600
MAX_SYNC_INTERVAL_MINUTES = 7 * 24 * 60


class DirectorySource(TimeStampedModel):
    """One LDAP or Active Directory server (with its failover replicas) and what it owns here."""

    name = models.SlugField(_("name"), max_length=60, unique=True, help_text=_("Used by the command line."))
    enabled = models.BooleanField(_("enabled"), default=True)
    kind = models.CharField(_("kind"), max_length=10, choices=SourceKind.choices, default=SourceKind.LDAP)
    preset = models.CharField(_("preset"), max_length=20, choices=Preset.choices, default=Preset.OPENLDAP)
    uris = ArrayField(
        models.CharField(max_length=300),
        blank=True,
        default=list,
        verbose_name=_("server URIs"),
        help_text=_("Tried in this order: the next one when a server does not answer."),
    )
    security = models.CharField(_("security"), max_length=10, choices=Security.choices, default=Security.STARTTLS)
    ca_file = models.CharField(_("CA certificate file"), max_length=500, blank=True)
    bind_dn = models.CharField(_("bind DN"), max_length=500, blank=True)
    # Fernet token (apps.directory.secrets); never shown again once saved.
    bind_password_encrypted = models.TextField(blank=True, editable=False)
    bind_password_env = models.CharField(
        _("bind password variable"),
        max_length=100,
        blank=True,
        help_text=_("Name of an environment variable holding the password, instead of storing it."),
    )
    user_base = models.CharField(_("user base DN"), max_length=500, blank=True)
    user_filter = models.CharField(_("user filter"), max_length=1000, blank=True)
    group_base = models.CharField(_("group base DN"), max_length=500, blank=True)
    group_filter = models.CharField(_("group filter"), max_length=1000, blank=True)
    # {"email": "mail", "department": "ou", ...}: overrides of the preset's mapping.
    attribute_map = models.JSONField(_("attribute mapping"), default=dict, blank=True)
    owned_fields = ArrayField(
        models.CharField(max_length=40),
        verbose_name=_("fields the directory owns"),
        default=list,
        blank=True,
        help_text=_("Profile fields employees can no longer edit: the directory's value wins."),
    )
    # {"cn=Sales,ou=groups,dc=example,dc=com": "sales"}: group DN -> community slug.
    group_communities = models.JSONField(_("groups mapped to communities"), default=dict, blank=True)
    owns_account_status = models.BooleanField(
        _("owns account status"),
        default=True,
        help_text=_(
            "People missing, disabled or expired in the directory are deactivated; returning ones reactivated."
        ),
    )
    deactivation_limit = models.PositiveIntegerField(
        _("deactivation limit"),
        null=True,
        blank=True,
        help_text=_("A run that would deactivate more people aborts. Empty: max(5, 2 %) of the source's people."),
    )
    allow_signin = models.BooleanField(_("directory passwords sign in"), default=False)
    create_at_signin = models.BooleanField(_("create the account at first sign-in"), default=False)
    # Bounds that make sense for each number: 0 entries per page, or 0 seconds to wait, would
    # never read anything.
    sync_interval_minutes = models.PositiveIntegerField(
        _("sync every (minutes)"),
        default=60,
        validators=[MaxValueValidator(MAX_SYNC_INTERVAL_MINUTES)],
        help_text=_("0: only on demand; at most a week (10080)."),
    )
    page_size = models.PositiveIntegerField(
        _("page size"),
        default=500,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PAGE_SIZE)],
        help_text=_("Entries per page of a paged search, 1 to 10000 (Active Directory gives 1000 at most)."),
    )
    timeout_seconds = models.PositiveIntegerField(
        _("timeout (seconds)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_TIMEOUT_SECONDS)],
        help_text=_("How long to wait for a server, 1 to 600 seconds."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("directory source")
        verbose_name_plural = _("directory sources")
        permissions = [("force_sync_directorysource", _("Can run a sync past its safety checks"))]

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        """What a profile field owned by this source says it comes from."""
        return f"{'Exchange' if self.kind == SourceKind.GRAPH else 'LDAP'} {self.name}"


class StatusOwner(models.TextChoices):
    DIRECTORY = "directory", _("the directory")
    LOCAL = "local", _("an administrator here")


class DirectoryAccount(models.Model):
    """The link between a directory entry (by its stable id, not its DN) and an account."""

    source = models.ForeignKey(DirectorySource, on_delete=models.CASCADE, related_name="accounts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="directory_accounts")
    external_id = models.CharField(max_length=64)
    dn = models.TextField()
    username = models.CharField(max_length=256, blank=True, db_index=True)
    # Digest of everything the last run wrote from this entry: an equal digest means nothing to write.
    values_hash = models.CharField(max_length=64)
    status_owner = models.CharField(
        _("account status decided by"), max_length=10, choices=StatusOwner.choices, default=StatusOwner.DIRECTORY
    )
    deactivated_by_sync = models.BooleanField(default=False)
    missing_since = models.DateTimeField(null=True, blank=True)
    # What the entry said at the last run written: "" enabled, "disabled" or "expired". A run
    # that only enables or disables someone shows it as a change.
    directory_status = models.CharField(max_length=10, blank=True, default="")

    class Meta:
        verbose_name = _("directory account")
        verbose_name_plural = _("directory accounts")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="directory_account_entry_unique"),
            models.UniqueConstraint(fields=["source", "user"], name="directory_account_user_unique"),
        ]

    def __str__(self):
        return self.dn


class DirectoryMembership(models.Model):
    """A community membership that a mapped directory group gave: only these does a sync remove."""

    source = models.ForeignKey(DirectorySource, on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "community", "user"], name="directory_membership_unique"),
        ]

    def __str__(self):
        return f"{self.source_id}:{self.community_id}:{self.user_id}"


class RunState(models.TextChoices):
    # A forced run asked for from the admin pages waits as a row of its own until a worker
    # starts it (beat's sweep sends it again if its task was lost); it may end without running.
    QUEUED = "queued", _("waiting to start")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("succeeded")
    ABORTED = "aborted", _("aborted")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("did not run")


NOT_FINISHED = (RunState.QUEUED, RunState.RUNNING)


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("schedule")
    ADMIN = "admin", _("administrator")
    COMMAND = "command", _("command line")


class DirectoryRunQuerySet(models.QuerySet):
    def finished(self):
        return self.exclude(state__in=NOT_FINISHED)


class DirectoryRun(TimeStampedModel):
    """One sync, dry or real: its counts, its diff and how it ended."""

    source = models.ForeignKey(DirectorySource, on_delete=models.CASCADE, related_name="runs")
    state = models.CharField(_("state"), max_length=10, choices=RunState.choices, default=RunState.RUNNING)
    dry_run = models.BooleanField(_("dry run"), default=False)
    forced = models.BooleanField(_("forced"), default=False)
    trigger = models.CharField(_("started by"), max_length=10, choices=Trigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), null=True, blank=True)
    entries_read = models.PositiveIntegerField(_("entries read"), default=0)
    # {"created": n, "updated": n, "unchanged": n, "deactivated": n, "reactivated": n, "errors": n, ...}
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    # {"created": [...], "updated": [{"email", "changes": {field: [old, new]}}], ...}, each list capped.
    diff = models.JSONField(_("changes"), default=dict, blank=True)
    message = models.TextField(_("why it stopped"), blank=True)
    # The worker running it renews this while it runs (apps.core.lease): a run whose lease
    # expired was left by a worker that died, and beat's sweep closes it and starts it again.
    lease_owner = models.CharField(max_length=100, blank=True, default="", editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    # The Celery task that started it: that task's message delivered again late (the visibility
    # timeout after its worker died, when the run was restarted long since) starts nothing.
    task_id = models.CharField(max_length=64, blank=True, default="", editable=False, db_index=True)

    objects = DirectoryRunQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("directory sync run")
        verbose_name_plural = _("directory sync runs")
        constraints = [
            # One run at a time per source: a second one started meanwhile fails to insert.
            models.UniqueConstraint(
                fields=["source"], condition=Q(state="running"), name="directory_run_one_running_per_source"
            ),
            # One forced run waiting per source: a second administrator's is refused.
            models.UniqueConstraint(
                fields=["source"], condition=Q(state="queued"), name="directory_run_one_queued_per_source"
            ),
        ]

    def __str__(self):
        return f"{self.source} {self.created_at:%Y-%m-%d %H:%M} {self.get_state_display()}"

    @property
    def interrupted(self) -> bool:
        """Left running by a worker that stopped: no renewal of its lease for a while."""
        from apps.core.lease import lease_alive

        return self.state == RunState.RUNNING and not lease_alive(self)

    @property
    def state_label(self) -> str:
        if self.interrupted:
            return _("interrupted, starting again…")
        return self.get_state_display()

    @property
    def applied(self) -> bool:
        """Whether its changes were written: a dry run, or a run that stopped or failed, changed
        nothing, and its counts are what it would have done."""
        return self.state == RunState.SUCCEEDED and not self.dry_run

    @property
    def stopped_by_a_check(self) -> bool:
        """Stopped by a safety check (limits, emptied groups) after a complete read: what a
        forced run gets past. A read that failed or was cut short has no counts."""
        return self.state == RunState.ABORTED and bool(self.counts)


class ContactSource(models.TextChoices):
    CSV = "csv", _("Outlook CSV export")
    VCARD = "vcard", _("vCard file")
    EWS = "ews", _("Exchange (on premises)")
    GRAPH = "graph", _("Exchange Online")


class ContactQuerySet(models.QuerySet):
    def visible_to(self, user):
        """An employee's contacts are theirs alone (administrators included)."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        return self.filter(owner=user)


class Contact(TimeStampedModel):
    """Someone in an employee's personal address book."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contacts")
    # The first address, else the file's own id, else the folded name: a re-import updates.
    key = models.CharField(max_length=320)
    name = models.CharField(_("name"), max_length=200)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    emails = ArrayField(models.CharField(max_length=254), default=list, blank=True, verbose_name=_("e-mail addresses"))
    phones = ArrayField(models.CharField(max_length=64), default=list, blank=True, verbose_name=_("phones"))
    company = models.CharField(_("company"), max_length=200, blank=True)
    job_title = models.CharField(_("job title"), max_length=200, blank=True)
    department = models.CharField(_("department"), max_length=200, blank=True)
    source = models.CharField(_("imported from"), max_length=10, choices=ContactSource.choices)
    # The colleague with one of these addresses, if any.
    colleague = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sort_name = models.CharField(max_length=200, blank=True)

    objects = ContactQuerySet.as_manager()

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="contact_once_per_owner")]
        indexes = [models.Index(fields=["owner", "sort_name", "id"], name="contact_owner_sort_idx")]

    def __str__(self):
        # Not the name: admin pages (a user's deletion summary) list related objects by it.
        return f"Contact #{self.pk}"


class ImportState(models.TextChoices):
    QUEUED = "queued", _("waiting")
    RUNNING = "running", _("running")
    SUCCEEDED = "succeeded", _("done")
    FAILED = "failed", _("failed")


class ContactImport(TimeStampedModel):
    """One import of contacts, with its progress and the rows it could not take."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_imports")
    source = models.CharField(_("from"), max_length=10, choices=ContactSource.choices)
    state = models.CharField(_("state"), max_length=10, choices=ImportState.choices, default=ImportState.QUEUED)
    filename = models.CharField(_("file"), max_length=255, blank=True)
    # The uploaded file's text until the import has read it.
    payload = models.TextField(blank=True, editable=False)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)  # [{"line": n, "reason": "..."}]
    message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker importing renews this while it works (apps.core.lease): an import whose lease
    # expired was left by a worker that died, and the next worker resumes it where it was.
    lease_owner = models.CharField(max_length=100, blank=True, default="", editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)
    attempts = models.PositiveSmallIntegerField(default=0, editable=False)

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("contact import")
        verbose_name_plural = _("contact imports")

    def __str__(self):
        return f"{self.owner_id} {self.source} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def interrupted(self) -> bool:
        """Left running by a worker that stopped: no renewal of its lease for a while."""
        from apps.core.lease import lease_alive

        return self.state == ImportState.RUNNING and not lease_alive(self)

    @property
    def state_label(self) -> str:
        if self.interrupted:
            return _("interrupted, resuming…")
        return self.get_state_display()

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else (100 if self.finished_at else 0)

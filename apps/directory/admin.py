"""The IT administrator's screens: sources (with test, dry run and sync), runs and their diffs,
and who decides each account's status."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.core.queue import enqueue_now
from apps.core.when import when_html
from apps.directory.admin_force import can_force, force_sync_view
from apps.directory.models import NOT_FINISHED, DirectoryAccount, DirectoryRun, DirectorySource, RunState, Trigger
from apps.directory.services.accounts import account_status_handed_back
from apps.moderation.admin_audit import AuditedModelAdmin
from apps.profiles.models import DIRECTORY_FIELDS

# The sync's modules (ldap3, msal, requests, ...) load when an action needs them, not in every
# web process at startup: a process holding idle WebSockets never does (make bench).


class SourceForm(forms.ModelForm):
    bind_password = forms.CharField(
        label=_("bind password"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted. Leave empty to keep the current one."),
    )
    clear_bind_password = forms.BooleanField(label=_("remove the stored password"), required=False)
    owned_fields = forms.MultipleChoiceField(
        label=_("fields the directory owns"),
        choices=[(name, name) for name in DIRECTORY_FIELDS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = DirectorySource
        fields = ["name", "enabled", "kind", "preset", "uris", "security", "ca_file", "bind_dn", "bind_password_env",
                  "user_base", "user_filter", "group_base", "group_filter", "attribute_map", "owned_fields",
                  "group_communities", "owns_account_status", "deactivation_limit", "allow_signin",
                  "create_at_signin", "sync_interval_minutes", "page_size", "timeout_seconds"]  # fmt: skip
        widgets = {"uris": forms.TextInput(attrs={"size": 80})}

    def clean(self):
        cleaned = super().clean()
        if self.instance and not self.errors:
            candidate = self.instance
            for name, value in cleaned.items():
                if hasattr(candidate, name) and name not in ("bind_password", "clear_bind_password"):
                    setattr(candidate, name, value)
            from apps.directory.services.sources import source_validate

            try:
                source_validate(candidate)
            except ValidationError as error:
                raise ValidationError(error.message_dict) from error
        return cleaned


class RunInline(admin.TabularInline):
    model = DirectoryRun
    fields = ["link", "state_now", "dry_run", "forced", "trigger", "entries_read", "duration_ms", "message"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-created_at", "-id"]
    shown = 20

    @admin.display(description=_("state"))
    def state_now(self, run):
        return run.state_label  # "running" only while its worker's lease lives

    @admin.display(description=_("run"))
    def link(self, run):
        return format_html('<a href="{}">{}</a>', reverse("admin:directory_directoryrun_change", args=[run.pk]),
                           when_html(run.created_at))  # fmt: skip

    def get_queryset(self, request):
        # The latest runs only, without their diffs: an hourly source has thousands a year.
        runs = DirectoryRun.objects.filter(source_id=getattr(request, "directory_source_id", None))
        latest = runs.order_by("-created_at", "-id").values("pk")[: self.shown]
        return super().get_queryset(request).filter(pk__in=latest).defer("diff").select_related("source")


@admin.register(DirectorySource)
class DirectorySourceAdmin(admin.ModelAdmin):
    form = SourceForm
    list_display = ["name", "kind", "preset", "enabled", "uri_list", "sync_interval_minutes", "last_run"]
    actions = ["test_connection", "dry_run", "sync_now"]
    inlines = [RunInline]

    @admin.display(description=_("servers"))
    def uri_list(self, source):
        return " ".join(source.uris)

    def get_queryset(self, request):
        # The latest run of each source in the same query: the list's query count stays flat.
        latest = DirectoryRun.objects.filter(source=OuterRef("pk")).order_by("-created_at", "-id")
        return (
            super()
            .get_queryset(request)
            .annotate(
                last_run_id=Subquery(latest.values("pk")[:1]),
                last_run_at=Subquery(latest.values("created_at")[:1]),
                last_run_state=Subquery(latest.values("state")[:1]),
            )
        )

    @admin.display(description=_("last run"))
    def last_run(self, source):
        if source.last_run_id is None:
            return "-"
        return format_html('<a href="{}">{} {}</a>', reverse("admin:directory_directoryrun_change",
                                                             args=[source.last_run_id]),
                           when_html(source.last_run_at), RunState(source.last_run_state).label)  # fmt: skip

    def change_view(self, request, object_id, form_url="", extra_context=None):
        request.directory_source_id = int(object_id) if str(object_id).isdigit() else None  # for RunInline
        extra_context = {**(extra_context or {}), "can_force": can_force(request.user)}
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view(force_sync_view(self))
        return [path("<int:source_id>/force-sync/", view, name="directory_directorysource_force_sync"),
                *super().get_urls()]  # fmt: skip

    def save_model(self, request, obj, form, change):
        from apps.directory.services.sources import source_save

        password = form.cleaned_data.get("bind_password") or None
        if form.cleaned_data.get("clear_bind_password"):
            password = ""
        source_save(actor=request.user, source=obj, password=password)

    def delete_model(self, request, obj):
        from apps.directory.services.sources import source_remove

        source_remove(actor=request.user, source=obj)

    @admin.action(description=_("Test the connection"))
    def test_connection(self, request, queryset):
        from apps.directory import ldap
        from apps.directory.services.sources import source_test

        for source in queryset:
            try:
                result = source_test(source)
            except ldap.DirectoryError as error:
                self.message_user(request, f"{source.name}: {error}", messages.ERROR)
                continue
            people = ", ".join(person["email"] or person["dn"] for person in result["sample"]) or _("nobody found")
            self.message_user(request, f"{source.name}: {result['server']} — {people}", messages.SUCCESS)

    def _queue(self, request, queryset, dry_run):
        for source in queryset:
            # (source id, dry run, force, trigger, actor id). No row stands for this run until
            # it starts, so no sweep would send it later: a task the broker did not take is
            # said to be not queued, at once (the breaker spares the page a hung broker).
            if enqueue_now("directory.sync", source.pk, dry_run, False, Trigger.ADMIN, request.user.pk):
                self.message_user(
                    request, _("%(source)s: queued, follow it in the sync runs.") % {"source": source.name}
                )
            else:
                self.message_user(
                    request,
                    _("%(source)s: not queued, the task queue (Redis) is not answering. Try again in a minute.")
                    % {"source": source.name},
                    messages.ERROR,
                )

    @admin.action(description=_("Dry run: show what would change"))
    def dry_run(self, request, queryset):
        self._queue(request, queryset, True)

    @admin.action(description=_("Sync now"))
    def sync_now(self, request, queryset):
        self._queue(request, queryset, False)


@admin.register(DirectoryRun)
class DirectoryRunAdmin(AuditedModelAdmin):
    audit_name = "directory.run"  # a deleted run's record (not its diff) goes to the audit log
    audit_deleted_fields = ("source", "state", "dry_run", "trigger", "requested_by", "created_at", "counts")
    list_display = ["created_at", "source", "state_now", "dry_run", "trigger", "entries_read", "duration_ms", "summary"]
    list_filter = ["source", "state", "dry_run", "trigger"]
    list_select_related = ["source"]
    fields = ["source", "state", "dry_run", "forced", "trigger", "requested_by", "created_at", "finished_at",
              "duration_ms", "entries_read", "message", "summary", "changes"]  # fmt: skip
    readonly_fields = fields
    change_form_template = "admin/directory/directoryrun/change_form.html"

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        # The list shows counts, not the diffs (up to 500 entries per list each).
        return queryset.defer("diff") if request.resolver_match.url_name.endswith("changelist") else queryset

    @admin.display(description=_("state"), ordering="state")
    def state_now(self, run):
        return run.state_label  # "running" only while its worker's lease lives

    @admin.display(description=_("counts"))
    def summary(self, run):
        counts = ", ".join(f"{key} {value}" for key, value in run.counts.items() if value)
        if not counts:
            return "-"
        # A dry run, or one that stopped or failed, changed nothing: its counts are what it would have done.
        return counts if run.applied else gettext("would have: %(counts)s") % {"counts": counts}

    @admin.display(description=_("changes"))
    def changes(self, run):
        from django.template.loader import render_to_string

        if run.state == RunState.QUEUED:
            return gettext("Waiting for a worker to start it. This page follows it.")
        if run.interrupted:
            return gettext(
                "The worker running it stopped (nothing heard from it for a minute): it is recorded as interrupted "
                "and a new run starts within a minute. This page follows it."
            )
        if run.state == RunState.RUNNING:
            return gettext("Running. This page follows it.")
        if run.state == RunState.CANCELLED:
            return gettext("It did not run: nothing was changed.")
        return render_to_string("admin/directory/diff.html", {"run": run, "diff": run.diff or {}})

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def render_change_form(self, request, context, *args, **kwargs):
        run = kwargs.get("obj")
        context["refresh"] = bool(run and run.state in NOT_FINISHED)
        context["force_url"] = (
            reverse("admin:directory_directorysource_force_sync", args=[run.source_id])
            if run and run.stopped_by_a_check and can_force(request.user)
            else None
        )
        return super().render_change_form(request, context, *args, **kwargs)


@admin.register(DirectoryAccount)
class DirectoryAccountAdmin(AuditedModelAdmin):
    audit_name = "directory.account"  # a link deleted here goes to the audit log
    list_display = ["user", "source", "dn", "status_owner", "deactivated_by_sync", "missing_since"]
    list_filter = ["source", "status_owner", "deactivated_by_sync"]
    search_fields = ["user__email", "dn", "username"]
    list_select_related = ["user", "source"]
    readonly_fields = ["source", "user", "external_id", "dn", "username", "values_hash", "status_owner",
                       "deactivated_by_sync", "missing_since", "directory_status"]  # fmt: skip
    actions = ["hand_back"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Let the directory decide their account status again"))
    def hand_back(self, request, queryset):
        count = account_status_handed_back(actor=request.user, accounts=list(queryset))
        self.message_user(request, _("%(count)d accounts follow the directory again.") % {"count": count})

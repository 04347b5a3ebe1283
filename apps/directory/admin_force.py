"""The admin's forced run: a confirmation page that says what will happen (GET), and the run
itself (POST), for staff holding the force_sync_directorysource permission."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from apps.directory.models import DirectorySource

FORCE_PERMISSION = "directory.force_sync_directorysource"


def can_force(user) -> bool:
    """Who may start a run past its safety checks: active staff holding that permission."""
    return user.is_active and user.is_staff and user.has_perm(FORCE_PERMISSION)


def force_sync_view(model_admin):
    @require_http_methods(["GET", "POST"])
    def view(request, source_id):
        from apps.directory.services.forced import ForcedRunRefused, forced_run_request, latest_finished_run

        if not can_force(request.user):
            raise PermissionDenied
        source = get_object_or_404(DirectorySource, pk=source_id)
        error = ""
        if request.method == "POST":
            seen = request.POST.get("seen_run", "")
            try:
                forced = forced_run_request(
                    actor=request.user, source=source, seen_run_id=int(seen) if seen.isdigit() else None
                )
            except ForcedRunRefused as refused:
                error = str(refused)
            else:
                # Its own page says whether it is waiting to start, running, done, or did not run.
                model_admin.message_user(
                    request, _("Forced run of %(source)s asked for: this page follows it.") % {"source": source.name},
                    messages.SUCCESS,
                )  # fmt: skip
                return redirect("admin:directory_directoryrun_change", forced.pk)
        run = latest_finished_run(source)
        context = {
            **model_admin.admin_site.each_context(request),
            "opts": DirectorySource._meta,
            "title": _("Force a run of %(source)s") % {"source": source.name},
            "source": source,
            "run": run,
            "would_have": [(key, value) for key, value in (run.counts if run else {}).items() if value],
            "error": error,
        }
        return TemplateResponse(
            request, "admin/directory/directorysource/force_sync.html", context, status=409 if error else 200
        )

    return view

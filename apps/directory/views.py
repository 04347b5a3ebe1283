from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.core.htmx import vary_on_htmx, wants_fragment
from apps.directory import selectors
from apps.directory.exchange import ews_configured, graph_configured
from apps.directory.forms import ContactFileForm
from apps.directory.models import ContactSource, ImportState
from apps.directory.services import contacts as services


@require_GET
def contacts(request):
    page = selectors.contact_list(viewer=request.user, cursor=request.GET.get("after"))
    context = {"page": page}
    if wants_fragment(request) and request.GET.get("after"):
        return vary_on_htmx(render(request, "directory/_contact_items.html", context))
    context.update(
        form=ContactFileForm(),
        imports=selectors.contact_import_list(viewer=request.user),
        exchange_imports=[
            (source, label)
            for source, label, configured in (
                (ContactSource.GRAPH, _("Import my Outlook contacts (Exchange Online)"), graph_configured),
                (ContactSource.EWS, _("Import my Outlook contacts (Exchange)"), ews_configured),
            )
            if configured()
        ],
    )
    return vary_on_htmx(render(request, "directory/contacts.html", context))


@require_http_methods(["GET", "POST"])
def contacts_import(request):
    form = ContactFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.contact_import_start(
                actor=request.user, source=form.cleaned_data["source"], upload=form.cleaned_data["file"]
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("contacts:import", import_id=job.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "directory/contacts_import.html", {"form": form}, status=status)


@require_GET
def contacts_import_status(request, import_id):
    job = selectors.contact_import_get(viewer=request.user, import_id=import_id)
    context = {"job": job, "running": job.state in (ImportState.QUEUED, ImportState.RUNNING)}
    if wants_fragment(request):
        return vary_on_htmx(render(request, "directory/_import_status.html", context))
    return vary_on_htmx(render(request, "directory/import_status.html", context))


@require_POST
def contact_delete(request, contact_id):
    contact = selectors.contact_get(viewer=request.user, contact_id=contact_id)
    services.contact_delete(actor=request.user, contact=contact)
    messages.success(request, _("%(name)s is no longer in your contacts.") % {"name": contact.name})
    return redirect("contacts:index")


@require_POST
def contacts_import_exchange(request):
    source = request.POST.get("source")
    if source not in (ContactSource.GRAPH, ContactSource.EWS):
        source = ContactSource.GRAPH
    try:
        job = services.contact_import_start(actor=request.user, source=source)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("contacts:index")
    return redirect("contacts:import", import_id=job.pk)


@require_POST
def contacts_delete_all(request):
    count = services.contacts_delete_all(actor=request.user)
    messages.success(
        request,
        ngettext("Your %(count)d contact was removed.", "Your %(count)d contacts were removed.", count)
        % {"count": count},
    )
    return redirect("contacts:index")

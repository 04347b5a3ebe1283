from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.communities import selectors, services
from apps.communities.forms import BulkAddForm, CommunityForm, DeleteForm, InviteForm, TransferForm
from apps.communities.models import Community, State, is_site_admin
from apps.core.htmx import vary_on_htmx, wants_fragment

SELF_ACTIONS = {"join", "request", "cancel", "accept", "decline", "leave"}
MANAGER_ACTIONS = {"approve", "deny", "remove", "ban", "unban"}


def _errors(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _page_for(request, slug, need: str):
    """The community and what the viewer may do; 404 unless the viewer may `need` (see/moderate/own/administer)."""
    community = selectors.community_get(viewer=request.user, slug=slug)
    can = selectors.viewer_can(viewer=request.user, community=community)
    if need != "see" and not can[need]:
        raise Http404
    return community, can


@require_GET
def directory(request):
    query = request.GET.get("q", "")[:200]
    mine = request.GET.get("mine") == "1"
    page = selectors.community_list(viewer=request.user, query=query, mine=mine, cursor=request.GET.get("after"))
    context = {
        "page": page,
        "query": query,
        "mine": mine,
        "next_query": urlencode({"q": query, "mine": "1" if mine else "", "after": page.next_cursor or ""}),
    }
    if wants_fragment(request):
        template = "communities/_items.html" if request.GET.get("after") else "communities/_results.html"
        return vary_on_htmx(render(request, template, context))
    if not query and not mine:
        context["suggestions"] = selectors.community_suggestions(viewer=request.user)
    return vary_on_htmx(render(request, "communities/directory.html", context))


def create(request):
    admin = is_site_admin(request.user)
    form = CommunityForm(request.POST or None, site_admin=admin)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_create(actor=request.user, **form.create_kwargs())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Community created."))
            return redirect("communities:detail", slug=community.slug)
    return render(request, "communities/create.html", {"form": form})


@require_GET
def members(request, slug):
    community, can = _page_for(request, slug, "see")
    state = request.GET.get("state", State.ACTIVE)
    if state not in (State.ACTIVE, State.REQUESTED, State.INVITED, State.BANNED):
        raise Http404
    if state != State.ACTIVE and not can["moderate"]:
        raise Http404
    return _members_page(request, community, can, state)


def _members_page(request, community, can, state, invite_form=None):
    page = selectors.members_page(
        viewer=request.user, community=community, state=state, cursor=request.GET.get("after")
    )
    if invite_form is None and can["moderate"] and state == State.INVITED:
        invite_form = InviteForm()
    context = {
        "community": community,
        "can": can,
        "page": page,
        "state": state,
        "tab": "members" if state == State.ACTIVE else state,
        "pending": selectors.pending_counts(community=community) if can["moderate"] else None,
        "invite_form": invite_form,
        "next_query": urlencode({"state": state, "after": page.next_cursor or ""}),
    }
    return render(request, "communities/members.html", context)


@require_POST
def membership(request, slug):
    """The viewer's own membership: join, request, cancel, accept, decline, leave."""
    community, _can = _page_for(request, slug, "see")
    action = request.POST.get("action", "")
    if action not in SELF_ACTIONS:
        raise Http404
    try:
        services.membership_transition(
            actor=request.user,
            community=community,
            user=request.user,
            action=action,
            message=request.POST.get("message", ""),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("communities:detail", slug=community.slug)
    else:
        done = {
            "join": _("You joined %(name)s."),
            "request": _("Your request to join %(name)s was sent to its moderators."),
            "cancel": _("Your request was withdrawn."),
            "accept": _("Welcome to %(name)s."),
            "decline": _("Invitation declined."),
            "leave": _("You left %(name)s."),
        }[action]
        messages.success(request, done % {"name": community.name})
    # After leaving a private community there is nothing left to see there.
    if action in ("leave", "decline") and community.visibility == "private" and not is_site_admin(request.user):
        return redirect("communities:index")
    return redirect("communities:detail", slug=community.slug)


def _to_members(community, state) -> HttpResponseRedirect:
    if state not in (State.ACTIVE, State.REQUESTED, State.INVITED, State.BANNED):
        state = State.ACTIVE
    return HttpResponseRedirect(reverse("communities:members", args=[community.slug]) + f"?state={state}")


@require_POST
def manage_member(request, slug, user_id):
    """A manager acts on someone else's membership: approve, deny, remove, ban, unban, role."""
    community, _can = _page_for(request, slug, "moderate")
    user = get_object_or_404(get_user_model(), pk=user_id)
    action = request.POST.get("action", "")
    try:
        if action == "role":
            services.membership_set_role(
                actor=request.user, community=community, user=user, role=request.POST.get("role", "")
            )
        elif action in MANAGER_ACTIONS:
            services.membership_transition(actor=request.user, community=community, user=user, action=action)
        else:
            raise Http404
    except PermissionDenied as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])) or _("Not allowed."))
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(request, _("Done."))
    return _to_members(community, request.POST.get("next_state"))


@require_POST
def invite(request, slug):
    """Invite a person or a department; a refusal shows the invitations page again, the
    error next to the field."""
    community, can = _page_for(request, slug, "moderate")
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            if form.cleaned_data.get("department"):
                result = services.invite_department(
                    actor=request.user, community=community, department=form.cleaned_data["department"]
                )
                messages.success(
                    request, _("%(invited)s people invited, %(skipped)s already in or unavailable.") % result
                )
            else:
                services.membership_transition(
                    actor=request.user, community=community, user=form.cleaned_data["user"], action="invite"
                )
                messages.success(request, _("Invitation sent."))
        except ValidationError as error:
            form.add_error("department" if form.cleaned_data.get("department") else "email", error.messages)
    if form.errors:
        return _members_page(request, community, can, State.INVITED, invite_form=form)
    return _to_members(community, State.INVITED)


def settings_view(request, slug):
    community, can = _page_for(request, slug, "own")
    form = CommunityForm(request.POST or None, request.FILES or None, instance=community, site_admin=False)
    if request.method == "POST" and form.is_valid():
        try:
            community = services.community_update(
                actor=request.user, community=community, changes=form.settings_changes(), **form.cover_changes()
            )
        except Community.DoesNotExist as error:  # deleted meanwhile
            raise Http404 from error
        except ValidationError as error:
            form.add_error("cover" if not hasattr(error, "error_dict") else None, error)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("communities:detail", slug=community.slug)
    return render(request, "communities/settings.html", {"community": community, "can": can, "form": form})


def administer(request, slug):
    """Site administrators: transfer, archive or restore, bulk-add members."""
    community, can = _page_for(request, slug, "administer")
    transfer_form = TransferForm(request.POST if request.POST.get("do") == "transfer" else None)
    bulk_form = BulkAddForm(
        request.POST if request.POST.get("do") == "bulk" else None,
        request.FILES if request.POST.get("do") == "bulk" else None,
    )
    report = None
    if request.method == "POST":
        do = request.POST.get("do")
        if do in ("archive", "restore"):
            services.community_archive(actor=request.user, community=community, archived=do == "archive")
            messages.success(request, _("Community archived.") if do == "archive" else _("Community restored."))
            return redirect("communities:administer", slug=community.slug)
        if do == "transfer" and transfer_form.is_valid():
            try:
                services.community_transfer(
                    actor=request.user, community=community, new_owner=transfer_form.cleaned_data["user"]
                )
            except ValidationError as error:
                transfer_form.add_error(None, error)
            else:
                messages.success(request, _("Ownership transferred."))
                return redirect("communities:administer", slug=community.slug)
        if do == "bulk" and bulk_form.is_valid():
            try:
                report = services.community_bulk_add(
                    actor=request.user, community=community, emails=bulk_form.addresses()
                )
            except ValidationError as error:
                bulk_form.add_error(None, error)
    context = {
        "community": community,
        "can": can,
        "transfer_form": transfer_form,
        "bulk_form": bulk_form,
        "report": report,
        "summary": services.community_delete_summary(community),
    }
    return render(request, "communities/administer.html", context)


def delete(request, slug):
    community, can = _page_for(request, slug, "administer")
    form = DeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.community_delete(
                actor=request.user, community=community, confirm_name=form.cleaned_data["confirm_name"]
            )
        except ValidationError as error:
            form.add_error("confirm_name", error.message_dict.get("confirm_name", error.messages))
        else:
            messages.success(request, _("%(name)s was deleted.") % {"name": community.name})
            return redirect("communities:index")
    context = {
        "community": community,
        "can": can,
        "form": form,
        "summary": services.community_delete_summary(community),
    }
    return render(request, "communities/delete.html", context)


@require_GET
def cover(request, slug):
    community = selectors.community_get(viewer=request.user, slug=slug)
    if not community.cover.get("file"):
        raise Http404
    response = FileResponse(default_storage.open(community.cover["file"]), content_type="image/webp")
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response

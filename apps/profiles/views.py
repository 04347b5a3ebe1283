import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponseBadRequest, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from apps.core.htmx import vary_on_htmx, wants_fragment
from apps.profiles import selectors, services, timezones
from apps.profiles.forms import ProfileForm
from apps.profiles.models import AVATAR_SIZES, Profile


@require_GET
def directory(request):
    query = request.GET.get("q", "")[:200]
    department = request.GET.get("department", "")[:200]
    location = request.GET.get("location", "")[:200]
    page = selectors.profile_search(
        viewer=request.user, query=query, department=department, location=location, cursor=request.GET.get("after")
    )
    context = {
        "page": page,
        "query": query,
        "department": department,
        "location": location,
        "next_query": urlencode(
            {"q": query, "department": department, "location": location, "after": page.next_cursor or ""}
        ),
    }
    if wants_fragment(request):
        template = "profiles/_people_items.html" if request.GET.get("after") else "profiles/_results.html"
        return vary_on_htmx(render(request, template, context))
    context["facets"] = selectors.directory_facets(viewer=request.user)
    return vary_on_htmx(render(request, "profiles/directory.html", context))


def me(request):
    # Accounts made outside sign-up (createsuperuser, the admin) get their profile here.
    services.profile_create_for(user=request.user)
    return redirect("people:detail", user_id=request.user.pk)


@require_GET
def card(request, user_id):
    profile = selectors.profile_get(viewer=request.user, user_id=user_id)
    follow = selectors.follow_state(viewer=request.user, user_id=user_id)
    return render(request, "profiles/_card.html", {"profile": profile, "follow": follow})


@require_GET
def org_chart(request, user_id):
    return render(request, "profiles/org_chart.html", selectors.org_chart(viewer=request.user, user_id=user_id))


@require_GET
def org_reports(request, user_id):
    profile = get_object_or_404(Profile.objects.visible_to(request.user), user_id=user_id)
    reports = selectors.reports_of(viewer=request.user, profile=profile)
    return render(request, "profiles/_org_reports.html", {"reports": reports})


@require_POST
def follow(request, user_id):
    followee = get_object_or_404(
        get_user_model().objects.filter(profile__in=Profile.objects.visible_to(request.user)), pk=user_id
    )
    try:
        if request.POST.get("action") == "unfollow":
            services.follow_delete(actor=request.user, followee=followee)
        else:
            services.follow_create(actor=request.user, followee=followee)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    if wants_fragment(request):
        state = selectors.follow_state(viewer=request.user, user_id=user_id)
        return render(request, "profiles/_follow_button.html", {"follow": state, "target_id": user_id})
    return redirect("people:detail", user_id=user_id)


def _follow_list(request, user_id, list_selector, title):
    profile = selectors.profile_get(viewer=request.user, user_id=user_id)
    page = list_selector(viewer=request.user, user_id=user_id, cursor=request.GET.get("after"))
    context = {
        "profile": profile,
        "page": page,
        "title": title,
        "next_query": urlencode({"after": page.next_cursor or ""}),
    }
    template = "profiles/_people_items.html" if wants_fragment(request) else "profiles/follow_list.html"
    return render(request, template, context)


@require_GET
def followers(request, user_id):
    return _follow_list(request, user_id, selectors.followers_list, _("Followers"))


@require_GET
def following(request, user_id):
    return _follow_list(request, user_id, selectors.following_list, pgettext("people someone follows", "Following"))


def edit(request, user_id=None):
    if user_id is None:
        services.profile_create_for(user=request.user)
    user_id = user_id or request.user.pk
    profile = selectors.profile_get(viewer=request.user, user_id=user_id)
    try:
        editable = services.editable_fields(actor=request.user, profile=profile)
    except PermissionDenied as error:
        raise Http404 from error
    form_kwargs = {"instance": profile, "editable": editable, "sources": services.directory_owned(profile)}
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, **form_kwargs)
        if form.is_valid():
            try:
                services.profile_update(
                    actor=request.user,
                    profile=profile,
                    changes=form.changes(editable),
                    skills=form.skill_names(),
                    **form.avatar_changes(),
                )
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    for field, field_errors in error.error_dict.items():
                        form.add_error(field if field in form.fields else None, field_errors)
                else:
                    form.add_error("avatar", error)
            else:
                if profile.user_id == request.user.pk:  # dates show in one's zone from now on
                    timezones.remember(request, form.cleaned_data.get("time_zone") or "")
                messages.success(request, _("Profile saved."))
                return redirect("people:detail", user_id=user_id)
    else:
        form = ProfileForm(**form_kwargs)
    return render(request, "profiles/edit.html", {"form": form, "profile": profile})


@require_POST
def time_zone(request):
    """The browser's proposal of its zone (static/js/timezone.js): it becomes the profile's
    if the profile has none; the session remembers the profile's either way."""
    try:
        zone = timezones.propose(user=request.user, zone=request.POST.get("time_zone", "")[:64])
    except ValueError:
        return HttpResponseBadRequest(_("Unknown time zone."))
    timezones.remember(request, zone)
    return JsonResponse({"time_zone": zone})


@require_POST
def set_active(request, user_id, active):
    user = get_object_or_404(
        get_user_model().objects.filter(profile__in=Profile.objects.visible_to(request.user)), pk=user_id
    )
    try:
        services.user_set_active(actor=request.user, user=user, active=active)
    except PermissionDenied as error:
        raise Http404 from error
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        name = user.get_full_name() or user.email
        messages.success(
            request,
            (_("%(name)s can sign in again.") if active else _("%(name)s has been deactivated.")) % {"name": name},
        )
    return redirect("people:detail", user_id=user_id)


@require_GET
def avatar(request, user_id, size):
    if size not in AVATAR_SIZES:
        raise Http404
    profile = get_object_or_404(Profile.objects.visible_to(request.user), user_id=user_id)
    name = profile.avatar.get(str(size))
    if not name:
        raise Http404
    from django.core.files.storage import default_storage

    response = FileResponse(default_storage.open(name), content_type="image/webp")
    response["Cache-Control"] = "private, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    return response


class _Echo:
    def write(self, value):
        return value


EXPORT_COLUMNS = [
    ("name", _("Name")),
    ("email", _("E-mail")),
    ("job_title", _("Job title")),
    ("department", _("Department")),
    ("team", _("Team")),
    ("location", _("Office")),
    ("phone_work", _("Work phone")),
    ("phone_mobile", _("Mobile phone")),
    ("manager", _("Manager")),
    ("skills", _("Expertise")),
    ("birthday", _("Birthday")),
]


def _cell(value) -> str:
    """Spreadsheets run a cell that starts with = + - @ as a formula: what people typed is text."""
    text = str(value or "")
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _export_row(profile):
    values = {
        "name": profile.name,
        "email": profile.user.email,
        "manager": profile.manager.name if profile.manager_id else "",
        "skills": ", ".join(skill.name for skill in profile.skills.all()),
        "birthday": profile.birthday.isoformat() if profile.birthday else "",
    }
    return [_export_cell(key, values.get(key, getattr(profile, key, ""))) for key, _label in EXPORT_COLUMNS]


def _export_cell(key: str, value) -> str:
    # A phone number made of digits and + ( ) - . only is left as written ("+33 1 ...");
    # any other, such as one the directory sync copied from an entry its owner may edit,
    # is escaped like every other cell.
    if key.startswith("phone_") and services.PHONE.match(str(value or "")):
        return str(value)
    return _cell(value)


@require_GET
def export(request):
    writer = csv.writer(_Echo())
    rows = selectors.profiles_for_export(viewer=request.user)

    def lines():
        yield writer.writerow([str(label) for _key, label in EXPORT_COLUMNS])
        for profile in rows:
            yield writer.writerow(_export_row(profile))

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="directory.csv"'
    return response

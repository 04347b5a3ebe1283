"""The welcome steps a new person sees on their first visits to the home page, which loads
them lazily (hx-get, hx-trigger="load", hx-swap="outerHTML"): a photo and a job title,
colleagues to follow, communities to join (reads: apps/pages/onboarding.py).

GET answers an empty body when there is nothing to show: one query for someone whose
welcome is over. POST sets a step aside (step=profile|colleagues|communities, or all) and
answers with what is left of the panel (htmx) or sends back to the home page."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from apps.core.htmx import vary_on_htmx, wants_fragment
from apps.pages import onboarding
from apps.profiles.services import WELCOME_OVER, welcome_dismiss


@require_http_methods(["GET", "POST"])
def welcome_steps(request):
    if request.method == "POST":
        try:
            welcome_dismiss(user=request.user, step=request.POST.get("step", ""))
        except ValidationError:
            return HttpResponseBadRequest()
        if not wants_fragment(request):
            return redirect("home")
    return vary_on_htmx(_panel(request))


def _panel(request) -> HttpResponse:
    status = onboarding.welcome_status(viewer=request.user)
    if status.over:
        return HttpResponse("")
    if not status.steps:  # everything done or set aside: over for good
        welcome_dismiss(user=request.user, step=WELCOME_OVER)
        return HttpResponse("")
    profile = status.profile
    context = {
        "steps": status.steps,
        "needs_photo": not profile.avatar.get("256"),
        "needs_job_title": not profile.job_title.strip(),
        "colleagues": (onboarding.colleague_suggestions(viewer=request.user) if "colleagues" in status.steps else []),
        "communities": (onboarding.community_suggestions(viewer=request.user) if "communities" in status.steps else []),
    }
    return render(request, "pages/_welcome.html", context)

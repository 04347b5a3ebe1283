"""The composer: what it offers where (also on the community page, apps/pages), posting,
the preview and the @mention autocomplete."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.communities.models import Community
from apps.communities.selectors import community_get
from apps.core.htmx import wants_fragment
from apps.feeds import selectors, services
from apps.feeds.forms import ComposerForm
from apps.feeds.views.common import error_text, id_or_404, safe_next
from apps.files import attachments


def composer_context(request, *, community: Community | None, form: ComposerForm | None = None) -> dict:
    rights = selectors.composer_rights(viewer=request.user, community=community)
    if form is None:
        form = ComposerForm(can_announce=rights["announce"], initial={"community": community.slug if community else ""})
    return {
        "composer": form,
        "composer_community": community,
        "composer_rights": rights,
        "attachment_limits": attachments.limits(),
    }


def _composer_community(request) -> Community | None:
    slug = request.POST.get("community", "")
    return community_get(viewer=request.user, slug=slug) if slug else None


@require_POST
def post_create(request):
    community = _composer_community(request)
    rights = selectors.composer_rights(viewer=request.user, community=community)
    form = ComposerForm(request.POST, request.FILES, can_announce=rights["announce"])
    post = None
    if form.is_valid():
        try:
            post = services.post_create(
                actor=request.user, community=community, uploads=request.FILES.getlist("files"), **form.service_kwargs()
            )
        except (ValidationError, PermissionDenied) as error:
            if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
                for field_name, errors in error.error_dict.items():
                    form.add_error(field_name if field_name in form.fields else None, errors)
            else:
                form.add_error(None, error_text(error))
    default_next = reverse("communities:detail", args=[community.slug]) if community else reverse("home")
    if post is None:
        if request.FILES:
            form.add_error(None, _("Your files were not kept: please attach them again."))
        context = composer_context(request, community=community, form=form)
        if wants_fragment(request):
            response = render(request, "feeds/_composer.html", context)
            response["HX-Retarget"] = "#composer"
            response["HX-Reswap"] = "outerHTML"
            return response
        return render(request, "feeds/compose_error.html", {**context, "next": default_next}, status=400)
    if wants_fragment(request):
        context = composer_context(request, community=community)
        context["new_post"] = selectors.post_get(viewer=request.user, post_id=post.pk)
        return render(request, "feeds/_composer_done.html", context)
    messages.success(request, _("Posted."))
    return HttpResponseRedirect(safe_next(request, default_next))


@require_POST
def post_preview(request):
    html, _mentioned, _tags = services.posts.render_body(request.POST.get("body", "")[: services.posts.MAX_BODY])
    return render(request, "feeds/_preview.html", {"html": html})


@require_GET
def mentions(request):
    """Autocomplete: only people who may read what is being written."""
    community = None
    if request.GET.get("post"):
        post = selectors.post_get(viewer=request.user, post_id=id_or_404(request.GET["post"]))
        community = post.community
    elif request.GET.get("community"):
        community = community_get(viewer=request.user, slug=request.GET["community"])
    people = selectors.mention_candidates(
        viewer=request.user, query=request.GET.get("q", "")[:100], community=community
    )
    return render(request, "feeds/_mentions.html", {"people": people})

"""Reacting to a post or a comment, and who reacted."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.core.htmx import wants_fragment
from apps.core.reactions import ReactionKind
from apps.feeds import selectors, services
from apps.feeds.views.common import error_text, safe_next


def _react(request, *, post=None, comment=None):
    """Set, change or remove the viewer's reaction; a refusal (archived community, banned)
    is said where the reactions are, not swallowed by an error status htmx ignores."""
    kind = request.POST.get("kind") or None
    if kind is not None and kind not in ReactionKind.values:
        return HttpResponse(_("Unknown reaction."), status=400)
    error = None
    try:
        services.reaction_set(actor=request.user, post=post, comment=comment, kind=kind)
    except (ValidationError, PermissionDenied) as problem:
        error = error_text(problem) if isinstance(problem, ValidationError) else _("You cannot react here.")
    back = reverse("feeds:post", args=[comment.post_id if comment else post.pk])
    if not wants_fragment(request):
        if error:
            messages.error(request, error)
        return HttpResponseRedirect(safe_next(request, back))
    if comment is not None:
        item = selectors.comment_card(viewer=request.user, comment_id=comment.pk)
        url = reverse("feeds:comment_react", args=[comment.pk])
        return render(request, "feeds/_reactions.html", {"item": item, "react_url": url, "small": True, "error": error})
    item = selectors.post_get(viewer=request.user, post_id=post.pk)
    url = reverse("feeds:react", args=[post.pk])
    return render(request, "feeds/_reactions.html", {"item": item, "react_url": url, "error": error})


@require_POST
def post_react(request, post_id):
    return _react(request, post=selectors.post_get(viewer=request.user, post_id=post_id))


@require_GET
def post_reactions(request, post_id):
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    reactions = selectors.reactors(viewer=request.user, post=post)
    return render(request, "feeds/reactions.html", {"post": post, "reactions": reactions})


@require_POST
def comment_react(request, comment_id):
    return _react(request, comment=selectors.comment_get(viewer=request.user, comment_id=comment_id))


@require_GET
def comment_reactions(request, comment_id):
    comment = selectors.comment_get(viewer=request.user, comment_id=comment_id)
    reactions = selectors.reactors(viewer=request.user, comment=comment)
    return render(request, "feeds/reactions.html", {"post": comment.post, "comment": comment, "reactions": reactions})

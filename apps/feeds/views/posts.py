"""One post and what its card's menu and buttons do: its page, edit, delete and restore, edit
history, pin, bookmark, poll vote, best answer and share. A post the viewer may not read,
or may not act on, is a 404."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.communities.selectors import community_get
from apps.core.htmx import wants_fragment
from apps.feeds import rules, selectors, services
from apps.feeds.forms import CommentForm, EditPostForm, ShareForm
from apps.feeds.models import Kind
from apps.feeds.views.common import error_text, feed_url_of, id_or_404, safe_next


@require_GET
def post_detail(request, post_id):
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    comments = selectors.comments_page(viewer=request.user, post=post, cursor=request.GET.get("after"))
    return render(
        request,
        "feeds/post_detail.html",
        {"post": post, "comments": comments, "comment_form": CommentForm(), "expanded": True},
    )


@require_http_methods(["GET", "POST"])
def post_edit(request, post_id):
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    if not post.can["edit"]:
        raise Http404
    form = EditPostForm(request.POST or None, initial={"body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(actor=request.user, post=post, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error(
                "body", error.message_dict.get("body", error.messages) if hasattr(error, "error_dict") else error
            )
        else:
            messages.success(request, _("Post updated."))
            return redirect("feeds:post", post_id=post.pk)
    return render(request, "feeds/post_edit.html", {"post": post, "form": form})


@require_POST
def post_delete(request, post_id):
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    if not post.can["delete"]:
        raise Http404
    services.post_delete(actor=request.user, post=post)
    messages.success(request, _("Post deleted."))
    if wants_fragment(request):
        return HttpResponse("")
    return HttpResponseRedirect(safe_next(request, feed_url_of(post)))


@require_POST
def post_restore(request, post_id):
    post = selectors.post_for_moderation(viewer=request.user, post_id=post_id)
    try:
        services.post_restore(actor=request.user, post=post)
    except PermissionDenied as error:
        raise Http404 from error
    messages.success(request, _("Post restored."))
    return HttpResponseRedirect(safe_next(request, reverse("feeds:post", args=[post.pk])))


@require_GET
def post_history(request, post_id):
    post = selectors.post_for_moderation(viewer=request.user, post_id=post_id)
    return render(request, "feeds/post_history.html", {"post": post, "revisions": selectors.revisions_of(post=post)})


@require_POST
def post_pin(request, post_id):
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    if not post.can["pin"]:
        raise Http404
    pinned = request.POST.get("pinned") == "1"
    try:
        services.post_pin(actor=request.user, post=post, pinned=pinned)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("Pinned to the top.") if pinned else _("Unpinned."))
    return HttpResponseRedirect(safe_next(request, feed_url_of(post)))


@require_POST
def post_bookmark(request, post_id):
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    post.bookmarked = services.bookmark_set(actor=request.user, post=post, saved=request.POST.get("saved") == "1")
    if wants_fragment(request):
        return render(request, "feeds/_bookmark.html", {"post": post})
    return HttpResponseRedirect(safe_next(request, reverse("feeds:post", args=[post.pk])))


@require_POST
def post_vote(request, post_id):
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    try:
        option_ids = [int(value) for value in request.POST.getlist("option")]
    except ValueError:
        option_ids = [0]
    error = None
    try:
        services.poll_vote(actor=request.user, post=post, option_ids=option_ids)
    except ValidationError as problem:
        error = error_text(problem)
    except PermissionDenied as problem:
        raise Http404 from problem
    if wants_fragment(request):
        post = selectors.post_get(viewer=request.user, post_id=post_id)
        return render(request, "feeds/_poll.html", {"post": post, "poll_error": error})
    if error:
        messages.error(request, error)
    return HttpResponseRedirect(safe_next(request, reverse("feeds:post", args=[post.pk])))


@require_POST
def post_best_answer(request, post_id):
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    if not post.can["best_answer"]:
        raise Http404
    comment = None
    if request.POST.get("comment"):
        comment = selectors.comment_get(viewer=request.user, comment_id=id_or_404(request.POST["comment"]))
    try:
        services.best_answer_set(actor=request.user, post=post, comment=comment)
    except ValidationError as error:
        messages.error(request, error_text(error))
    if wants_fragment(request):
        post = selectors.post_get(viewer=request.user, post_id=post_id)
        comments = selectors.comments_page(viewer=request.user, post=post)
        return render(
            request,
            "feeds/_comments.html",
            {"post": post, "comments": comments, "comment_form": CommentForm(), "card_changed": True},
        )
    return HttpResponseRedirect(safe_next(request, reverse("feeds:post", args=[post.pk])))


def _share_targets(request, post) -> list[tuple[str, str]]:
    original = post.shared_original if post.kind == Kind.SHARE else post
    if rules.shares_stay_inside(original.community):
        return [(original.community.slug, original.community.name)]
    targets = [("", _("All company (from my profile)"))]
    targets += [(c.slug, c.name) for c in selectors.postable_communities(viewer=request.user)]
    return targets


@require_http_methods(["GET", "POST"])
def post_share(request, post_id):
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    if post.kind == Kind.SHARE and post.shared_original is None:
        raise Http404  # sharing a share shares its original, which this viewer may not read
    form = ShareForm(request.POST or None, targets=_share_targets(request, post))
    if request.method == "POST" and form.is_valid():
        slug = form.cleaned_data["community"]
        target = community_get(viewer=request.user, slug=slug) if slug else None
        try:
            share = services.post_create(
                actor=request.user, community=target, kind=Kind.SHARE, body=form.cleaned_data["body"], shared_post=post
            )
        except (ValidationError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(request, _("Shared."))
            return redirect("feeds:post", post_id=share.pk)
    return render(request, "feeds/post_share.html", {"post": post, "form": form})

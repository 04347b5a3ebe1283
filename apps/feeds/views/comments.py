"""A post's comments: the thread (and writing in it), editing and deleting one."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.core.htmx import wants_fragment
from apps.feeds import rules, selectors, services
from apps.feeds.forms import CommentForm
from apps.feeds.views.common import error_text, id_or_404


@require_http_methods(["GET", "POST"])
def post_comments(request, post_id):
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    form = CommentForm()
    card_changed = False
    if request.method == "POST":
        form = CommentForm(request.POST)
        parent = None
        if request.POST.get("parent"):
            parent = selectors.comment_get(viewer=request.user, comment_id=id_or_404(request.POST["parent"]))
        if form.is_valid():
            try:
                services.comment_create(actor=request.user, post=post, body=form.cleaned_data["body"], parent=parent)
            except (ValidationError, PermissionDenied) as error:
                form.add_error("body", error_text(error))
            else:
                form = CommentForm()
                post = selectors.post_get(viewer=request.user, post_id=post_id)
                card_changed = True
        if not wants_fragment(request):
            if form.errors:
                messages.error(request, " ".join(form.errors.get("body", [])))
            return redirect("feeds:post", post_id=post.pk)
    comments = selectors.comments_page(viewer=request.user, post=post, cursor=request.GET.get("after"))
    template = "feeds/_comment_items.html" if request.GET.get("after") else "feeds/_comments.html"
    context = {"post": post, "comments": comments, "comment_form": form, "card_changed": card_changed}
    return render(request, template, context)


@require_http_methods(["GET", "POST"])
def comment_edit(request, comment_id):
    comment = selectors.comment_get(viewer=request.user, comment_id=comment_id)
    if not rules.can_edit(request.user, comment):
        raise Http404
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(actor=request.user, comment=comment, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", error_text(error))
        else:
            return redirect(reverse("feeds:post", args=[comment.post_id]) + f"#comment-{comment.pk}")
    return render(request, "feeds/comment_edit.html", {"comment": comment, "form": form})


@require_POST
def comment_delete(request, comment_id):
    comment = selectors.comment_get(viewer=request.user, comment_id=comment_id)
    try:
        services.comment_delete(actor=request.user, comment=comment)
    except PermissionDenied as error:
        raise Http404 from error
    if wants_fragment(request):
        return HttpResponse("")
    messages.success(request, _("Comment deleted."))
    return redirect("feeds:post", post_id=comment.post_id)

"""Feeds, posts, comments, reactions, attachments: parse, call a service or selector, render.
A post or comment the viewer may not read is a 404, never a 403."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.communities.models import Community, Visibility
from apps.communities.selectors import community_get
from apps.core.htmx import vary_on_htmx, wants_fragment
from apps.core.reactions import ReactionKind
from apps.feeds import selectors, services
from apps.feeds.forms import CommentForm, ComposerForm, EditPostForm, ShareForm
from apps.feeds.models import Attachment, Kind
from apps.files import attachments
from apps.files.serving import attached_file_response
from apps.profiles.selectors import profile_get


def _error_text(error) -> str:
    return " ".join(getattr(error, "messages", None) or [str(error) or _("You cannot do that here.")])


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _feed_of(post) -> str:
    return reverse("communities:detail", args=[post.community.slug]) if post.community else reverse("home")


def _feed_page(request, page, *, template: str, context: dict, more_url: str, composer: bool = False):
    """The whole page (with the company-wide composer if `composer`), or (htmx, infinite
    scroll) the next items only."""
    context = {**context, "page": page, "more_url": more_url}
    if wants_fragment(request) and request.GET.get("after"):
        return vary_on_htmx(render(request, "feeds/_page.html", context))
    if composer:
        context.update(composer_context(request, community=None))
    return vary_on_htmx(render(request, template, context))


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


@require_GET
def home(request):
    page = selectors.home_feed(viewer=request.user, cursor=request.GET.get("after"))
    context = {"feed_title": _("Home"), "tab": "home"}
    return _feed_page(
        request, page, template="feeds/home.html", context=context, more_url=reverse("home"), composer=True
    )


@require_GET
def company(request):
    page = selectors.company_feed(viewer=request.user, cursor=request.GET.get("after"))
    context = {"feed_title": _("All company"), "tab": "company"}
    more_url = reverse("feeds:company")
    return _feed_page(request, page, template="feeds/home.html", context=context, more_url=more_url, composer=True)


@require_GET
def bookmarks(request):
    page = selectors.bookmark_feed(viewer=request.user, cursor=request.GET.get("after"))
    context = {"feed_title": _("Bookmarks"), "tab": "bookmarks"}
    return _feed_page(request, page, template="feeds/home.html", context=context, more_url=reverse("feeds:bookmarks"))


@require_GET
def deleted(request):
    slug = request.GET.get("community", "")
    community = community_get(viewer=request.user, slug=slug) if slug else None
    page = selectors.deleted_feed(viewer=request.user, community=community, cursor=request.GET.get("after"))
    return render(request, "feeds/deleted.html", {"page": page, "community": community})


@require_GET
def hashtag(request, name):
    tag = selectors.hashtag_get(viewer=request.user, name=name)
    page = selectors.hashtag_feed(viewer=request.user, hashtag=tag, cursor=request.GET.get("after"))
    context = {
        "hashtag": tag,
        "spelling": selectors.hashtag_spelling(viewer=request.user, hashtag=tag),
        "followed": selectors.hashtag_followed(viewer=request.user, hashtag=tag),
    }
    return _feed_page(
        request,
        page,
        template="feeds/hashtag.html",
        context=context,
        more_url=reverse("feeds:hashtag", args=[tag.name]),
    )


@require_POST
def hashtag_follow(request, name):
    tag = selectors.hashtag_get(viewer=request.user, name=name)
    followed = services.hashtag_follow_set(actor=request.user, hashtag=tag, followed=request.POST.get("follow") == "1")
    if wants_fragment(request):
        return render(request, "feeds/_hashtag_follow.html", {"hashtag": tag, "followed": followed})
    return redirect("feeds:hashtag", name=tag.name)


@require_GET
def community_feed(request, slug):
    community = community_get(viewer=request.user, slug=slug)
    if not (wants_fragment(request) and request.GET.get("after")):
        # Without htmx the community page itself shows the page asked for.
        query = f"?{urlencode({'after': request.GET['after']})}" if request.GET.get("after") else ""
        return HttpResponseRedirect(reverse("communities:detail", args=[community.slug]) + query)
    page = selectors.community_feed(viewer=request.user, community=community, cursor=request.GET.get("after"))
    more_url = reverse("feeds:community", args=[community.slug])
    return vary_on_htmx(render(request, "feeds/_page.html", {"page": page, "more_url": more_url}))


@require_GET
def profile_feed(request, user_id):
    profile = profile_get(viewer=request.user, user_id=user_id)
    praise = request.GET.get("show") == "praise"
    select = selectors.praise_feed if praise else selectors.profile_feed
    page = select(viewer=request.user, user_id=profile.user_id, cursor=request.GET.get("after"))
    more_url = reverse("feeds:profile", args=[profile.user_id]) + ("?show=praise" if praise else "")
    context = {"profile": profile, "show": "praise" if praise else "posts"}
    return _feed_page(request, page, template="feeds/profile_posts.html", context=context, more_url=more_url)


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
                form.add_error(None, _error_text(error))
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
    return HttpResponseRedirect(_safe_next(request, default_next))


@require_POST
def post_preview(request):
    html, _mentioned, _tags = services.posts.render_body(request.POST.get("body", "")[: services.posts.MAX_BODY])
    return render(request, "feeds/_preview.html", {"html": html})


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
    return HttpResponseRedirect(_safe_next(request, _feed_of(post)))


@require_POST
def post_restore(request, post_id):
    post = selectors.post_for_moderation(viewer=request.user, post_id=post_id)
    try:
        services.post_restore(actor=request.user, post=post)
    except PermissionDenied as error:
        raise Http404 from error
    messages.success(request, _("Post restored."))
    return HttpResponseRedirect(_safe_next(request, reverse("feeds:post", args=[post.pk])))


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
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Pinned to the top.") if pinned else _("Unpinned."))
    return HttpResponseRedirect(_safe_next(request, _feed_of(post)))


@require_POST
def post_bookmark(request, post_id):
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    post.bookmarked = services.bookmark_set(actor=request.user, post=post, saved=request.POST.get("saved") == "1")
    if wants_fragment(request):
        return render(request, "feeds/_bookmark.html", {"post": post})
    return HttpResponseRedirect(_safe_next(request, reverse("feeds:post", args=[post.pk])))


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
        error = _error_text(problem) if isinstance(problem, ValidationError) else _("You cannot react here.")
    back = reverse("feeds:post", args=[comment.post_id if comment else post.pk])
    if not wants_fragment(request):
        if error:
            messages.error(request, error)
        return HttpResponseRedirect(_safe_next(request, back))
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
        error = _error_text(problem)
    except PermissionDenied as problem:
        raise Http404 from problem
    if wants_fragment(request):
        post = selectors.post_get(viewer=request.user, post_id=post_id)
        return render(request, "feeds/_poll.html", {"post": post, "poll_error": error})
    if error:
        messages.error(request, error)
    return HttpResponseRedirect(_safe_next(request, reverse("feeds:post", args=[post.pk])))


@require_POST
def post_best_answer(request, post_id):
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    if not post.can["best_answer"]:
        raise Http404
    comment = None
    if request.POST.get("comment"):
        comment = selectors.comment_get(viewer=request.user, comment_id=_int(request.POST["comment"]))
    try:
        services.best_answer_set(actor=request.user, post=post, comment=comment)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    if wants_fragment(request):
        post = selectors.post_get(viewer=request.user, post_id=post_id)
        comments = selectors.comments_page(viewer=request.user, post=post)
        return render(
            request,
            "feeds/_comments.html",
            {"post": post, "comments": comments, "comment_form": CommentForm(), "card_changed": True},
        )
    return HttpResponseRedirect(_safe_next(request, reverse("feeds:post", args=[post.pk])))


def _share_targets(request, post) -> list[tuple[str, str]]:
    original = post.shared_original if post.kind == Kind.SHARE else post
    if original.community is not None and original.community.visibility == Visibility.PRIVATE:
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
            form.add_error(None, _error_text(error))
        else:
            messages.success(request, _("Shared."))
            return redirect("feeds:post", post_id=share.pk)
    return render(request, "feeds/post_share.html", {"post": post, "form": form})


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise Http404 from error


@require_http_methods(["GET", "POST"])
def post_comments(request, post_id):
    post = selectors.post_get(viewer=request.user, post_id=post_id)
    form = CommentForm()
    card_changed = False
    if request.method == "POST":
        form = CommentForm(request.POST)
        parent = None
        if request.POST.get("parent"):
            parent = selectors.comment_get(viewer=request.user, comment_id=_int(request.POST["parent"]))
        if form.is_valid():
            try:
                services.comment_create(actor=request.user, post=post, body=form.cleaned_data["body"], parent=parent)
            except (ValidationError, PermissionDenied) as error:
                form.add_error("body", _error_text(error))
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
    if comment.author_id != request.user.pk:
        raise Http404
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_update(actor=request.user, comment=comment, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error("body", _error_text(error))
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


@require_POST
def comment_react(request, comment_id):
    return _react(request, comment=selectors.comment_get(viewer=request.user, comment_id=comment_id))


@require_GET
def comment_reactions(request, comment_id):
    comment = selectors.comment_get(viewer=request.user, comment_id=comment_id)
    reactions = selectors.reactors(viewer=request.user, comment=comment)
    return render(request, "feeds/reactions.html", {"post": comment.post, "comment": comment, "reactions": reactions})


def _attachment(request, attachment_id) -> Attachment:
    # Checked on every request: losing access to the post loses access to its files.
    return get_object_or_404(Attachment.objects.visible_to(request.user), pk=attachment_id)


@require_GET
def attachment_download(request, attachment_id, name=None):
    return attached_file_response(request, _attachment(request, attachment_id), tag="a")


@require_GET
def attachment_thumbnail(request, attachment_id):
    return attached_file_response(request, _attachment(request, attachment_id), tag="a", thumbnail=True)


@require_GET
def mentions(request):
    """Autocomplete: only people who may read what is being written."""
    community = None
    if request.GET.get("post"):
        post = selectors.post_get(viewer=request.user, post_id=_int(request.GET["post"]))
        community = post.community
    elif request.GET.get("community"):
        community = community_get(viewer=request.user, slug=request.GET["community"])
    people = selectors.mention_candidates(
        viewer=request.user, query=request.GET.get("q", "")[:100], community=community
    )
    return render(request, "feeds/_mentions.html", {"people": people})

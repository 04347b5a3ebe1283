"""The feeds' pages: home and all company (with the composer), bookmarks, a hashtag's, the
deleted posts a moderator may restore, and the next pages of a community's or a person's
feed (their first page is on the community or profile page, apps/pages)."""

from urllib.parse import urlencode

from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from apps.communities.selectors import community_get
from apps.core.htmx import vary_on_htmx, wants_fragment
from apps.feeds import selectors, services
from apps.feeds.views.composer import composer_context
from apps.profiles.selectors import profile_get


def _feed_page(request, page, *, template: str, context: dict, more_url: str, composer: bool = False):
    """The whole page (with the company-wide composer if `composer`), or (htmx, infinite
    scroll) the next items only."""
    context = {**context, "page": page, "more_url": more_url}
    if wants_fragment(request) and request.GET.get("after"):
        return vary_on_htmx(render(request, "feeds/_page.html", context))
    if composer:
        context.update(composer_context(request, community=None))
    return vary_on_htmx(render(request, template, context))


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

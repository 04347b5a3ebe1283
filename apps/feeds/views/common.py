"""What the feeds' views share: how a refusal reads, where to go back to, and ids from a form."""

from django.http import Http404
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def error_text(error) -> str:
    return " ".join(getattr(error, "messages", None) or [str(error) or _("You cannot do that here.")])


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def feed_url_of(post) -> str:
    """The feed a post was published in: its community's page, or home."""
    return reverse("communities:detail", args=[post.community.slug]) if post.community else reverse("home")


def id_or_404(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise Http404 from error

import contextlib
import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from apps.core.htmx import vary_on_htmx, wants_fragment
from apps.notifications import selectors, services
from apps.notifications.emails import read_unsubscribe_token
from apps.notifications.forms import PreferencesForm
from apps.notifications.models import Kind

MENU_SIZE = 8
# The list's filters, in the order of the tabs (selectors.FILTERS decides what each shows),
# and what each says when it has nothing.
FILTERS = [
    (
        "",
        gettext_lazy("All"),
        gettext_lazy(
            "Nothing yet: you will find here what concerns you (mentions, comments on your posts, invitations…)."
        ),
    ),
    ("unread", gettext_lazy("Unread"), gettext_lazy("You're all caught up: nothing unread.")),
    ("mentions", gettext_lazy("Mentions"), gettext_lazy("No mentions yet: when someone mentions you, it shows here.")),
    (
        "comments",
        gettext_lazy("Comments and replies"),
        gettext_lazy("No comments on your posts or replies to your comments yet."),
    ),
    ("reactions", gettext_lazy("Reactions"), gettext_lazy("No reactions to your posts or comments yet.")),
    ("communities", gettext_lazy("Communities"), gettext_lazy("No community invitations, requests or approvals yet.")),
    ("praise", gettext_lazy("Praise"), gettext_lazy("No praise yet: when a colleague praises you, it shows here.")),
    ("announcements", gettext_lazy("Announcements"), gettext_lazy("No announcements in your communities yet.")),
]


@require_GET
def index(request):
    show = selectors.list_filter(request.GET.get("show"))
    page = selectors.notification_list(viewer=request.user, cursor=request.GET.get("after"), show=show)
    context = {
        "page": page,
        "unread": selectors.unread_count(viewer=request.user),
        "show": show,
        "filters": FILTERS,
        "empty": next(empty for value, _label, empty in FILTERS if value == show),
    }
    if wants_fragment(request) and request.GET.get("after"):
        return vary_on_htmx(render(request, "notifications/_items.html", context))
    return vary_on_htmx(render(request, "notifications/index.html", context))


@require_GET
def count(request):
    return JsonResponse({"unread": selectors.unread_count(viewer=request.user)})


@require_GET
def menu(request):
    """The top bar's drop-down (loaded when it opens): the latest notifications."""
    return _menu(request)


def _menu(request, *, after_read_all=False):
    context = {
        # The button pressed is gone: focus goes to the next thing one may want.
        "after_read_all": after_read_all,
        "items": selectors.notification_list(viewer=request.user, limit=MENU_SIZE).items,
        "unread": selectors.unread_count(viewer=request.user),
    }
    return render(request, "notifications/_menu.html", context)


@require_POST
def open_notification(request, notification_id):
    """Mark it read and go where it leads (a 404 if its subject is no longer readable)."""
    notification = selectors.notification_get(viewer=request.user, notification_id=notification_id)
    services.notification_read(actor=request.user, notification=notification)
    return HttpResponseRedirect(selectors.describe([notification])[notification.pk]["url"])


@require_POST
def read_all(request):
    services.notifications_read_all(actor=request.user)
    if wants_fragment(request) and request.POST.get("from") == "menu":
        # The drop-down shows itself again, all read; the bell hears it at once, socket or not.
        response = _menu(request, after_read_all=True)
        response["HX-Trigger"] = json.dumps({"live:notification.read": {"unread": 0}})
        return response
    if wants_fragment(request):
        return index(request)
    return redirect("notifications:index")


@require_http_methods(["GET", "POST"])
def settings_view(request):
    current = selectors.preferences_of(user=request.user)
    form = PreferencesForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_set(actor=request.user, channels=form.channels())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:settings")
    return render(request, "notifications/settings.html", {"form": form})


@csrf_exempt  # the signed token is the credential: mail programs post it (RFC 8058) without a session
@login_not_required
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """Stop the e-mails of one kind from the link in one of them, signed in or not. A GET
    asks first (mail scanners open links); the POST does it."""
    found = read_unsubscribe_token(token)
    user = get_user_model().objects.filter(pk=found[0], is_active=True).first() if found else None
    if user is None:
        raise Http404
    kind = Kind(found[1])
    done = False
    if request.method == "POST":
        services.unsubscribe(user=user, kind=kind)
        done = True
    return render(request, "notifications/unsubscribe.html", {"kind": kind, "done": done, "email": user.email})


@login_not_required
def language(request):
    """Django's set_language, remembering the choice for the signed-in person's e-mails."""
    response = set_language(request)
    chosen = request.POST.get("language")
    if request.method == "POST" and request.user.is_authenticated and chosen:
        with contextlib.suppress(ValidationError):  # set_language has ignored it too
            services.email_language_set(user=request.user, language=chosen)
    return response

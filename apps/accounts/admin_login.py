from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.urls import reverse


@login_not_required
def admin_login(request, extra_context=None):
    """The admin's login page: allauth's for visitors; for signed-in non-staff a 404,
    so that the admin neither shows its own password form nor confirms anything."""
    if request.user.is_authenticated:
        raise Http404
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))

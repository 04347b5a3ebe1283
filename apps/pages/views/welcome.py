"""The welcome steps a new person sees on their first visits (to be written)."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def welcome_steps(request):
    return HttpResponse("")

"""The shell's parts loaded after the page (htmx, hx-trigger="load"): the left navigation's
communities and the right rail. They are fetched once the page is shown, so that a page's
own render runs the queries it ran before the shell existed."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET


@require_GET
def my_communities(request):
    return HttpResponse("")


@require_GET
def rail(request):
    return HttpResponse("")


@require_GET
def suggest(request):
    return HttpResponse("")

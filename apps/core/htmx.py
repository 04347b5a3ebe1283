"""htmx requests: fragments for htmx, whole pages for everyone else."""

from django.utils.cache import patch_vary_headers


def wants_fragment(request) -> bool:
    """An htmx request that will swap a part of the page. A history restore (back button
    after hx-push-url) replaces the whole page, so it gets the whole page."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def vary_on_htmx(response):
    """One URL answers with a page or a fragment: caches must keep them apart."""
    patch_vary_headers(response, ["HX-Request"])
    return response

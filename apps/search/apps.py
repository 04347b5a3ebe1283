from django.apps import AppConfig


class SearchConfig(AppConfig):
    """One search box over posts, comments, people, communities, files and one's own
    messages (docs/architecture.md, "Search"). It sits above every app whose content it
    finds, reads them through their own `visible_to`, and none of them imports it."""

    name = "apps.search"
    label = "search"

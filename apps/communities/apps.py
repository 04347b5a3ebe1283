from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "apps.communities"
    label = "communities"

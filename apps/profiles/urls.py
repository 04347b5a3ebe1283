from django.urls import path
from django.utils.translation import gettext_lazy as _

from apps.core.views import placeholder_view

app_name = "people"

urlpatterns = [
    path("", placeholder_view(_("People")), name="index"),
    path("me/", placeholder_view(_("My profile")), name="me"),
]

from django.urls import path
from django.utils.translation import gettext_lazy as _

from apps.core.views import placeholder_view

app_name = "messaging"

urlpatterns = [
    path("", placeholder_view(_("Messages")), name="index"),
]

"""The URL namespaces that mix an app's own pages with a page composed here.

`communities:detail` and `people:detail` are served by apps.pages.views, the rest of each
namespace by the app itself. A namespace can be included only once, so each is put together
here and config/urls.py includes the result where it included the app's urls before.

Each composed page is added after the app's own patterns: "<slug:slug>/" would otherwise
take "new/", and no other pattern of either app matches a single path segment that these
could, so every path resolves as it did when the page was in the app's urls.
"""

from django.urls import path

from apps.communities import urls as communities_urls
from apps.pages import views
from apps.pages.views import branding, shell, welcome
from apps.profiles import urls as profiles_urls

communities = (
    [*communities_urls.urlpatterns, path("<slug:slug>/", views.community_detail, name="detail")],
    communities_urls.app_name,
)

people = (
    [*profiles_urls.urlpatterns, path("<int:user_id>/", views.profile_detail, name="detail")],
    profiles_urls.app_name,
)

# The shell's lazily loaded parts and the welcome steps, at the root (config/urls.py).
urlpatterns = [
    path("shell/communities/", shell.my_communities, name="shell_communities"),
    path("shell/rail/", shell.rail, name="shell_rail"),
    path("welcome/", welcome.welcome_steps, name="welcome"),
    path("branding.css", branding.stylesheet, name="branding_css"),
    path("branding/logo", branding.logo, name="branding_logo"),
]

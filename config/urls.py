from django.contrib import admin
from django.urls import include, path

from apps.accounts.admin_login import admin_login
from apps.core import views as core_views
from apps.feeds import views as feed_views
from apps.notifications import views as notification_views
from apps.pages import urls as page_urls

# The admin signs in through allauth (password, MFA, SSO, rate limits), never its own form.
admin.site.login = admin_login
admin.site.site_header = admin.site.site_title = "Enterprise Social"
# The admin's side list of every model repeats its home page; on a phone it pushed the page aside.
admin.site.enable_nav_sidebar = False

urlpatterns = [
    path("", feed_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/setlang/", notification_views.language, name="set_language"),
    path("accounts/", include("apps.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    # Each app's own pages plus the page composed in apps.pages, under the app's namespace.
    path("people/", include(page_urls.people)),
    path("communities/", include(page_urls.communities)),
    path("messages/", include("apps.messaging.urls")),
    path("notifications/", include("apps.notifications.urls")),
    path("contacts/", include("apps.directory.urls")),
    path("search/", include("apps.search.urls")),
    path("", include("apps.pages.urls")),
    path("", include("apps.feeds.urls")),
]

# Styled, and without the database: a 503 when the database is unreachable (apps/core/unavailable.py).
handler500 = core_views.server_error
# Pages in the site's layout (apps/core/errors.py); a 404 never says whether the thing exists.
handler400 = core_views.bad_request
handler403 = core_views.permission_denied
handler404 = core_views.page_not_found

# No route serves MEDIA_ROOT: every uploaded file goes through a view that checks who asks.

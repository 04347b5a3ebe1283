from django.urls import path

from apps.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.index, name="index"),
    path("count/", views.count, name="count"),
    path("menu/", views.menu, name="menu"),
    path("read-all/", views.read_all, name="read_all"),
    path("settings/", views.settings_view, name="settings"),
    path("<int:notification_id>/open/", views.open_notification, name="open"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]

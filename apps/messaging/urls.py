from django.urls import path

from apps.messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("with/<int:user_id>/", views.direct, name="direct"),
    path("list/", views.conversation_list, name="list"),
    path("unread/", views.unread, name="unread"),
    path("search/", views.search, name="search"),
    path("<int:conversation_id>/", views.conversation, name="conversation"),
    path("<int:conversation_id>/history/", views.history, name="history"),
    path("<int:conversation_id>/send/", views.send, name="send"),
    path("<int:conversation_id>/read/", views.read, name="read"),
    path("<int:conversation_id>/settings/", views.settings_view, name="settings"),
    path("m/<int:message_id>/", views.message, name="message"),
    path("m/<int:message_id>/edit/", views.message_edit, name="message_edit"),
    path("m/<int:message_id>/delete/", views.message_delete, name="message_delete"),
    path("m/<int:message_id>/react/", views.message_react, name="message_react"),
    path("files/<int:attachment_id>/thumbnail/", views.attachment_thumbnail, name="attachment_thumbnail"),
    path("files/<int:attachment_id>/<str:name>", views.attachment, name="attachment"),
]

from django.urls import path

from apps.directory import views

app_name = "contacts"

urlpatterns = [
    path("", views.contacts, name="index"),
    path("import/", views.contacts_import, name="import_file"),
    path("import/exchange/", views.contacts_import_exchange, name="import_exchange"),
    path("imports/<int:import_id>/", views.contacts_import_status, name="import"),
    path("<int:contact_id>/delete/", views.contact_delete, name="delete"),
    path("delete-all/", views.contacts_delete_all, name="delete_all"),
]

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("caseloads/", views.caseloads, name="caseloads"),
    path("exits/", views.exits, name="exits"),
    path("contacts/", views.contacts, name="contacts"),
    path("key-figures/", views.key_figures, name="key_figures"),
    path("capacity/", views.capacity, name="capacity"),
    path("trials/<int:trial_id>/", views.trial, name="trial"),
]

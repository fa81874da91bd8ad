from django.urls import path

from . import api_views

app_name = "reports-api"

urlpatterns = [
    path("caseloads/", api_views.CaseloadsView.as_view(), name="caseloads"),
    path("queue-waiting/", api_views.QueueWaitingView.as_view(), name="queue_waiting"),
    path("exits/", api_views.ExitsView.as_view(), name="exits"),
    path("time-to-exit/", api_views.TimeToExitView.as_view(), name="time_to_exit"),
    path("contacts/", api_views.ContactsView.as_view(), name="contacts"),
    path("key-figures/", api_views.KeyFiguresView.as_view(), name="key_figures"),
    path("capacity/", api_views.CapacityView.as_view(), name="capacity"),
    path("trials/", api_views.TrialListView.as_view(), name="trials"),
    path("trials/<int:trial_id>/", api_views.TrialReportView.as_view(), name="trial"),
]

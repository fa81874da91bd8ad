from django.urls import path

from .views import calendar, cases, casework, day, home, pages, teams

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),  # a caseworker's day; a leader's team(s); an admin's overview
    path("caseload/", home.caseload, name="caseload"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/address/", calendar.calendar_feed_new, name="calendar_feed_new"),
    path("calendar/address/revoke/", calendar.calendar_feed_delete, name="calendar_feed_delete"),
    # No login: the secret in the address is the credential (casework.calendar_feed).
    path("calendar/feed/<str:token>.ics", calendar.calendar_feed, name="calendar_feed"),
    path("settings/e-mail/", day.email_settings, name="email_settings"),
    path("teams/", home.teams, name="teams"),
    path("teams/<int:team_id>/", teams.team_board, name="team"),
    path(
        "teams/<int:team_id>/caseworkers/<int:caseworker_id>/toggle/",
        teams.caseworker_toggle,
        name="caseworker_toggle",
    ),
    path("teams/<int:team_id>/rebalance/", teams.rebalance_preview, name="rebalance_preview"),
    path("teams/<int:team_id>/rebalance/apply/", teams.rebalance_apply, name="rebalance_apply"),
    path("cases/<int:case_id>/", cases.case_detail, name="case"),
    path("cases/<int:case_id>/close/", cases.case_close, name="case_close"),
    path("cases/<int:case_id>/reveal-cpr/", cases.case_reveal_cpr, name="case_reveal_cpr"),
    path("cases/<int:case_id>/reassign/", cases.case_reassign, name="case_reassign"),
    path("cases/<int:case_id>/complexity/", cases.case_set_complexity, name="case_set_complexity"),
    path("cases/<int:case_id>/journal/", casework.journal_write, name="journal_write"),
    path("cases/<int:case_id>/journal/<int:entry_id>/correct/", casework.journal_correct, name="journal_correct"),
    path("cases/<int:case_id>/meetings/", casework.meeting_book, name="meeting_book"),
    path("meetings/<int:meeting_id>/status/", casework.meeting_status, name="meeting_status"),
    # Readable without logging in, like the login page that links to it.
    path("tilgaengelighed/", pages.accessibility, name="accessibility"),
]

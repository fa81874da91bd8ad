from django.urls import path

from .views import cases, home, pages, teams

app_name = "web"

urlpatterns = [
    path("", home.home, name="home"),
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
    # Readable without logging in, like the login page that links to it.
    path("tilgaengelighed/", pages.accessibility, name="accessibility"),
]

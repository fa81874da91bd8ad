"""The pages as each role sees them: landing, need to know, contents, access log, languages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from allocation import services
from allocation.models import Alert, AlertKind, CaseloadSnapshot
from allocation.tests.factories import open_case
from cases.models import CaseStatus, CitizenAccess
from staff.tests.factories import TeamFactory

from .conftest import give_cases, make_user

pytestmark = pytest.mark.django_db


# --- Landing after login -----------------------------------------------------------------


def test_login_page_is_styled_and_in_danish(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'lang="da"' in response.text
    assert "Log ind" in response.text
    assert 'href="#main"' in response.text  # the skip link


def test_caseworker_lands_on_their_day(client, office):
    response = client.post(reverse("login"), {"username": "anna", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:home")
    assert response.templates[0].name == "web/my_day.html"
    assert reverse("web:caseload") in response.text


def test_leader_of_one_team_lands_on_its_board(client, office):
    response = client.post(reverse("login"), {"username": "leader", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("web:team", args=[office.team.pk])
    assert response.status_code == 200


def test_leader_of_two_teams_sees_their_teams(client, office):
    office.other_team.leaders.add(office.leader)
    client.force_login(office.leader)
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    assert response.templates[0].name == "web/teams.html"
    assert "Team Nord" in response.text and "Team Syd" in response.text


def test_admin_lands_on_an_overview_of_teams_with_a_link_to_admin(client, office):
    response = client.post(reverse("login"), {"username": "admin", "password": "pw"}, follow=True)
    assert response.templates[0].name == "web/teams.html"
    assert 'href="/admin/"' in response.text
    assert "Team Nord" in response.text and "Team Syd" in response.text


def test_user_without_a_role_is_told_so(client, db):
    client.force_login(make_user())
    response = client.get(reverse("web:home"))
    assert response.templates[0].name == "web/no_role.html"


@pytest.mark.parametrize(
    "name,args",
    [("web:home", []), ("web:teams", []), ("web:team", [1]), ("web:case", [1])],
)
def test_every_page_needs_a_login(client, db, name, args):
    url = reverse(name, args=args)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logout_is_a_post(client, office):
    client.force_login(office.anna.user)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("web:home")).status_code == 302


def test_password_change_page_is_ours(client, office):
    client.force_login(office.anna.user)
    response = client.get(reverse("password_change"))
    assert response.status_code == 200
    assert response.templates[0].name == "registration/password_change_form.html"
    response = client.post(
        reverse("password_change"),
        {"old_password": "pw", "new_password1": "Sagsstamme-2025!", "new_password2": "Sagsstamme-2025!"},
    )
    assert response.status_code == 302
    assert client.login(username="anna", password="Sagsstamme-2025!")


# --- My caseload -------------------------------------------------------------------------


def test_caseload_shows_count_against_cap_and_masked_cpr_only(client, office):
    cases = give_cases(office.anna, 3)
    client.force_login(office.anna.user)
    response = client.get(reverse("web:caseload"))
    text = response.text
    assert "3 / 45" in text
    for case in cases:
        citizen = case.citizen
        assert citizen.name in text
        assert citizen.cpr_masked in text
        assert citizen.cpr not in text
        assert reverse("web:case", args=[case.pk]) in text
    assert 'data-level="ok"' in text


@pytest.mark.parametrize(
    "count,cap_override,level,label",
    [(1, 10, "ok", "Within cap"), (9, 10, "near", "Near cap"), (10, 10, "near", "At cap"), (3, 2, "over", "Over cap")],
)
def test_caseload_bar_says_its_level_in_words(client, office, count, cap_override, level, label):
    give_cases(office.anna, count)
    if cap_override < count:
        services.caseworker_update(caseworker=office.anna, cap_override=cap_override)
    else:
        services.caseworker_update(caseworker=office.anna, cap_override=cap_override)
    client.force_login(office.anna.user)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("web:caseload"))
    assert f'data-level="{level}"' in response.text
    assert label in response.text
    assert f"{count} / {cap_override}" in response.text


def test_caseload_search_and_sort(client, office):
    cases = give_cases(office.anna, 3)
    names = sorted(c.citizen.name for c in cases)
    client.force_login(office.anna.user)
    # sorted by name, both ways
    ascending = client.get(reverse("web:caseload"), {"sort": "name"}).text
    assert ascending.index(names[0]) < ascending.index(names[2])
    descending = client.get(reverse("web:caseload"), {"sort": "-name"}).text
    assert descending.index(names[2]) < descending.index(names[0])
    # search narrows by name, and by a full CPR number
    found = client.post(reverse("web:caseload"), {"q": names[1]}).text
    assert names[1] in found and names[0] not in found
    target = cases[0].citizen
    by_cpr = client.post(reverse("web:caseload"), {"q": target.cpr}).text  # posted: never in a URL
    assert target.name in by_cpr and sum(c.citizen.name in by_cpr for c in cases) == 1


def test_caseload_sorts_by_days_open(client, office):
    old, new = give_cases(office.anna, 2)
    from cases.models import Case

    Case.objects.filter(pk=old.pk).update(opened_at=timezone.now() - datetime.timedelta(days=40))
    client.force_login(office.anna.user)
    text = client.get(reverse("web:caseload"), {"sort": "-days"}).text
    assert text.index(old.citizen.name) < text.index(new.citizen.name)
    assert ">40<" in text


def test_bad_sort_or_page_is_no_error(client, office):
    give_cases(office.anna, 1)
    client.force_login(office.anna.user)
    for params in ({"sort": "citizen__cpr"}, {"page": "x"}, {"page": "99"}, {"q": "x" * 500}):
        assert client.get(reverse("web:caseload"), params).status_code == 200


def test_htmx_search_returns_only_the_results(client, office):
    cases = give_cases(office.anna, 2)
    client.force_login(office.anna.user)
    response = client.post(
        reverse("web:caseload"),
        {"q": cases[0].citizen.name},
        headers={"HX-Request": "true", "HX-Target": "caseload-results"},
    )
    assert response.templates[0].name == "web/partials/caseload_results.html"
    assert "<html" not in response.text
    assert cases[0].citizen.name in response.text and cases[1].citizen.name not in response.text
    assert 'hx-swap-oob="true"' in response.text


def test_caseload_records_the_listed_citizens(client, office):
    cases = give_cases(office.anna, 2)
    client.force_login(office.anna.user)
    client.get(reverse("web:caseload"))
    listed = CitizenAccess.objects.filter(user=office.anna.user, action="list", route="/caseload/")
    assert sorted(listed.values_list("citizen_id", flat=True)) == sorted(c.citizen_id for c in cases)
    client.post(reverse("web:caseload"), {"q": cases[0].citizen.name})
    searched = CitizenAccess.objects.filter(user=office.anna.user, action="search")
    assert list(searched.values_list("citizen_id", flat=True)) == [cases[0].citizen_id]


def test_leader_with_a_caseload_sees_it_and_a_link_to_their_team(client, office):
    office.team.leaders.add(office.anna.user)
    client.force_login(office.anna.user)
    for page, template in (("web:home", "web/my_day.html"), ("web:caseload", "web/caseload.html")):
        response = client.get(reverse(page))
        assert response.templates[0].name == template
        assert reverse("web:team", args=[office.team.pk]) in response.text


# --- The case page -----------------------------------------------------------------------


def test_case_page_shows_citizen_case_and_history(client, office):
    (case,) = give_cases(office.anna, 1)
    services.case_reassign(case=case, caseworker=office.bo, reason="Anna går på barsel", by=office.leader)
    client.force_login(office.leader)
    response = client.get(reverse("web:case", args=[case.pk]))
    text = response.text
    assert response.status_code == 200
    assert case.citizen.name in text and case.citizen.cpr_masked in text and case.citizen.cpr not in text
    assert "Anna Andersen" in text and "Bo Bertelsen" in text
    assert "Anna går på barsel" in text
    assert "Lene Leder" in text  # who moved it


def test_case_page_records_the_view(client, office):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.anna.user)
    client.get(reverse("web:case", args=[case.pk]))
    access = CitizenAccess.objects.get(user=office.anna.user, action="view")
    assert access.citizen_id == case.citizen_id
    assert access.route == reverse("web:case", args=[case.pk])


def test_caseworker_cannot_open_a_colleagues_case(client, office):
    (case,) = give_cases(office.bo, 1)
    client.force_login(office.anna.user)
    assert client.get(reverse("web:case", args=[case.pk])).status_code == 404
    assert client.get(reverse("web:case", args=[999999])).status_code == 404
    assert not CitizenAccess.objects.exists()


def test_leader_cannot_open_a_case_of_another_team(client, office):
    (case,) = give_cases(office.stranger, 1)
    client.force_login(office.leader)
    assert client.get(reverse("web:case", args=[case.pk])).status_code == 404


def test_caseworker_sees_close_but_not_reassign(client, office):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.anna.user)
    text = client.get(reverse("web:case", args=[case.pk])).text
    assert reverse("web:case_close", args=[case.pk]) in text
    assert reverse("web:case_reassign", args=[case.pk]) not in text


def test_reassign_form_shows_unavailable_caseworkers_disabled_with_reason(client, office):
    from staff.tests.factories import CaseworkerFactory

    (case,) = give_cases(office.anna, 1)
    full = CaseworkerFactory(full_name="Fie Fuld", team=office.team, cap_override=0)
    services.caseworker_update(caseworker=office.bo, status="on_leave")
    client.force_login(office.leader)
    client.cookies["django_language"] = "en"
    text = client.get(reverse("web:case", args=[case.pk])).text
    assert f'<option value="{full.pk}" disabled>Fie Fuld (0 / 0) – full</option>' in text
    assert f'<option value="{office.bo.pk}" disabled>Bo Bertelsen (0 / 45) – on leave</option>' in text
    assert f'<option value="{office.anna.pk}"' not in text  # the holder
    assert "Sif Sørensen" not in text  # another team


def test_queued_case_is_visible_to_the_pool_leader(client, office):
    for worker in (office.anna, office.bo, office.stranger):
        services.caseworker_update(caseworker=worker, accepting_new_cases=False)
    case = open_case(team=office.team)
    assert case.status == CaseStatus.QUEUED
    client.force_login(office.leader)
    text = client.get(reverse("web:case", args=[case.pk])).text
    assert reverse("web:case_reassign", args=[case.pk]) in text


# --- The team board ----------------------------------------------------------------------


def test_team_board_shows_caseworkers_totals_queue_and_alerts(client, office):
    give_cases(office.anna, 2)
    services.caseworker_update(caseworker=office.bo, status="on_leave")
    Alert.objects.create(kind=AlertKind.TEAM_OVER_CAPACITY, team=office.team, message="Holdet er over kapaciteten")
    Alert.objects.create(
        kind=AlertKind.QUEUE_WAITING, team=office.team, message="Løst", subject="x", resolved_at=timezone.now()
    )
    client.force_login(office.leader)
    client.cookies["django_language"] = "en"
    response = client.get(reverse("web:team", args=[office.team.pk]))
    text = response.text
    assert response.status_code == 200
    assert "Anna Andersen" in text and "Bo Bertelsen" in text and "Sif Sørensen" not in text
    assert "2 / 45" in text  # Anna
    assert "2 / 45" in text.split('data-testid="team-figure"')[1][:200]  # team: Bo on leave is no capacity
    assert "On leave" in text
    assert "Holdet er over kapaciteten" in text and "Løst" not in text
    assert "Preview the moves" in text


def test_team_board_lists_the_queue_oldest_first_and_logs_it(client, office):
    for worker in (office.anna, office.bo, office.stranger):
        services.caseworker_update(caseworker=worker, accepting_new_cases=False)
    first, second = open_case(team=office.team), open_case(team=office.team)
    from cases.models import Case

    Case.objects.filter(pk=first.pk).update(queued_at=timezone.now() - datetime.timedelta(days=3))
    client.force_login(office.leader)
    text = client.get(reverse("web:team", args=[office.team.pk])).text
    assert text.index(first.citizen.name) < text.index(second.citizen.name)
    logged = set(CitizenAccess.objects.filter(action="list").values_list("citizen_id", flat=True))
    assert logged == {first.citizen_id, second.citizen_id}


def test_caseworker_cannot_reach_any_team_board(client, office):
    client.force_login(office.anna.user)
    assert client.get(reverse("web:team", args=[office.team.pk])).status_code == 404
    assert client.get(reverse("web:team", args=[office.other_team.pk])).status_code == 404
    assert client.get(reverse("web:rebalance_preview", args=[office.team.pk])).status_code == 404


def test_leader_sees_only_their_teams(client, office):
    client.force_login(office.leader)
    assert client.get(reverse("web:team", args=[office.other_team.pk])).status_code == 404
    text = client.get(reverse("web:teams")).text
    assert "Team Nord" in text and "Team Syd" not in text


def test_trend_chart_draws_snapshots_of_the_last_90_days(client, office):
    today = timezone.localdate()
    for days_ago, open_cases in ((100, 99), (30, 10), (1, 20)):
        CaseloadSnapshot.objects.create(
            date=today - datetime.timedelta(days=days_ago), team=office.team, open_cases=open_cases, cap=90
        )
    CaseloadSnapshot.objects.create(date=today, team=office.team, caseworker=office.anna, open_cases=77, cap=45)
    client.force_login(office.leader)
    text = client.get(reverse("web:team", args=[office.team.pk])).text
    assert '<svg class="chart"' in text
    assert "chart-line--open" in text and "chart-line--capacity" in text
    chart = text.split('<svg class="chart"')[1].split("</svg>")[0]
    assert chart.count(",") >= 4  # two points per line, plain decimal points
    assert ">99<" not in text and ">77<" not in text  # outside the window; a caseworker row


def test_trend_chart_has_an_empty_state(client, office):
    client.force_login(office.leader)
    text = client.get(reverse("web:team", args=[office.team.pk])).text
    assert 'data-testid="trend-empty"' in text


def test_admin_sees_every_board(client, office):
    client.force_login(office.admin)
    assert client.get(reverse("web:team", args=[office.other_team.pk])).status_code == 200
    other = TeamFactory()
    assert client.get(reverse("web:team", args=[other.pk])).status_code == 200


# --- Languages ---------------------------------------------------------------------------


def test_danish_by_default_and_english_by_the_switch(client, office):
    client.force_login(office.anna.user)
    danish = client.get(reverse("web:home"))
    assert 'lang="da"' in danish.text
    assert "Min sagsstamme" in danish.text
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    english = client.get(reverse("web:home"))
    assert 'lang="en"' in english.text
    assert "My caseload" in english.text
    client.post(reverse("set_language"), {"language": "da", "next": "/"})
    assert "Min sagsstamme" in client.get(reverse("web:home")).text

"""What leaders and caseworkers do on the pages: close, reassign, toggles, rebalance."""

import pytest
from django.urls import reverse

from allocation import services
from allocation.models import CaseAssignment
from cases.models import Case, CaseStatus
from staff.models import Caseworker, CaseworkerStatus

from .conftest import give_cases

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "board"}


def _english(client):
    client.cookies["django_language"] = "en"


# --- Close -------------------------------------------------------------------------------


def test_holder_closes_their_case_with_an_outcome(client, office):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.anna.user)
    response = client.post(reverse("web:case_close", args=[case.pk]), {"outcome": "job"}, follow=True)
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.outcome == "job" and case.closed_by == office.anna.user
    assert Caseworker.objects.get(pk=office.anna.pk).open_cases == 0
    assert response.status_code == 200
    assert reverse("web:case_close", args=[case.pk]) not in response.text  # nothing left to close


def test_close_without_an_outcome_is_a_form_error(client, office):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.anna.user)
    for data in ({}, {"outcome": "won_the_lottery"}):
        response = client.post(reverse("web:case_close", args=[case.pk]), data)
        assert response.status_code == 400
        assert "errorlist" in response.text
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN


def test_a_closed_case_cannot_be_closed_again(client, office):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.leader)
    _english(client)
    client.post(reverse("web:case_close", args=[case.pk]), {"outcome": "job"})
    response = client.post(reverse("web:case_close", args=[case.pk]), {"outcome": "job"})
    assert response.status_code == 403  # a closed case offers no close any more


def test_others_cannot_close(client, office):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.bo.user)
    assert client.post(reverse("web:case_close", args=[case.pk]), {"outcome": "job"}).status_code == 404
    client.force_login(office.stranger.user)
    assert client.post(reverse("web:case_close", args=[case.pk]), {"outcome": "job"}).status_code == 404
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN


def test_close_is_post_only(client, office):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.anna.user)
    assert client.get(reverse("web:case_close", args=[case.pk])).status_code == 405


# --- Reassign ----------------------------------------------------------------------------


def test_leader_reassigns_within_the_team_with_a_reason(client, office):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.leader)
    _english(client)
    response = client.post(
        reverse("web:case_reassign", args=[case.pk]), {"caseworker": office.bo.pk, "reason": "Ferie"}, follow=True
    )
    case.refresh_from_db()
    assert case.caseworker_id == office.bo.pk
    last = CaseAssignment.objects.filter(case=case).order_by("-assigned_at", "-id").first()
    assert (last.caseworker_id, last.note, last.by) == (office.bo.pk, "Ferie", office.leader)
    assert "The case now belongs to Bo Bertelsen." in response.text


def test_reassign_to_a_full_caseworker_is_a_message(client, office):
    (case,) = give_cases(office.anna, 1)
    services.caseworker_update(caseworker=office.bo, cap_override=0)
    client.force_login(office.leader)
    _english(client)
    response = client.post(reverse("web:case_reassign", args=[case.pk]), {"caseworker": office.bo.pk}, follow=True)
    assert response.status_code == 200
    assert "at their cap" in response.text
    assert Case.objects.get(pk=case.pk).caseworker_id == office.anna.pk


def test_reassign_to_a_caseworker_on_leave_is_a_message(client, office):
    (case,) = give_cases(office.anna, 1)
    services.caseworker_update(caseworker=office.bo, status=CaseworkerStatus.ON_LEAVE)
    client.force_login(office.leader)
    _english(client)
    response = client.post(reverse("web:case_reassign", args=[case.pk]), {"caseworker": office.bo.pk}, follow=True)
    assert "is on leave" in response.text
    assert Case.objects.get(pk=case.pk).caseworker_id == office.anna.pk


def test_reassign_outside_the_led_team_is_refused(client, office):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.leader)
    for target in (office.stranger.pk, 999999, "abc", ""):
        response = client.post(reverse("web:case_reassign", args=[case.pk]), {"caseworker": target})
        assert response.status_code == 400
    assert Case.objects.get(pk=case.pk).caseworker_id == office.anna.pk


def test_caseworker_cannot_reassign(client, office):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.anna.user)
    response = client.post(reverse("web:case_reassign", args=[case.pk]), {"caseworker": office.bo.pk})
    assert response.status_code == 403


# --- Toggles -----------------------------------------------------------------------------


def test_leader_sets_a_caseworker_on_leave_through_htmx(client, office):
    client.force_login(office.leader)
    _english(client)
    url = reverse("web:caseworker_toggle", args=[office.team.pk, office.bo.pk])
    response = client.post(url, {"status": "on_leave"}, headers=HTMX)
    assert response.status_code == 200
    assert "<html" not in response.text  # a fragment
    assert "Back from leave" in response.text
    assert 'id="messages"' in response.text and 'hx-swap-oob="true"' in response.text
    assert Caseworker.objects.get(pk=office.bo.pk).status == CaseworkerStatus.ON_LEAVE
    client.post(url, {"status": "active"}, headers=HTMX)
    assert Caseworker.objects.get(pk=office.bo.pk).status == CaseworkerStatus.ACTIVE


def test_leader_stops_and_resumes_new_cases_without_htmx(client, office):
    client.force_login(office.leader)
    url = reverse("web:caseworker_toggle", args=[office.team.pk, office.bo.pk])
    response = client.post(url, {"accepting_new_cases": "false"})
    assert response.status_code == 302 and response["Location"] == reverse("web:team", args=[office.team.pk])
    assert Caseworker.objects.get(pk=office.bo.pk).accepting_new_cases is False
    client.post(url, {"accepting_new_cases": "true"})
    assert Caseworker.objects.get(pk=office.bo.pk).accepting_new_cases is True


def test_accepting_again_drains_the_queue(client, office):
    for worker in (office.anna, office.bo, office.stranger):
        services.caseworker_update(caseworker=worker, accepting_new_cases=False)
    from allocation.tests.factories import open_case

    queued = open_case(team=office.team)
    client.force_login(office.leader)
    client.post(
        reverse("web:caseworker_toggle", args=[office.team.pk, office.bo.pk]),
        {"accepting_new_cases": "true"},
        headers=HTMX,
    )
    assert Case.objects.get(pk=queued.pk).caseworker_id == office.bo.pk


@pytest.mark.parametrize(
    "data", [{}, {"status": "retired"}, {"status": "on_leave", "accepting_new_cases": "false"}, {"fte": "0.1"}]
)
def test_bad_toggles_change_nothing(client, office, data):
    client.force_login(office.leader)
    response = client.post(reverse("web:caseworker_toggle", args=[office.team.pk, office.bo.pk]), data, headers=HTMX)
    assert response.status_code == 200
    bo = Caseworker.objects.get(pk=office.bo.pk)
    assert (bo.status, bo.accepting_new_cases, bo.fte) == (office.bo.status, True, office.bo.fte)


def test_toggles_are_for_the_leader_of_that_team_only(client, office):
    client.force_login(office.leader)
    url = reverse("web:caseworker_toggle", args=[office.other_team.pk, office.stranger.pk])
    assert client.post(url, {"status": "on_leave"}).status_code == 404
    # a caseworker of another team through this team's URL
    url = reverse("web:caseworker_toggle", args=[office.team.pk, office.stranger.pk])
    assert client.post(url, {"status": "on_leave"}).status_code == 404
    client.force_login(office.bo.user)
    url = reverse("web:caseworker_toggle", args=[office.team.pk, office.bo.pk])
    assert client.post(url, {"status": "on_leave"}).status_code == 404
    assert Caseworker.objects.filter(status=CaseworkerStatus.ON_LEAVE).count() == 0


# --- Rebalance ---------------------------------------------------------------------------


def _overload_anna(office, *, cases: int = 5, cap: int = 2) -> list[Case]:
    given = give_cases(office.anna, cases)
    services.caseworker_update(caseworker=office.anna, cap_override=cap)
    return given


def test_rebalance_preview_changes_nothing_and_lists_the_moves(client, office):
    given = _overload_anna(office)
    client.force_login(office.leader)
    _english(client)
    response = client.get(
        reverse("web:rebalance_preview", args=[office.team.pk]), headers={"HX-Request": "true", "HX-Target": "x"}
    )
    assert response.status_code == 200
    assert response.templates[0].name == "web/partials/rebalance_preview.html"
    assert "3 cases would move." in response.text
    assert response.text.count("<tr>") == 1 + 3
    moved = given[-3:]  # the most recently assigned
    for case in moved:
        assert case.citizen.name in response.text
    assert "Apply the moves" in response.text
    assert Caseworker.objects.get(pk=office.anna.pk).open_cases == 5


def test_rebalance_preview_without_htmx_is_the_whole_board(client, office):
    _overload_anna(office)
    client.force_login(office.leader)
    response = client.get(reverse("web:rebalance_preview", args=[office.team.pk]))
    assert response.templates[0].name == "web/team.html"
    assert 'id="rebalance-moves"' in response.text


def test_rebalance_apply_through_htmx_updates_the_board(client, office):
    _overload_anna(office)
    client.force_login(office.leader)
    _english(client)
    response = client.post(reverse("web:rebalance_apply", args=[office.team.pk]), headers=HTMX)
    assert response.status_code == 200
    assert response.templates[0].name == "web/partials/team_board_response.html"
    assert "Moved 3 cases." in response.text
    assert Caseworker.objects.get(pk=office.anna.pk).open_cases == 2
    assert Caseworker.objects.get(pk=office.bo.pk).open_cases == 3
    assert "2 / 2" in response.text and "3 / 45" in response.text
    reasons = set(CaseAssignment.objects.filter(by=office.leader).values_list("reason", flat=True))
    assert reasons == {"rebalance"}


def test_rebalance_apply_when_nothing_is_over(client, office):
    client.force_login(office.leader)
    _english(client)
    response = client.post(reverse("web:rebalance_apply", args=[office.team.pk]), follow=True)
    assert "Nothing to move." in response.text


def test_rebalance_says_who_is_still_over_when_there_is_no_room(client, office):
    _overload_anna(office, cases=5, cap=2)
    services.caseworker_update(caseworker=office.bo, cap_override=1)
    client.force_login(office.leader)
    _english(client)
    preview = client.get(reverse("web:rebalance_preview", args=[office.team.pk]), headers=HTMX)
    assert "1 case would move." in preview.text and "still be over their cap" in preview.text
    response = client.post(reverse("web:rebalance_apply", args=[office.team.pk]), headers=HTMX)
    assert "Moved 1 case." in response.text and "still over their cap" in response.text


def test_rebalance_including_caseworkers_on_leave(client, office):
    give_cases(office.anna, 2)
    services.caseworker_update(caseworker=office.anna, status=CaseworkerStatus.ON_LEAVE)
    client.force_login(office.leader)
    _english(client)
    without = client.get(reverse("web:rebalance_preview", args=[office.team.pk]), headers=HTMX)
    assert "Nothing to move" in without.text
    with_leave = client.get(
        reverse("web:rebalance_preview", args=[office.team.pk]), {"include_on_leave": "on"}, headers=HTMX
    )
    assert "2 cases would move." in with_leave.text
    assert 'name="include_on_leave" value="on"' in with_leave.text
    client.post(reverse("web:rebalance_apply", args=[office.team.pk]), {"include_on_leave": "on"}, headers=HTMX)
    assert Caseworker.objects.get(pk=office.bo.pk).open_cases == 2


def test_rebalance_is_for_leaders_only(client, office):
    _overload_anna(office)
    client.force_login(office.anna.user)
    assert client.post(reverse("web:rebalance_apply", args=[office.team.pk]), headers=HTMX).status_code == 404
    client.force_login(office.leader)
    assert client.post(reverse("web:rebalance_apply", args=[office.other_team.pk])).status_code == 404
    assert client.get(reverse("web:rebalance_apply", args=[office.team.pk])).status_code == 405
    assert Caseworker.objects.get(pk=office.anna.pk).open_cases == 5

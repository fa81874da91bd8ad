"""Caseload weight on the pages: the load against the cap (the count beside it only while
weights are in use), each case's complexity, the leader's complexity form, and the new
colleague's reduced cap on the team board; at a fixed number of queries."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from allocation import services
from allocation.tests.factories import open_case
from cases.models import Case
from staff.models import Caseworker, Role
from staff.selectors import weights_in_use
from staff.tests.factories import CaseworkerFactory, TeamFactory
from web.templatetags.web_tags import Load, load_number

from .conftest import give_cases, make_user

pytestmark = pytest.mark.django_db

ROLE = Role.FLERE_SKAL_MED  # the office's caseworkers; cap 45 at full time


def _numbers(text: str) -> list[str]:
    return [re.sub(r"\s+", " ", n).strip() for n in re.findall(r'<span class="load-numbers">(.*?)</span>', text, re.S)]


def _weigh(**weights):
    services.policy_update(role=ROLE, weights={k: Decimal(v) for k, v in weights.items()})


def _very_complex(case):
    return services.case_set_complexity(case=case, complexity="very_complex")


def test_without_weights_the_pages_show_the_count_as_before(client, office):
    give_cases(office.anna, 3)
    assert not weights_in_use()
    client.force_login(office.anna.user)
    for url in (reverse("web:home"), reverse("web:caseload")):
        text = client.get(url).text
        assert _numbers(text) == ["3 / 45"]
        assert "sager)" not in text
        assert "Åbne sager i forhold til mit loft" in text
    client.force_login(office.leader)
    board = client.get(reverse("web:team", args=[office.team.pk])).text
    assert "3 / 90" in _numbers(board) and "3 / 45" in _numbers(board)
    assert "Åbne sager / loft" in board


def test_with_weights_the_pages_show_the_load_and_the_count_beside_it(client, office):
    cases = give_cases(office.anna, 3)
    _weigh(very_complex="1.5")
    _very_complex(cases[0])
    office.anna.refresh_from_db()
    assert office.anna.load == Decimal("3.50")
    client.force_login(office.anna.user)
    for url in (reverse("web:home"), reverse("web:caseload")):
        text = client.get(url).text
        assert _numbers(text) == ["3,5 / 45 (3 sager)"]
        assert '<span class="big">3,5 / 45 (3 sager)</span>' in text
        assert "Min belastning i forhold til mit loft" in text
    client.force_login(office.leader)
    board = client.get(reverse("web:team", args=[office.team.pk])).text
    assert "3,5 / 90 (3 sager)" in _numbers(board)  # the team
    assert "3,5 / 45 (3 sager)" in _numbers(board)  # Anna
    assert "0 / 45 (0 sager)" in _numbers(board)  # Bo
    assert "Belastning / loft (åbne sager)" in board
    client.cookies["django_language"] = "en"
    board = client.get(reverse("web:team", args=[office.team.pk])).text
    assert "3.5 / 45 (3 cases)" in _numbers(board)
    assert "1 / 90 (1 case)" not in board


def test_weights_of_another_role_still_show_the_count_beside(client, office):
    # weights in use anywhere: the pages say load and count, even where they agree
    give_cases(office.anna, 2)
    services.policy_update(role=Role.STANDARD, weights={"simple": Decimal("0.5")})
    client.force_login(office.anna.user)
    assert _numbers(client.get(reverse("web:caseload")).text) == ["2 / 45 (2 sager)"]


def test_the_level_follows_the_load_not_the_count():
    assert Load(40, 45, load_hundredths=4550).level == "over"
    assert Load(40, 45, load_hundredths=4050).level == "near"
    assert Load(40, 45).level == "ok"
    assert Load(2, 2, load_hundredths=200).label == Load(2, 2).label
    with translation.override("da"):
        assert load_number(4250) == "42,5" and load_number(4000) == "40" and load_number(4225) == "42,25"
        assert Load(40, 45, load_hundredths=4250).numbers == "42,5 / 45 (40 sager)"


def test_complexity_is_shown_in_the_caseload_and_on_the_case_page(client, office):
    cases = give_cases(office.anna, 2)
    _very_complex(cases[0])
    client.force_login(office.anna.user)
    caseload = client.get(reverse("web:caseload")).text
    shown = re.findall(r'<td data-testid="complexity">(.*?)</td>', caseload)
    assert sorted(shown) == ["Kompleks", "Meget kompleks"]
    page = client.get(reverse("web:case", args=[cases[0].pk])).text
    assert '<dd data-testid="complexity">Meget kompleks</dd>' in page
    client.cookies["django_language"] = "en"
    page = client.get(reverse("web:case", args=[cases[1].pk])).text
    assert '<dd data-testid="complexity">Complex</dd>' in page


def test_a_leader_sets_the_complexity_on_the_case_page(client, office):
    _weigh(simple="0.5", very_complex="2")
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.leader)
    page = client.get(reverse("web:case", args=[case.pk])).text
    assert 'action="' + reverse("web:case_set_complexity", args=[case.pk]) + '"' in page
    assert "csrfmiddlewaretoken" in page
    response = client.post(reverse("web:case_set_complexity", args=[case.pk]), {"complexity": "simple"}, follow=True)
    assert response.status_code == 200
    case.refresh_from_db()
    office.anna.refresh_from_db()
    assert case.complexity == "simple" and case.weight_hundredths == 50
    assert office.anna.load_hundredths == 50
    assert "Sagen er nu simpel." in response.text
    assert '<dd data-testid="complexity">Simpel</dd>' in response.text


def test_setting_the_complexity_needs_the_right(client, office):
    (case,) = give_cases(office.anna, 1)
    url = reverse("web:case_set_complexity", args=[case.pk])
    client.force_login(office.stranger.user)  # a caseworker of another team: cannot see the case
    assert client.post(url, {"complexity": "simple"}).status_code == 404
    other_leader = make_user(username="other-leader")
    office.other_team.leaders.add(other_leader)
    client.force_login(other_leader)  # leads another team
    assert client.post(url, {"complexity": "simple"}).status_code == 404
    client.force_login(office.leader)
    assert client.post(url, {"complexity": "impossible"}).status_code == 400
    case.refresh_from_db()
    assert case.complexity == "complex"


def test_a_caseworker_without_the_right_is_refused_with_403(client, office, monkeypatch):
    # the rule is its own (access.rules.may_set_complexity): a narrower one refuses with 403
    (case,) = give_cases(office.anna, 1)
    monkeypatch.setattr("web.selectors.may_set_complexity", lambda user, *, case: False)
    client.force_login(office.anna.user)
    page = client.get(reverse("web:case", args=[case.pk])).text
    assert "complexity-form" not in page
    assert client.post(reverse("web:case_set_complexity", args=[case.pk]), {"complexity": "simple"}).status_code == 403


def test_the_form_is_not_offered_on_a_closed_case(client, office):
    (case,) = give_cases(office.anna, 1)
    services.case_close(case=case, outcome=Case._meta.get_field("outcome").choices[0][0], by=office.leader)
    client.force_login(office.leader)
    assert "complexity-form" not in client.get(reverse("web:case", args=[case.pk])).text
    assert client.post(reverse("web:case_set_complexity", args=[case.pk]), {"complexity": "simple"}).status_code == 403


def test_a_heavier_case_that_passes_the_cap_says_so(client, office):
    _weigh(very_complex="2")
    services.caseworker_update(caseworker=office.anna, cap_override=1)
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.leader)
    response = client.post(
        reverse("web:case_set_complexity", args=[case.pk]), {"complexity": "very_complex"}, follow=True
    )
    assert "Over loftet: omfordel teamet for at flytte de nyeste sager." in response.text
    assert Caseworker.objects.get(pk=office.anna.pk).load_hundredths == 200


def test_the_board_explains_a_new_colleagues_reduced_cap(client, office):
    services.policy_update(role=ROLE, new_hire_months=6, new_hire_share=Decimal("0.5"))
    started = timezone.localdate() - datetime.timedelta(days=30)
    services.caseworker_update(caseworker=office.anna, started_on=started)
    services.caseworker_update(caseworker=office.bo, started_on=started - datetime.timedelta(days=400))
    office.anna.refresh_from_db()
    from staff.selectors import new_hire_reduction

    until, share = new_hire_reduction(caseworker=office.anna)
    client.force_login(office.leader)
    board = client.get(reverse("web:team", args=[office.team.pk])).text
    hints = re.findall(r'data-testid="new-hire">(.*?)</span>', board, re.S)
    with translation.override("da"):
        from django.utils.formats import date_format

        day = date_format(until, "DATE_FORMAT")
    assert [re.sub(r"\s+", " ", h).strip() for h in hints] == [f"Ny kollega: 50 % af loftet til {day}"]
    assert office.anna.cap < 45  # about half of it


def _board_queries(client, leader, team) -> int:
    client.force_login(leader)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("web:team", args=[team.pk]))
    assert response.status_code == 200
    return len(queries)


def _weighted_team(size: int):
    leader = make_user()
    team = TeamFactory(leaders=[leader])
    workers = [CaseworkerFactory(team=team, cap_override=3) for _ in range(size)]
    for _ in range(size * 2):
        _very_complex(open_case(team=team))
    for worker in workers[: size // 2]:
        services.caseworker_update(caseworker=worker, started_on=timezone.localdate())
    return leader, team


def test_the_board_costs_the_same_with_weights_and_new_colleagues_for_3_and_30(client):
    leader, team = _weighted_team(3)
    without = _board_queries(client, leader, team)
    _weigh(very_complex="1.5")
    services.policy_update(role=ROLE, new_hire_months=6, new_hire_share=Decimal("0.5"))
    small = _board_queries(client, leader, team)
    leader, team = _weighted_team(30)
    large = _board_queries(client, leader, team)
    assert without == small == large, (without, small, large)
    assert "sager)" in client.get(reverse("web:team", args=[team.pk])).text


@pytest.mark.parametrize("name", ["home", "caseload", "teams"])
def test_weights_in_use_is_read_once_per_request(client, office, name):
    _weigh(very_complex="1.5")
    give_cases(office.anna, 2)
    client.force_login(office.anna.user if name != "teams" else office.admin)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(f"web:{name}")).status_code == 200
    policy_reads = [q for q in queries.captured_queries if 'FROM "staff_caseloadpolicy"' in q["sql"]]
    assert len(policy_reads) == 1, [q["sql"] for q in policy_reads]

"""Caseload weight in the Django admin: policies edit their weights and the new-colleague
reduction through `allocation.services.policy_update`; caseworkers show their load and edit
`started_on` through the services; the lists count over cap by the load."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from allocation import services
from allocation.reconcile import caseload_drift
from allocation.tests.factories import open_case
from staff.admin.common import load_text
from staff.models import CaseloadPolicy, Caseworker, Role, Team
from staff.tests.factories import CaseworkerFactory, TeamFactory
from staff.tests.test_admin import admin_url, english, form_data  # noqa: F401

pytestmark = pytest.mark.django_db

ROLE = Role.FLERE_SKAL_MED  # TeamFactory's unit type


def _policy() -> CaseloadPolicy:
    return CaseloadPolicy.objects.get(role=ROLE)


def test_the_policy_page_edits_the_weights_through_policy_update(admin_client, monkeypatch):
    team = TeamFactory()
    worker = CaseworkerFactory(team=team)
    case = open_case(team=team)
    services.case_set_complexity(case=case, complexity="very_complex")
    calls = []
    real = services.policy_update
    monkeypatch.setattr("staff.admin.policies.services.policy_update", lambda **kw: calls.append(kw) or real(**kw))
    policy = _policy()
    page = admin_client.get(admin_url(CaseloadPolicy, "change", policy.pk))
    data = form_data(page)
    for field in ("weight_simple", "weight_complex", "weight_very_complex", "new_hire_months", "new_hire_share"):
        assert field in data
    data["weight_very_complex"] = "2.5"

    assert admin_client.post(admin_url(CaseloadPolicy, "change", policy.pk), data).status_code == 302

    assert calls == [
        {
            "role": ROLE,
            "cap": None,
            "weights": {"very_complex": Decimal("2.5")},
            "new_hire_months": None,
            "new_hire_share": None,
        }
    ]
    worker.refresh_from_db()
    assert _policy().weight_very_complex == Decimal("2.50")
    assert worker.load_hundredths == 250 and worker.open_cases == 1
    assert caseload_drift() == []


def test_the_policy_page_edits_the_new_colleague_reduction(admin_client):
    team = TeamFactory()
    worker = CaseworkerFactory(team=team)
    services.caseworker_update(caseworker=worker, started_on=timezone.localdate())
    policy = _policy()
    data = form_data(admin_client.get(admin_url(CaseloadPolicy, "change", policy.pk)))
    data.update(new_hire_months="6", new_hire_share="0.5")

    assert admin_client.post(admin_url(CaseloadPolicy, "change", policy.pk), data).status_code == 302

    policy.refresh_from_db()
    worker.refresh_from_db()
    assert (policy.new_hire_months, policy.new_hire_share) == (6, Decimal("0.50"))
    assert worker.cap < policy.cap
    changelist = admin_client.get(admin_url(CaseloadPolicy, "changelist")).content.decode()
    assert "50 % of the cap for the first 6 months" in changelist


@pytest.mark.parametrize("field,value", [("weight_simple", "0"), ("weight_complex", "5.5"), ("new_hire_share", "1.5")])
def test_the_policy_page_refuses_weights_and_shares_out_of_range(admin_client, field, value):
    policy = _policy()
    data = form_data(admin_client.get(admin_url(CaseloadPolicy, "change", policy.pk)))
    data[field] = value
    response = admin_client.post(admin_url(CaseloadPolicy, "change", policy.pk), data)
    assert response.status_code == 200 and field in response.context["adminform"].form.errors
    assert not _policy().weighted and _policy().new_hire_share == 1


def test_over_cap_counts_go_by_the_load(admin_client):
    team = TeamFactory(name="Team Vægt")
    worker = CaseworkerFactory(team=team, cap_override=2, full_name="Vera Vægt")
    for _ in range(2):
        services.case_set_complexity(case=open_case(team=team), complexity="very_complex")
    services.policy_update(role=ROLE, weights={"very_complex": Decimal("1.5")})
    worker.refresh_from_db()
    assert (worker.open_cases, worker.load_hundredths, worker.cap) == (2, 300, 2)  # 2 cases, load 3, cap 2

    policies = admin_client.get(admin_url(CaseloadPolicy, "changelist"))
    row = next(p for p in policies.context["cl"].result_list if p.role == ROLE)
    assert row.over_cap_count == 1

    over = admin_client.get(admin_url(Caseworker, "changelist"), {"over_cap": "yes"})
    assert [c.pk for c in over.context["cl"].result_list] == [worker.pk]
    room = admin_client.get(admin_url(Caseworker, "changelist"), {"over_cap": "room"})
    assert worker.pk not in [c.pk for c in room.context["cl"].result_list]
    assert "3 / 2 (2 cases)" in over.content.decode()

    teams = admin_client.get(admin_url(Team, "changelist"), {"over_limit": "yes"})
    assert team.pk in [t.pk for t in teams.context["cl"].result_list]
    assert "3 / 2 (2 cases)" in teams.content.decode()
    assert "Over limit" in teams.content.decode()


def test_a_weight_change_that_leaves_someone_over_cap_warns(admin_client):
    team = TeamFactory()
    CaseworkerFactory(team=team, cap_override=1)
    services.case_set_complexity(case=open_case(team=team), complexity="very_complex")
    policy = _policy()
    data = form_data(admin_client.get(admin_url(CaseloadPolicy, "change", policy.pk)))
    data["weight_very_complex"] = "2"
    response = admin_client.post(admin_url(CaseloadPolicy, "change", policy.pk), data, follow=True)
    assert "1 caseworker is now over cap" in response.content.decode()


def test_the_caseworker_page_shows_the_load_and_edits_started_on(admin_client, monkeypatch):
    team = TeamFactory()
    worker = CaseworkerFactory(team=team)
    services.caseworker_update(caseworker=worker, started_on=datetime.date(2020, 1, 6))  # long since
    services.case_set_complexity(case=open_case(team=team), complexity="simple")
    services.policy_update(
        role=ROLE, weights={"simple": Decimal("0.5")}, new_hire_months=3, new_hire_share=Decimal("0.5")
    )
    calls = []
    real = services.caseworker_update
    monkeypatch.setattr(
        "staff.admin.caseworkers.services.caseworker_update", lambda **kw: calls.append(kw) or real(**kw)
    )
    page = admin_client.get(admin_url(Caseworker, "change", worker.pk))
    assert "0.5 / 45 (1 case)" in page.content.decode()
    data = form_data(page)
    started = timezone.localdate() - datetime.timedelta(days=10)
    data["started_on"] = started.isoformat()

    response = admin_client.post(admin_url(Caseworker, "change", worker.pk), data, follow=True)

    assert response.status_code == 200
    assert [set(c) - {"caseworker"} for c in calls] == [{"started_on"}]
    worker.refresh_from_db()
    assert worker.started_on == started and worker.cap < 45  # a new colleague's reduced cap
    assert "load 0.5" in response.content.decode()


def test_without_weights_the_admin_shows_the_count_as_before():
    assert load_text(open_cases=5, cap=2, load_hundredths=500) == load_text(open_cases=5, cap=2)
    assert "5 / 2" in load_text(open_cases=5, cap=2) and "case" not in load_text(open_cases=5, cap=2)

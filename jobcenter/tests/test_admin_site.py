"""The admin site as a whole: every model of every app is registered, every page renders
without a full CPR number, records are read-only, and changelists keep their queries.

Each app's admin lives with its models (`staff.admin`, `cases.admin`, `trials.admin`,
`allocation.admin`); these tests walk all of them, as an administrator meets them.
"""

import datetime

import pytest
from django.apps import apps
from django.contrib import admin

from allocation import services
from allocation.models import Alert, AlertKind, CaseAssignment, CaseloadSnapshot
from allocation.reconcile import caseload_drift
from allocation.tests.factories import open_case
from cases.models import Case, Citizen
from cases.tests.test_admin import assert_no_plaintext
from staff.models import CaseloadPolicy, Caseworker, Jobcenter, Role, Team, UnitType
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory
from staff.tests.test_admin import admin_url, assert_constant_queries, english  # noqa: F401
from trials.models import TrialArm

pytestmark = pytest.mark.django_db

# The list; CitizenAccess is the access log (registered read-only in cases.admin).
DOMAIN_MODELS = [Jobcenter, Team, Caseworker, CaseloadPolicy, Citizen, Case, CaseAssignment, Alert, CaseloadSnapshot]
# Arms are edited on their trial's page (an inline), never on their own.
INLINE_ONLY = {TrialArm}


def _world():
    """An open case with its history, a closed one, a queued one, an alert and a snapshot."""
    team = TeamFactory()
    caseworker = CaseworkerFactory(team=team, cap_override=2)
    held = open_case(team=team)
    services.case_close(case=open_case(team=team), outcome="job")
    open_case(jobcenter=team.jobcenter, programme=UnitType.PSYCHIATRIC)  # nobody eligible: queued
    alert = Alert.objects.create(kind=AlertKind.TEAM_OVER_CAPACITY, team=team, message="Team over capacity")
    snapshot = CaseloadSnapshot.objects.create(
        date=datetime.date(2026, 1, 5), team=team, caseworker=caseworker, open_cases=1, cap=2, fte=1
    )
    return {
        Jobcenter: team.jobcenter,
        Team: team,
        Caseworker: caseworker,
        CaseloadPolicy: CaseloadPolicy.objects.get(role=Role.FLERE_SKAL_MED),
        Citizen: held.citizen,
        Case: held,
        CaseAssignment: held.assignments.get(),
        Alert: alert,
        CaseloadSnapshot: snapshot,
    }


# --- Registered and rendering -------------------------------------------------------------


def test_every_domain_model_is_registered():
    for model in DOMAIN_MODELS:
        assert admin.site.is_registered(model), model
    for app in ("staff", "cases", "trials", "allocation"):
        for model in apps.get_app_config(app).get_models():
            if model not in INLINE_ONLY:
                assert admin.site.is_registered(model), model


READ_ONLY = {CaseAssignment, Alert, CaseloadSnapshot}
NO_ADD = READ_ONLY | {CaseloadPolicy}


def test_every_changelist_add_and_change_page_renders(admin_client):
    world = _world()
    citizens = list(Citizen.objects.all())
    for model, obj in world.items():
        changelist = admin_client.get(admin_url(model, "changelist"))
        assert changelist.status_code == 200, model
        add = admin_client.get(admin_url(model, "add"))
        assert add.status_code == (403 if model in NO_ADD else 200), model
        change = admin_client.get(admin_url(model, "change", obj.pk))
        assert change.status_code == 200, model
        for page in (changelist, change):
            assert_no_plaintext(page.content.decode(), *(c.cpr for c in citizens))


# --- Changelists keep a constant number of queries -----------------------------------------


def _grow_caseload(team, *, caseworkers: int, cases: int):
    for _ in range(caseworkers):
        CaseworkerFactory(team=team, cap_override=10)
    for _ in range(cases):
        open_case(team=team)


@pytest.mark.parametrize(
    ("model", "bound"),
    [
        (Caseworker, 10),
        (Case, 13),  # the access layer reads the Viewer once per request
        (CaseAssignment, 9),
        (Alert, 11),
        (CaseloadSnapshot, 10),
        (CaseloadPolicy, 8),
    ],
)
def test_changelist_queries_do_not_grow_with_rows(admin_client, django_assert_max_num_queries, model, bound):
    team = TeamFactory()
    CaseworkerFactory(team=team, cap_override=10)
    first = open_case(team=team)
    Alert.objects.create(
        kind=AlertKind.CASEWORKER_OVER_CAP, team=team, caseworker=first.caseworker, subject="x", message="m"
    )
    CaseloadSnapshot.objects.create(date=datetime.date(2026, 1, 1), team=team, open_cases=1, cap=10)

    def grow():
        # 29 more rows of everything, across other teams and jobcenters
        for i in range(29):
            other = TeamFactory(jobcenter=JobcenterFactory()) if i % 3 else team
            worker = CaseworkerFactory(team=other, cap_override=10, role=Role.TRIAL if i % 2 else None)
            open_case(team=other)
            Alert.objects.create(
                kind=AlertKind.CASEWORKER_OVER_CAP, team=other, caseworker=worker, subject=str(worker.pk), message="m"
            )
            CaseloadSnapshot.objects.create(
                date=datetime.date(2026, 1, 2) + datetime.timedelta(days=i), team=other, open_cases=1, cap=10
            )

    assert_constant_queries(
        admin_client,
        admin_url(model, "changelist"),
        grow=grow,
        bound=bound,
        django_assert_max_num_queries=django_assert_max_num_queries,
    )
    assert caseload_drift() == []

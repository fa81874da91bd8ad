"""Django admin of caseworkers, policies, cases and the records allocation keeps.

Every admin change that carries a rule must go through the services: the counters stay
true (no drift), capacity that appears drains the queue, and caps follow the policy.
"""

import datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.utils import timezone

from allocation import services
from allocation.models import Alert, AlertKind, CaseAssignment, CaseloadSnapshot
from allocation.reconcile import caseload_drift
from allocation.tests.factories import open_case
from cases import cpr as cpr_rules
from cases.models import Case, CaseStatus, Citizen
from cases.tests.factories import CitizenFactory
from cases.tests.test_admin import assert_no_plaintext
from staff.models import CaseloadPolicy, Caseworker, CaseworkerStatus, Jobcenter, Role, Team, UnitType
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory
from staff.tests.test_admin import admin_url, assert_constant_queries, english, form_data  # noqa: F401

pytestmark = pytest.mark.django_db
User = get_user_model()

# The issue's list; CitizenAccess is the access log (registered read-only in cases.admin).
DOMAIN_MODELS = [Jobcenter, Team, Caseworker, CaseloadPolicy, Citizen, Case, CaseAssignment, Alert, CaseloadSnapshot]


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


# Randomised trials came with their own issue; their admin is that issue's to write.
OUTSIDE_THIS_ISSUE = {"trial", "trialarm", "trialenrolment"}


def test_every_domain_model_is_registered():
    for model in DOMAIN_MODELS:
        assert admin.site.is_registered(model), model
    for app in ("staff", "cases", "allocation"):
        for model in apps.get_app_config(app).get_models():
            if model._meta.model_name in OUTSIDE_THIS_ISSUE:
                continue
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


def test_records_the_system_keeps_are_read_only_and_cases_and_policies_are_never_deleted(admin_client):
    world = _world()
    for model in READ_ONLY:
        change = admin_client.get(admin_url(model, "change", world[model].pk))
        assert not change.context["has_change_permission"], model
        assert admin_client.post(admin_url(model, "delete", world[model].pk), {"post": "yes"}).status_code == 403
    for model in (Case, CaseloadPolicy):
        assert admin_client.post(admin_url(model, "delete", world[model].pk), {"post": "yes"}).status_code == 403
    assert Case.objects.filter(pk=world[Case].pk).exists()


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
        (Case, 12),
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


# --- Caseworkers ------------------------------------------------------------------------------


def test_caseworker_created_in_admin_gets_a_login_and_an_effective_cap_and_takes_queued_cases(admin_client):
    team = TeamFactory(unit_type=UnitType.PSYCHIATRIC)
    waiting = open_case(team=team)
    assert waiting.status == CaseStatus.QUEUED
    data = form_data(admin_client.get(admin_url(Caseworker, "add") + f"?team={team.pk}"))
    assert data["team"] == str(team.pk)  # the team page's "add a caseworker" link preselects it
    data.update(
        username="mette",
        full_name="Mette Madsen",
        email="mette@kk.dk",
        password="Lærkevej-2018!",
        role="",
        fte="0.6",
    )

    response = admin_client.post(admin_url(Caseworker, "add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    mette = Caseworker.objects.select_related("user").get(user__username="mette")
    assert mette.user.check_password("Lærkevej-2018!") and mette.user.email == "mette@kk.dk"
    assert (mette.role, mette.cap) == (Role.PSYCHIATRIC, 15)  # floor(25 × 0.6)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.caseworker_id) == (CaseStatus.OPEN, mette.pk)
    assert mette.open_cases == 1 and caseload_drift() == []


def test_caseworker_created_without_password_has_an_unusable_login(admin_client):
    team = TeamFactory()
    data = form_data(admin_client.get(admin_url(Caseworker, "add")))
    data.update(username="lars", full_name="Lars Lund", team=str(team.pk), role=Role.BUSINESS_CONSULTANT, fte="1")

    assert admin_client.post(admin_url(Caseworker, "add"), data).status_code == 302
    lars = Caseworker.objects.get(user__username="lars")
    assert not lars.user.has_usable_password()
    assert (lars.role, lars.cap) == (Role.BUSINESS_CONSULTANT, 50)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"username": "taken"}, "username"),
        ({"username": "TAKEN"}, "username"),
        ({"username": "has space"}, "username"),
        ({"fte": "0"}, "fte"),
        ({"fte": "1.5"}, "fte"),
        ({"fte": "0.333"}, "fte"),
        ({"cap_override": "-1"}, "cap_override"),
        ({"password": "123"}, "password"),
        ({"role": "boss"}, "role"),
    ],
)
def test_caseworker_add_form_refuses_bad_input_without_a_500(admin_client, changes, field):
    CaseworkerFactory(username="taken")
    team = TeamFactory()
    data = form_data(admin_client.get(admin_url(Caseworker, "add")))
    data.update(username="new", full_name="New Person", team=str(team.pk), fte="1")
    data.update(changes)

    response = admin_client.post(admin_url(Caseworker, "add"), data)

    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not User.objects.filter(username="new").exists()


def test_a_username_taken_between_form_and_save_is_a_message_not_a_500(admin_client, monkeypatch):
    CaseworkerFactory(username="taken")
    data = form_data(admin_client.get(admin_url(Caseworker, "add")))
    data.update(username="taken", full_name="Second Comer", team=str(TeamFactory().pk), fte="1")
    monkeypatch.setattr("allocation.admin.CaseworkerAddForm.clean_username", lambda form: form.cleaned_data["username"])

    response = admin_client.post(admin_url(Caseworker, "add"), data, follow=True)

    assert response.status_code == 200
    assert "Nothing was saved" in response.content.decode()
    assert not Caseworker.objects.filter(full_name="Second Comer").exists()


def test_raising_fte_in_admin_drains_the_queue(admin_client):
    team = TeamFactory()
    worker = CaseworkerFactory(team=team, fte=Decimal("0.03"))  # floor(45 × 0.03) = 1
    open_case(team=team)
    waiting = [open_case(team=team) for _ in range(2)]
    assert all(c.status == CaseStatus.QUEUED for c in waiting)
    data = form_data(admin_client.get(admin_url(Caseworker, "change", worker.pk)))
    data["fte"] = "0.07"  # floor(3.15) = 3

    response = admin_client.post(admin_url(Caseworker, "change", worker.pk), data, follow=True)

    assert response.status_code == 200
    worker.refresh_from_db()
    assert (worker.fte, worker.cap, worker.open_cases) == (Decimal("0.07"), 3, 3)
    assert all(Case.objects.get(pk=c.pk).caseworker_id == worker.pk for c in waiting)
    assert caseload_drift() == []
    assert "effective cap 3, 3 open cases" in response.content.decode()


def test_lowering_fte_leaves_cases_and_warns_that_the_caseworker_is_over_cap(admin_client):
    team = TeamFactory()
    worker = CaseworkerFactory(team=team, cap_override=3, full_name="Sanne Sørensen")
    for _ in range(3):
        open_case(team=team)
    data = form_data(admin_client.get(admin_url(Caseworker, "change", worker.pk)))
    data["cap_override"] = "1"

    response = admin_client.post(admin_url(Caseworker, "change", worker.pk), data, follow=True)

    worker.refresh_from_db()
    assert (worker.cap, worker.open_cases) == (1, 3)
    assert "Over cap" in response.content.decode()


def test_admin_cannot_write_the_counters(admin_client):
    team = TeamFactory()
    worker = CaseworkerFactory(team=team, cap_override=5)
    open_case(team=team)
    page = admin_client.get(admin_url(Caseworker, "change", worker.pk))
    assert {"cap", "open_cases", "user"}.isdisjoint(page.context["adminform"].form.fields)
    data = form_data(page)
    data.update(cap="99", open_cases="0", full_name="Renamed", email="new@kk.dk")

    assert admin_client.post(admin_url(Caseworker, "change", worker.pk), data).status_code == 302
    worker.refresh_from_db()
    assert (worker.full_name, worker.user.email, worker.cap, worker.open_cases) == ("Renamed", "new@kk.dk", 5, 1)


def _act(client, action: str, caseworkers) -> None:
    response = client.post(
        admin_url(Caseworker, "changelist"),
        {"action": action, "_selected_action": [c.pk for c in caseworkers]},
    )
    assert response.status_code == 302


def test_leave_and_accept_actions_go_through_the_service(admin_client):
    team = TeamFactory()
    a = CaseworkerFactory(team=team, cap_override=1)
    b = CaseworkerFactory(team=team, cap_override=1)

    _act(admin_client, "send_on_leave", [a, b])
    assert set(Caseworker.objects.values_list("status", flat=True)) == {CaseworkerStatus.ON_LEAVE}
    waiting = open_case(team=team)
    assert waiting.status == CaseStatus.QUEUED

    _act(admin_client, "back_from_leave", [a])  # capacity appears: the queue drains onto a
    waiting.refresh_from_db()
    assert (waiting.status, waiting.caseworker_id) == (CaseStatus.OPEN, a.pk)

    _act(admin_client, "back_from_leave", [b])
    _act(admin_client, "stop_new_cases", [b])
    assert not Caseworker.objects.get(pk=b.pk).accepting_new_cases
    second = open_case(team=team)
    assert second.status == CaseStatus.QUEUED

    _act(admin_client, "resume_new_cases", [b])  # and drains again, onto b
    second.refresh_from_db()
    assert (second.status, second.caseworker_id) == (CaseStatus.OPEN, b.pk)
    assert caseload_drift() == []
    # every change is in the admin's history of the caseworker
    from django.contrib.admin.models import LogEntry

    assert LogEntry.objects.filter(object_id=str(b.pk)).count() == 4


def test_caseworker_who_never_held_a_case_is_deleted_with_the_login_others_are_protected(admin_client):
    team = TeamFactory()
    veteran = CaseworkerFactory(team=team, cap_override=5)
    services.case_close(case=open_case(team=team), outcome="job")  # held once: history refers to them
    newcomer = CaseworkerFactory(team=team, username="newcomer")

    assert admin_client.post(admin_url(Caseworker, "delete", veteran.pk), {"post": "yes"}).status_code == 200
    assert Caseworker.objects.filter(pk=veteran.pk).exists()
    assert admin_client.post(admin_url(Caseworker, "delete", newcomer.pk), {"post": "yes"}).status_code == 302
    assert not Caseworker.objects.filter(pk=newcomer.pk).exists()
    assert not User.objects.filter(username="newcomer").exists()


def test_caseworker_list_filters_and_search(admin_client):
    team = TeamFactory()
    over = CaseworkerFactory(team=team, cap_override=2, full_name="Over Olsen", username="oo")
    open_case(team=team)
    open_case(team=team)
    CaseworkerFactory(team=team, cap_override=5, full_name="Room Rasmussen", username="rr")
    services.caseworker_update(caseworker=over, cap_override=1)

    def names(query):
        response = admin_client.get(admin_url(Caseworker, "changelist"), query)
        assert response.status_code == 200
        return [c.full_name for c in response.context["cl"].result_list]

    assert names({"over_cap": "yes"}) == ["Over Olsen"]
    assert names({"q": "rr"}) == ["Room Rasmussen"]
    assert names({"team__jobcenter__id__exact": team.jobcenter_id, "status__exact": "active"}) == [
        "Over Olsen",
        "Room Rasmussen",
    ]
    assert "1 / 1" not in admin_client.get(admin_url(Caseworker, "changelist")).content.decode()
    assert "2 / 1" in admin_client.get(admin_url(Caseworker, "changelist")).content.decode()


# --- Caseload policies ------------------------------------------------------------------------


def test_lowering_a_policy_cap_in_admin_recomputes_caps(admin_client):
    team = TeamFactory()
    full = CaseworkerFactory(team=team)
    half = CaseworkerFactory(team=team, fte=Decimal("0.5"))
    fixed = CaseworkerFactory(team=team, cap_override=7)
    policy = CaseloadPolicy.objects.get(role=Role.FLERE_SKAL_MED)
    data = form_data(admin_client.get(admin_url(CaseloadPolicy, "change", policy.pk)))
    data["cap"] = "30"

    assert admin_client.post(admin_url(CaseloadPolicy, "change", policy.pk), data).status_code == 302

    caps = dict(Caseworker.objects.values_list("pk", "cap"))
    assert (caps[full.pk], caps[half.pk], caps[fixed.pk]) == (30, 15, 7)
    assert CaseloadPolicy.objects.get(pk=policy.pk).cap == 30


def test_raising_a_policy_cap_from_the_list_drains_the_queue(admin_client):
    team = TeamFactory()
    worker = CaseworkerFactory(team=team, fte=Decimal("0.03"))  # cap 1
    open_case(team=team)
    waiting = open_case(team=team)
    page = admin_client.get(admin_url(CaseloadPolicy, "changelist"))
    formset = page.context["cl"].formset
    data = {"_save": "Save"}
    for name in formset.management_form.fields:
        data[formset.management_form.add_prefix(name)] = formset.management_form[name].value()
    for form in formset.forms:
        for name in form.fields:
            data[form.add_prefix(name)] = str(form[name].value())
        if form.instance.role == Role.FLERE_SKAL_MED:
            data[form.add_prefix("cap")] = "100"  # floor(100 × 0.03) = 3

    assert admin_client.post(admin_url(CaseloadPolicy, "changelist"), data).status_code == 302

    worker.refresh_from_db()
    waiting.refresh_from_db()
    assert (worker.cap, worker.open_cases, waiting.caseworker_id) == (3, 2, worker.pk)
    assert caseload_drift() == []


def test_policy_cap_must_not_be_negative_and_roles_are_fixed(admin_client):
    policy = CaseloadPolicy.objects.get(role=Role.PSYCHIATRIC)
    page = admin_client.get(admin_url(CaseloadPolicy, "change", policy.pk))
    assert "role" not in page.context["adminform"].form.fields
    data = form_data(page)
    data["cap"] = "-5"

    response = admin_client.post(admin_url(CaseloadPolicy, "change", policy.pk), data)

    assert response.status_code == 200 and "cap" in response.context["adminform"].form.errors
    assert CaseloadPolicy.objects.get(pk=policy.pk).cap == 25
    assert CaseloadPolicy.objects.count() == 5


# --- Cases --------------------------------------------------------------------------------


def test_case_added_in_admin_is_allocated_through_the_service(admin_client, admin_user):
    team = TeamFactory()
    worker = CaseworkerFactory(team=team, full_name="Pia Poulsen")
    citizen = CitizenFactory(jobcenter=team.jobcenter)
    data = form_data(admin_client.get(admin_url(Case, "add")))
    data.update(citizen=str(citizen.pk), programme=team.unit_type, target_group="aktivitetsparat")

    response = admin_client.post(admin_url(Case, "add"), data, follow=True)

    case = Case.objects.get(citizen=citizen)
    assert (case.status, case.caseworker_id, case.target_group) == (CaseStatus.OPEN, worker.pk, "aktivitetsparat")
    assignment = case.assignments.get()
    assert (assignment.reason, assignment.by_id) == ("intake", admin_user.pk)
    assert "Pia Poulsen" in response.content.decode()
    assert_no_plaintext(response.content.decode(), citizen.cpr)
    assert caseload_drift() == []


def test_case_added_with_nobody_eligible_is_queued_and_a_second_open_case_is_refused(admin_client):
    citizen = CitizenFactory()
    data = form_data(admin_client.get(admin_url(Case, "add")))
    data.update(citizen=str(citizen.pk), programme=UnitType.PSYCHIATRIC, target_group="")

    first = admin_client.post(admin_url(Case, "add"), data, follow=True)
    assert Case.objects.get(citizen=citizen).status == CaseStatus.QUEUED
    assert "queued" in first.content.decode()

    second = admin_client.post(admin_url(Case, "add"), data)
    assert second.status_code == 200 and "citizen" in second.context["adminform"].form.errors
    assert Case.objects.filter(citizen=citizen).count() == 1


def test_a_duplicate_case_that_slips_past_the_form_is_a_message_not_a_500(admin_client, monkeypatch):
    citizen = CitizenFactory()
    Case.objects.create(
        citizen=citizen, jobcenter=citizen.jobcenter, programme="trial", status="queued", opened_at=timezone.now()
    )
    data = form_data(admin_client.get(admin_url(Case, "add")))
    data.update(citizen=str(citizen.pk), programme="trial")
    monkeypatch.setattr("allocation.admin.CaseAddForm.clean_citizen", lambda form: form.cleaned_data["citizen"])

    response = admin_client.post(admin_url(Case, "add"), data, follow=True)

    assert response.status_code == 200
    assert "already has a case that is not closed" in response.content.decode()
    assert Case.objects.filter(citizen=citizen).count() == 1


def test_only_the_target_group_of_a_case_is_editable(admin_client):
    team = TeamFactory()
    worker = CaseworkerFactory(team=team)
    other = CaseworkerFactory(team=team)
    case = open_case(team=team, target_group="jobparat")
    page = admin_client.get(admin_url(Case, "change", case.pk))
    assert set(page.context["adminform"].form.fields) == {"target_group"}
    assert {i.formset.prefix for i in page.context["inline_admin_formsets"]} == {"assignments"}
    data = form_data(page)
    data.update(target_group="aktivitetsparat", status="closed", outcome="job", caseworker=str(other.pk))

    assert admin_client.post(admin_url(Case, "change", case.pk), data).status_code == 302

    case.refresh_from_db()
    assert (case.target_group, case.status, case.caseworker_id) == ("aktivitetsparat", CaseStatus.OPEN, worker.pk)
    assert caseload_drift() == []


def test_case_page_shows_the_assignment_history(admin_client):
    team = TeamFactory()
    first = CaseworkerFactory(team=team, full_name="First Holder")
    second = CaseworkerFactory(team=team, full_name="Second Holder")
    case = open_case(team=team)
    services.case_reassign(case=case, caseworker=second if case.caseworker_id == first.pk else first, reason="leave")

    html = admin_client.get(admin_url(Case, "change", case.pk)).content.decode()

    assert html.index("First Holder") < html.rindex("Second Holder")
    assert "Reassignment" in html or "reassignment" in html.lower()


def test_case_search_by_full_cpr_and_citizen_autocomplete_by_cpr(admin_client):
    team = TeamFactory()
    CaseworkerFactory(team=team)
    wanted, other = open_case(team=team), open_case(team=team)
    cpr = wanted.citizen.cpr

    redirect = admin_client.get(admin_url(Case, "changelist"), {"q": cpr})
    assert redirect.status_code == 302 and cpr not in redirect["Location"]
    page = admin_client.get(redirect["Location"])
    assert [c.pk for c in page.context["cl"].result_list] == [wanted.pk]
    assert_no_plaintext(page.content.decode(), cpr, other.citizen.cpr)

    # the citizen picker of the "add case" form finds a citizen by full CPR, shows it masked
    found = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": "cases", "model_name": "case", "field_name": "citizen", "term": cpr.replace("-", "")},
    )
    assert found.status_code == 200
    assert found.json()["results"] == [{"id": str(wanted.citizen_id), "text": str(wanted.citizen)}]
    assert cpr_rules.mask(cpr) in found.json()["results"][0]["text"]
    assert_no_plaintext(found.content.decode(), cpr)

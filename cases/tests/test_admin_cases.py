"""Django admin of cases: opening one allocates it (through the service), and afterwards
only the target group is edited here; the history shows who held it.

The admin is an interface, so these tests reach allocation as an administrator would.
"""

import pytest
from django.utils import timezone

from allocation import services
from allocation.reconcile import caseload_drift
from allocation.tests.factories import open_case
from cases import cpr as cpr_rules
from cases.models import Case, CaseStatus
from cases.tests.factories import CitizenFactory
from cases.tests.test_admin import assert_no_plaintext
from staff.models import UnitType
from staff.tests.factories import CaseworkerFactory, TeamFactory
from staff.tests.test_admin import admin_url, english, form_data  # noqa: F401

pytestmark = pytest.mark.django_db


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
    monkeypatch.setattr("cases.admin.cases.CaseAddForm.clean_citizen", lambda form: form.cleaned_data["citizen"])

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


def test_cases_are_closed_never_deleted(admin_client):
    team = TeamFactory()
    CaseworkerFactory(team=team)
    case = open_case(team=team)
    assert admin_client.post(admin_url(Case, "delete", case.pk), {"post": "yes"}).status_code == 403
    assert Case.objects.filter(pk=case.pk).exists()


def test_the_case_admin_speaks_danish(admin_client, settings):
    # Its messages moved with it from allocation's catalogue to the project's.
    settings.LANGUAGE_CODE = "da"
    team = TeamFactory()
    CaseworkerFactory(team=team)
    case = open_case(team=team)
    changelist = admin_client.get(admin_url(Case, "changelist")).content.decode()
    assert "Borgerens navn, et fuldt CPR-nummer" in changelist
    change = admin_client.get(admin_url(Case, "change", case.pk)).content.decode()
    assert "historik: hvem har haft sagen" in change.lower()

"""A citizen's own copy (GDPR art. 15): all of theirs, none of anybody else's, employees by
unit unless included, logged, and for administrators only."""

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from allocation.tests.factories import open_case
from cases import services as case_services
from cases.access_log import citizen_access_record
from cases.models import AccessAction, CitizenAccess
from cases.tests.factories import CitizenFactory
from casework import services as casework_services
from casework.models import JournalEntry, Meeting
from staff.tests.factories import AdminFactory, CaseworkerFactory, TeamFactory, UserFactory
from subject_access.models import SubjectAccessRequest
from subject_access.render import copy_html, copy_pdf
from subject_access.selectors import citizen_copy
from subject_access.services import subject_access_copy_produce

pytestmark = pytest.mark.django_db


def _url(citizen) -> str:
    return f"/admin/subject_access/subjectaccessrequest/produce/{citizen.pk}/"


def _citizen_with_history(team, caseworker, *, name: str, note: str):
    citizen = CitizenFactory(jobcenter=team.jobcenter, name=name)
    case = open_case(team=team, citizen=citizen)
    casework_services.journal_write(case=case, kind="note", text=note, by=caseworker.user)
    casework_services.meeting_book(
        case=case,
        starts_at=timezone.now() + datetime.timedelta(days=3, hours=len(name)),
        kind="jobsamtale",
        channel="in_person",
    )
    return citizen


@pytest.fixture
def office():
    team = TeamFactory(unit_type="flere_skal_med", name="Team Lærkevej")
    caseworker = CaseworkerFactory(team=team, full_name="Karin Sagsbehandler", cap_override=10)
    looker = UserFactory(username="kiggeren", first_name="Kim", last_name="Kigger")
    team.leaders.add(looker)
    admin = AdminFactory(username="the_admin")
    mine = _citizen_with_history(team, caseworker, name="Maja Borger", note="Majas første samtale.")
    other = _citizen_with_history(team, caseworker, name="Ole Anden", note="Oles hemmelige notat.")
    for citizen in (mine, other):
        citizen_access_record(user=looker, citizen_ids=[citizen.pk], route="/case/", purpose="")
    case_services.citizen_cpr_change(citizen=mine, new_cpr="111282-1234", reason="Identitetsmisbrug", by=admin)
    mine.refresh_from_db()
    return team, caseworker, looker, admin, mine, other


def test_the_copy_holds_every_row_of_the_citizen_and_none_of_another(office):
    _, _, _, _, mine, other = office

    data = citizen_copy(citizen=mine)

    assert [c["id"] for c in data["cases"]] == list(mine.cases.order_by("opened_at", "id").values_list("pk", flat=True))
    assert {e["id"] for c in data["cases"] for e in c["journal"]} == set(
        JournalEntry.objects.filter(case__citizen=mine).values_list("pk", flat=True)
    )
    assert sum(len(c["meetings"]) for c in data["cases"]) == Meeting.objects.filter(case__citizen=mine).count()
    assert sum(len(c["assignments"]) for c in data["cases"]) == mine.cases.get().assignments.count()
    assert len(data["accesses"]) == CitizenAccess.objects.filter(citizen=mine).count()
    assert len(data["cpr_changes"]) == 1 and data["cpr_changes"][0]["reason"] == "Identitetsmisbrug"
    assert data["citizen"]["cpr"] == "111282-1234" and data["citizen"]["birth_date"] == "1982-12-11"
    text = json.dumps(data, ensure_ascii=False)
    assert "Ole Anden" not in text and "Oles hemmelige notat." not in text and other.cpr not in text
    other_case_ids = set(other.cases.values_list("pk", flat=True))
    assert not other_case_ids & {c["id"] for c in data["cases"]}


def test_the_html_for_the_pdf_is_danish_and_complete_and_a_pdf_is_produced(office):
    _, caseworker, _, _, mine, other = office
    data = citizen_copy(citizen=mine)

    html = copy_html(data)

    assert "Dine oplysninger i jobcentret" in html and 'lang="da"' in html
    assert "Majas første samtale." in html and "Oles hemmelige notat." not in html
    assert html.count('class="journal-entry"') == JournalEntry.objects.filter(case__citizen=mine).count()
    assert html.count('class="meeting"') == Meeting.objects.filter(case__citizen=mine).count()
    assert html.count('class="access"') == CitizenAccess.objects.filter(citizen=mine).count()
    assert html.count('class="cpr-change"') == 1
    assert "Ole Anden" not in html and other.cpr not in html
    assert caseworker.full_name in html  # who held the case is the case's own history
    assert copy_pdf(data).startswith(b"%PDF")


def test_employees_are_shown_by_unit_unless_included(office):
    _, _, looker, _, mine, _ = office

    hidden = citizen_copy(citizen=mine)
    shown = citizen_copy(citizen=mine, include_employees=True)

    assert all("employee" not in a for a in hidden["accesses"])
    looks = [a for a in hidden["accesses"] if a["action"]["code"] == AccessAction.VIEW]
    assert looks and looks[0]["unit"].startswith("Team Lærkevej")
    assert "Kim Kigger" not in copy_html(hidden) and "kiggeren" not in copy_html(hidden)
    assert "Kim Kigger" in copy_html(shown)
    assert {a.get("employee") for a in shown["accesses"]} >= {"Kim Kigger"}
    journal = shown["cases"][0]["journal"][0]
    assert journal["employee"] == "Karin Sagsbehandler"
    assert "employee" not in hidden["cases"][0]["journal"][0]


def test_the_old_cpr_number_only_when_included(office):
    _, _, _, _, mine, _ = office
    old = mine.cpr_changes.get().old_cpr

    assert old not in json.dumps(citizen_copy(citizen=mine)) and old not in copy_html(citizen_copy(citizen=mine))
    included = citizen_copy(citizen=mine, include_old_cpr=True)
    assert included["cpr_changes"][0]["old_cpr"] == old and old in copy_html(included)


def test_producing_the_copy_is_logged(office):
    _, _, _, admin, mine, _ = office

    copy = subject_access_copy_produce(citizen=mine, by=admin, format="json", include_employees=True, route="/r/")

    row = CitizenAccess.objects.filter(citizen=mine, action=AccessAction.EXPORT).get()
    assert (row.user, row.purpose, row.route) == (admin, "art. 15", "/r/")
    record = SubjectAccessRequest.objects.get()
    assert (record.citizen, record.by, record.format, record.included_employees) == (mine, admin, "json", True)
    assert copy.content_type == "application/json"
    # the copy's own production is in the copy: the log was written before the data was read
    assert any(a["action"]["code"] == "export" for a in json.loads(copy.content)["accesses"])


def test_the_admin_form_produces_a_pdf_and_a_json(office):
    _, _, _, admin, mine, _ = office
    client = Client()
    client.force_login(admin)

    form = client.get(_url(mine))
    pdf = client.post(_url(mine), {"format": "pdf"})
    as_json = client.post(_url(mine), {"format": "json"})

    assert form.status_code == 200 and "include_employees" in form.content.decode()
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].startswith("attachment;")
    assert as_json.status_code == 200 and json.loads(as_json.content)["citizen"]["id"] == mine.pk
    assert "employee" not in json.loads(as_json.content)["accesses"][0]
    assert SubjectAccessRequest.objects.filter(citizen=mine).count() == 2


def test_a_bad_format_is_a_form_error_not_a_500(office):
    _, _, _, admin, mine, _ = office
    client = Client()
    client.force_login(admin)
    response = client.post(_url(mine), {"format": "docx"})
    assert response.status_code == 200 and not SubjectAccessRequest.objects.exists()
    assert client.get("/admin/subject_access/subjectaccessrequest/produce/999999/").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "caseworker", "leader"])
def test_only_administrators_produce_a_copy(office, who):
    _, caseworker, looker, _, mine, _ = office
    client = Client()
    if who != "anonymous":
        client.force_login(caseworker.user if who == "caseworker" else looker)

    for response in (client.get(_url(mine)), client.post(_url(mine), {"format": "json"})):
        assert response.status_code == 302 and response["Location"].startswith("/admin/login/")
    assert not SubjectAccessRequest.objects.exists()
    assert not CitizenAccess.objects.filter(action=AccessAction.EXPORT).exists()

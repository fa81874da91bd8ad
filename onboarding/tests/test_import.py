import pytest
from django.utils import translation

from allocation.models import AssignmentReason, CaseAssignment
from allocation.reconcile import caseload_drift
from cases.models import AccessAction, Case, CaseStatus, Citizen, CitizenAccess
from onboarding.models import ImportStatus
from onboarding.reasons import worded
from staff.models import Caseworker, Jobcenter, Team
from staff.tests.factories import AdminFactory

from .helpers import citizen_row, import_caseload, import_organisation, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return AdminFactory(username="admin")


@pytest.fixture
def organisation(admin_user):
    import_organisation([person("anna"), person("bo", fte="0.5"), person("lise", role="", leader="yes")], admin_user)


def test_dry_run_writes_nothing(admin_user):
    run = import_organisation([person("anna")], admin_user, commit=False)
    assert run.status == ImportStatus.PLANNED
    assert run.counts["create"] == 1
    assert not Jobcenter.objects.exists() and not Caseworker.objects.exists()


def test_confirm_writes_the_organisation(admin_user, organisation):
    team = Team.objects.get(name="Team A", jobcenter__municipality_code="101")
    assert set(Caseworker.objects.values_list("user__username", flat=True)) == {"anna", "bo"}
    assert Caseworker.objects.get(user__username="bo").cap == 22  # 45 × 0.5
    assert list(team.leaders.values_list("username", flat=True)) == ["lise"]


def test_rerunning_the_organisation_changes_nothing(admin_user, organisation):
    run = import_organisation(
        [person("anna"), person("bo", fte="0.5"), person("lise", role="", leader="yes")], admin_user
    )
    assert run.counts == {"create": 0, "update": 0, "unchanged": 3, "refuse": 0}


def test_a_changed_fte_is_an_update(admin_user, organisation):
    run = import_organisation([person("bo", fte="1")], admin_user)
    assert run.counts["update"] == 1
    assert Caseworker.objects.get(user__username="bo").cap == 45


def test_caseload_dry_run_writes_nothing_and_confirm_writes(admin_user, organisation):
    rows = [citizen_row(), citizen_row(caseworker="bo")]
    run = import_caseload(rows, admin_user, commit=False)
    assert run.counts["create"] == 2
    assert not Citizen.objects.exists() and not Case.objects.exists()
    assert Caseworker.objects.get(user__username="anna").open_cases == 0
    run = import_caseload(rows, admin_user)
    assert Case.objects.filter(status=CaseStatus.OPEN).count() == 2
    assert caseload_drift() == []


def test_rerunning_the_caseload_changes_nothing(admin_user, organisation):
    rows = [citizen_row(), citizen_row(caseworker="bo"), citizen_row(programme="", caseworker="")]
    import_caseload(rows, admin_user)
    run = import_caseload(rows, admin_user)
    assert run.counts == {"create": 0, "update": 0, "unchanged": 3, "refuse": 0}
    assert Case.objects.count() == 2 and Citizen.objects.count() == 3
    assert Caseworker.objects.get(user__username="anna").open_cases == 1


def test_bad_rows_are_refused_with_reasons_in_danish(admin_user, organisation):
    first = citizen_row()
    rows = [
        citizen_row(cpr="320190-1234"),  # no such date
        citizen_row(caseworker="nobody"),
        citizen_row(programme="psychiatric"),  # anna's unit does not take it
        first,
        {**first, "name": "Same Person"},
        citizen_row(municipality_code="999"),
    ]
    run = import_caseload(rows, admin_user)
    assert run.counts["refuse"] == 5 and run.counts["create"] == 1
    reasons = {entry["row"]: entry["reasons"] for entry in run.report if entry["action"] == "refuse"}
    with translation.override("da"):
        danish = {row: " ".join(worded(r)) for row, r in reasons.items()}
    assert "dato" in danish[2]
    assert "nobody" in danish[3] and "sagsbehandler" in danish[3]
    assert "række 5" in danish[6]
    assert "999" in danish[7]
    with translation.override("en"):
        assert "No caseworker has the username nobody." in worded(reasons[3])


def test_over_cap_rows_are_imported_with_a_note_and_right_counters(admin_user, organisation):
    bo = Caseworker.objects.get(user__username="bo")  # cap 22
    rows = [citizen_row(caseworker="bo") for _ in range(25)]
    run = import_caseload(rows, admin_user)
    assert run.counts["create"] == 25 and run.counts["refuse"] == 0
    notes = [entry["notes"] for entry in run.report if entry["notes"]]
    assert len(notes) == 3 and notes[0][0][0] == "over_cap"
    bo.refresh_from_db()
    assert (bo.open_cases, bo.load_hundredths) == (25, 2500)
    assert bo.is_over_cap
    assert caseload_drift() == []


def test_imported_cases_have_an_imported_assignment_and_are_access_logged(admin_user, organisation):
    import_caseload([citizen_row()], admin_user)
    case = Case.objects.get()
    assignment = CaseAssignment.objects.get(case=case)
    assert assignment.reason == AssignmentReason.IMPORTED
    assert assignment.ended_at is None and assignment.notified_at is not None
    assert case.opened_at.date().isoformat() == "2023-03-01"
    access = CitizenAccess.objects.get(citizen=case.citizen)
    assert (access.user, access.action) == (admin_user, AccessAction.IMPORT)


def test_the_alert_check_follows_the_import(admin_user, organisation, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("allocation.prompt_check.enqueue", lambda **kwargs: sent.append(kwargs))
    with django_capture_on_commit_callbacks(execute=True):
        import_caseload([citizen_row(caseworker="bo")], admin_user)
    team = Team.objects.get(name="Team A")
    assert sent == [{"team_ids": [team.pk]}]


def test_an_open_case_with_other_data_is_refused_not_moved(admin_user, organisation):
    row = citizen_row()
    import_caseload([row], admin_user)
    run = import_caseload([{**row, "caseworker": "bo"}], admin_user)
    assert run.counts["refuse"] == 1
    assert Case.objects.get().caseworker.user.username == "anna"


def test_an_unreadable_file_is_a_clear_error(admin_user):
    from onboarding import services
    from onboarding.errors import MissingColumns, UnreadableFile

    with pytest.raises(UnreadableFile):
        services.import_run_create(kind="caseload", file_name="x.pdf", content=b"%PDF", by=admin_user)
    with pytest.raises(MissingColumns):
        services.import_run_create(kind="caseload", file_name="x.csv", content=b"foo,bar\n1,2\n", by=admin_user)

"""The meetings import: conversations held and booked in the earlier system, so that an
imported case's contact plan starts where it stands."""

import datetime

import pytest
from django.utils import timezone, translation

from cases.models import AccessAction, Case, CitizenAccess
from casework.models import Meeting, MeetingStatus
from casework.selectors import with_contact_plan
from onboarding import exports, files
from onboarding.models import ImportKind
from onboarding.reasons import worded
from staff.models import Jobcenter
from staff.tests.factories import AdminFactory

from .helpers import citizen_row, import_caseload, import_meetings, import_organisation, meeting_row, person

pytestmark = pytest.mark.django_db


def _local(days: int, hour: int = 10) -> str:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return f"{day.isoformat()} {hour:02d}:00"


@pytest.fixture
def admin_user():
    return AdminFactory(username="admin")


@pytest.fixture
def cprs(admin_user):
    """Two citizens with open cases: one anna's, one bo's, opened a year ago."""
    import_organisation([person("anna"), person("bo")], admin_user)
    opened = (timezone.localdate() - datetime.timedelta(days=365)).isoformat()
    rows = [citizen_row(opened_on=opened), citizen_row(caseworker="bo", opened_on=opened)]
    import_caseload(rows, admin_user)
    return [row["cpr"] for row in rows]


def test_held_meetings_set_the_contact_plan_and_a_dry_run_writes_nothing(admin_user, cprs):
    rows = [meeting_row(cprs[0], _local(-300 + 40 * i), status="held") for i in range(5)]
    run = import_meetings(rows, admin_user, commit=False)
    assert run.counts == {"create": 5, "update": 0, "unchanged": 0, "refuse": 0}
    assert not Meeting.objects.exists()
    run = import_meetings(rows, admin_user)
    case = with_contact_plan(Case.objects.filter(citizen__cpr_digest__isnull=False)).get(
        caseworker__user__username="anna"
    )
    assert Meeting.objects.filter(case=case, status=MeetingStatus.HELD).count() == 5
    assert case.contacts_held == 5
    # the last held conversation was 140 days ago: the next is due 91 days after it
    last = timezone.localdate() - datetime.timedelta(days=140)
    assert case.next_contact_due == last + datetime.timedelta(days=91)
    held = Meeting.objects.filter(case=case).first()
    assert held.held_at == held.ends_at and held.booked_by == admin_user
    assert held.ends_at - held.starts_at == datetime.timedelta(minutes=45)


def test_rerunning_the_file_changes_nothing(admin_user, cprs):
    rows = [meeting_row(cprs[0], _local(-30)), meeting_row(cprs[1], _local(3), minutes="30", channel="phone")]
    import_meetings(rows, admin_user)
    run = import_meetings(rows, admin_user)
    assert run.counts == {"create": 0, "update": 0, "unchanged": 2, "refuse": 0}
    assert Meeting.objects.count() == 2
    # an empty status is held for a time that has passed, planned for one ahead
    assert set(Meeting.objects.values_list("status", flat=True)) == {"held", "planned"}


def test_bad_rows_are_refused_with_reasons(admin_user, cprs):
    Jobcenter.objects.create(name="Jobcenter Aarhus", municipality_code="751")
    rows = [
        meeting_row(cprs[0], "2026-13-01 10:00"),  # no such month
        meeting_row(cprs[0], _local(-3), status="planned"),  # booked in the past
        meeting_row(cprs[0], _local(3), status="held"),  # held in the future
        meeting_row(cprs[0], _local(-500)),  # before the case opened
        meeting_row("010190-1234", _local(-3)),  # nobody here has that number
        meeting_row(cprs[0], _local(-3), minutes="600"),
        meeting_row(cprs[0], _local(-3), kind="coffee"),
        meeting_row(cprs[0], _local(-3), municipality_code="751"),  # the citizen is in 101
        meeting_row(cprs[0], _local(-2)),
        meeting_row(cprs[0], _local(-2), channel="phone"),  # the same case and start again
    ]
    run = import_meetings(rows, admin_user)
    assert run.counts["refuse"] == 9 and run.counts["create"] == 1
    reasons = {entry["row"]: entry["reasons"][0][0] for entry in run.report if entry["action"] == "refuse"}
    assert reasons == {
        2: "bad_datetime",
        3: "planned_in_the_past",
        4: "held_in_the_future",
        5: "before_case_opened",
        6: "unknown_citizen",
        7: "bad_minutes",
        8: "bad_choice",
        9: "citizen_other_jobcenter",
        11: "duplicate_in_file",
    }
    with translation.override("da"):
        assert all(worded([[code, {}]]) for code in reasons.values())


def test_a_booked_meeting_needs_its_caseworker_free(admin_user, cprs):
    import_meetings([meeting_row(cprs[0], _local(5, 10), status="planned")], admin_user)
    anna_second = citizen_row(opened_on=timezone.localdate().isoformat())
    import_caseload([anna_second], admin_user)
    rows = [
        meeting_row(anna_second["cpr"], _local(5, 10)),  # anna is booked then
        meeting_row(anna_second["cpr"], _local(6, 10)),
        meeting_row(cprs[1], _local(5, 10)),  # bo is free
    ]
    run = import_meetings(rows, admin_user)
    assert run.counts["create"] == 2 and run.counts["refuse"] == 1
    assert run.report[0]["reasons"][0][0] == "caseworker_booked"
    # and one earlier in the same file counts too
    run = import_meetings(
        [meeting_row(cprs[1], _local(9, 10)), meeting_row(anna_second["cpr"], _local(9, 10))], admin_user
    )
    assert run.counts["create"] == 2  # two caseworkers
    third = citizen_row(caseworker="bo", opened_on=timezone.localdate().isoformat())
    import_caseload([third], admin_user)
    run = import_meetings(
        [
            meeting_row(
                third["cpr"],
                _local(
                    9,
                    10,
                ),
                minutes="20",
            )
        ],
        admin_user,
    )
    assert run.counts["refuse"] == 1


def test_an_import_is_access_logged_as_an_import(admin_user, cprs):
    import_meetings([meeting_row(cprs[0], _local(-10))], admin_user)
    case = Case.objects.get(caseworker__user__username="anna")
    actions = set(CitizenAccess.objects.filter(citizen=case.citizen).values_list("action", flat=True))
    assert actions == {AccessAction.IMPORT}


def test_the_export_reads_back_as_the_same_meetings(admin_user, cprs):
    rows = [meeting_row(cprs[0], _local(-10), place="Lokale 3"), meeting_row(cprs[1], _local(4), minutes="30")]
    import_meetings(rows, admin_user)
    jobcenter = Jobcenter.objects.get(municipality_code="101")
    masked = files.read_rows(
        content=exports.jobcenter_export(
            jobcenter=jobcenter, kind=ImportKind.MEETINGS, file_format="csv", by=admin_user
        ),
        file_name="m.csv",
    )
    assert all(row["cpr"].endswith("XXXX") for row in masked)
    content = exports.jobcenter_export(
        jobcenter=jobcenter, kind=ImportKind.MEETINGS, file_format="xlsx", by=admin_user, with_cpr=True
    )
    exported = files.read_rows(content=content, file_name="m.xlsx")
    assert [(r["starts_at"], r["minutes"], r["status"], r["place"]) for r in exported] == [
        (rows[0]["starts_at"], "45", "held", "Lokale 3"),
        (rows[1]["starts_at"], "30", "planned", ""),
    ]
    assert CitizenAccess.objects.filter(action=AccessAction.EXPORT).count() == 2
    run = import_meetings(exported, admin_user)
    assert run.counts["unchanged"] == 2


def test_the_admin_takes_a_meetings_file_through_dry_run_and_confirm(client, admin_user, cprs):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from onboarding.models import ImportRun, ImportStatus

    from .helpers import meetings_file

    client.force_login(admin_user)
    rows = [meeting_row(cprs[0], _local(-20)), meeting_row(cprs[0], _local(-3), status="planned")]
    upload = SimpleUploadedFile("samtaler.csv", meetings_file(rows))
    response = client.post(reverse("admin:onboarding_importrun_add"), {"kind": "meetings", "file": upload})
    run = ImportRun.objects.get(kind="meetings")
    assert response.status_code == 302 and run.status == ImportStatus.PLANNED
    assert not Meeting.objects.exists()
    page = client.get(reverse("admin:onboarding_importrun_change", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="da")
    assert "En booket samtale skal ligge ude i fremtiden" in page.content.decode()
    client.post(reverse("admin:onboarding_importrun_confirm", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    assert list(Meeting.objects.values_list("status", flat=True)) == ["held"]

"""A CPR change leaves everything keyed on the citizen in place: cases, their history,
meetings, journal and the access log point at the citizen's id, never at the number."""

import datetime

import pytest
from django.utils import timezone

from allocation.tests.factories import open_case
from cases import services
from cases.models import Citizen, CitizenAccess
from cases.tests.factories import CitizenFactory
from casework import services as casework_services
from staff.tests.factories import AdminFactory, CaseworkerFactory, TeamFactory
from subject_access.selectors import citizen_copy

pytestmark = pytest.mark.django_db

NEW = "111282-1234"


def test_everything_keyed_on_the_citizen_stays():
    admin = AdminFactory(username="cpr_admin")
    team = TeamFactory(unit_type="flere_skal_med")
    caseworker = CaseworkerFactory(team=team, cap_override=5)
    citizen = CitizenFactory(jobcenter=team.jobcenter)
    case = open_case(team=team, citizen=citizen)
    entry = casework_services.journal_write(case=case, kind="note", text="Samtale.", by=caseworker.user)
    meeting = casework_services.meeting_book(
        case=case, starts_at=timezone.now() + datetime.timedelta(days=2), kind="jobsamtale", channel="in_person"
    )
    before = citizen_copy(citizen=citizen)

    services.citizen_cpr_change(citizen=citizen, new_cpr=NEW, reason="Identity misuse", by=admin)

    case.refresh_from_db()
    entry.refresh_from_db()
    meeting.refresh_from_db()
    assert case.citizen_id == citizen.pk and entry.case_id == case.pk and meeting.case_id == case.pk
    assert Citizen.objects.get(cases=case).pk == citizen.pk
    assert case.assignments.filter(caseworker=caseworker).exists()
    assert CitizenAccess.objects.filter(citizen=citizen).count() >= 1
    after = citizen_copy(citizen=citizen)
    assert after["cases"] == before["cases"]

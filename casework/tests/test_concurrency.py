"""No double booking under real concurrency: PostgreSQL, real threads, one connection each.

32 bookings of one caseworker's time, for 32 different cases (so no case lock serialises
them), start together: exactly one may succeed. The service's read-then-write check alone
would let several through; the exclusion constraint is what makes it exactly one.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from allocation.tests.test_concurrency import THREADS, assert_really_concurrent, run_concurrently
from casework import services
from casework.errors import MeetingOverlaps
from casework.models import Meeting, MeetingStatus
from staff.tests.factories import CaseworkerFactory, TeamFactory

from .factories import open_case

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class Refused(Exception):
    pass


def test_concurrent_bookings_of_one_time_leave_exactly_one(django_db_blocker):
    caseworker = CaseworkerFactory(team=TeamFactory(unit_type="standard"), role="standard")
    cases = [open_case(caseworker=caseworker) for _ in range(THREADS)]
    starts = timezone.now().replace(microsecond=0) + timedelta(days=3)
    refused = []

    def booking(case, offset):
        def job():
            try:
                services.meeting_book(
                    case=case,
                    starts_at=starts + timedelta(minutes=offset),
                    kind="jobsamtale",
                    channel="phone",
                    duration_minutes=45,
                )
            except MeetingOverlaps:
                refused.append(case.pk)

        return job

    # Every booking overlaps every other (they all cover starts + 31..45 minutes).
    run = run_concurrently([booking(case, i) for i, case in enumerate(cases)])
    assert not run.errors, run.errors
    assert_really_concurrent(run)
    planned = Meeting.objects.filter(caseworker=caseworker, status=MeetingStatus.PLANNED)
    assert planned.count() == 1
    assert len(refused) == THREADS - 1

"""What is due for deletion under a rule, written once as querysets: the proposal lists
these, and the deletion asks the same question again of one object under its lock.

- a closed case: closed at least `years` ago and not yet anonymised;
- a citizen: no case that is open or queued, and none closed (nor the citizen registered)
  within the last `years`;
- the access log of a citizen: the rows written at least `years` ago.
"""

from __future__ import annotations

import datetime

from django.db.models import Exists, F, Max, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from cases.models import Case, CaseStatus, Citizen, CitizenAccess


def years_before(moment: datetime.datetime, years: int) -> datetime.datetime:
    """The same moment `years` earlier (29 February becomes the 28th)."""
    try:
        return moment.replace(year=moment.year - years)
    except ValueError:
        return moment.replace(year=moment.year - years, day=28)


def years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def closed_cases_due(*, years: int, now: datetime.datetime) -> QuerySet[Case]:
    return Case.objects.filter(
        status=CaseStatus.CLOSED, anonymised_at__isnull=True, closed_at__lte=years_before(now, years)
    )


def citizens_due(*, years: int, now: datetime.datetime) -> QuerySet[Citizen]:
    """Annotated with `last_activity`: their last case's closing, or their registration."""
    unclosed = Case.objects.filter(citizen_id=OuterRef("pk")).exclude(status=CaseStatus.CLOSED)
    return (
        Citizen.objects.annotate(
            last_activity=Greatest(Coalesce(Max("cases__closed_at"), F("created_at")), F("created_at"))
        )
        .filter(~Exists(unclosed), last_activity__lte=years_before(now, years))
        .order_by("pk")
    )


def access_rows_due(*, years: int, now: datetime.datetime) -> QuerySet[CitizenAccess]:
    return CitizenAccess.objects.filter(created_at__lte=years_before(now, years))


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


def unclosed_case(citizen_id: int) -> Q:
    return Q(citizen_id=citizen_id) & ~Q(status=CaseStatus.CLOSED)

"""The open-case counter against the real number of open cases."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q

from staff.models import Caseworker

from . import locking


@dataclass(frozen=True)
class Drift:
    caseworker_id: int
    counter: int
    actual: int


def caseload_drift() -> list[Drift]:
    rows = Caseworker.objects.annotate(actual=Count("cases", filter=Q(cases__status="open"))).values_list(
        "id", "open_cases", "actual"
    )
    return [Drift(pk, counter, actual) for pk, counter, actual in rows if counter != actual]


@transaction.atomic
def caseload_reconcile(*, fix: bool = False) -> list[Drift]:
    drift = caseload_drift()
    if fix and drift:
        locking.lock_caseworkers(d.caseworker_id for d in drift)
        drift = caseload_drift()
        for d in drift:
            Caseworker.objects.filter(pk=d.caseworker_id).update(open_cases=d.actual)
    return drift

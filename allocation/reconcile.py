"""The maintained counters (open cases and load) against the real open cases."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce

from staff.models import Caseworker, from_hundredths

from . import locking


@dataclass(frozen=True)
class Drift:
    caseworker_id: int
    counter: int
    actual: int
    # The load, in hundredths, the counter and the sum of the open cases' weights: only
    # when they differ (None when the load is right).
    load: int | None = None
    actual_load: int | None = None

    def describe(self) -> str:
        parts = []
        if self.counter != self.actual:
            parts.append(f"counter {self.counter}, actual {self.actual}")
        if self.load is not None:
            parts.append(f"load {from_hundredths(self.load)}, actual {from_hundredths(self.actual_load)}")
        return f"caseworker {self.caseworker_id}: " + "; ".join(parts)


def caseload_drift() -> list[Drift]:
    rows = Caseworker.objects.annotate(
        actual=Count("cases", filter=Q(cases__status="open")),
        actual_load=Coalesce(Sum("cases__weight_hundredths", filter=Q(cases__status="open")), 0),
    ).values_list("id", "open_cases", "actual", "load_hundredths", "actual_load")
    return [
        Drift(pk, counter, actual, *((load, actual_load) if load != actual_load else ()))
        for pk, counter, actual, load, actual_load in rows
        if counter != actual or load != actual_load
    ]


@transaction.atomic
def caseload_reconcile(*, fix: bool = False) -> list[Drift]:
    drift = caseload_drift()
    if fix and drift:
        locking.lock_caseworkers(d.caseworker_id for d in drift)
        drift = caseload_drift()
        for d in drift:
            fixed = {"open_cases": d.actual}
            if d.load is not None:
                fixed["load_hundredths"] = d.actual_load
            Caseworker.objects.filter(pk=d.caseworker_id).update(**fixed)
    return drift

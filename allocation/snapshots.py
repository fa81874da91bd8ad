"""Daily caseload snapshots: the history that trends and reports are drawn from.

One row per caseworker and one per team per date. Recording a date again replaces that
date's rows (delete and insert in one transaction, one run per date at a time), so the
nightly task is idempotent and a late re-run simply records the later state.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from cases.models import Case, CaseStatus
from staff.models import Caseworker, CaseworkerStatus, Team

from .models import CaseloadSnapshot

BATCH_SIZE = 2000
# The first key of the advisory lock that serialises snapshots of one date.
SNAPSHOT_LOCK = 5_100_001


@dataclass(frozen=True)
class SnapshotResult:
    date: datetime.date
    caseworkers: int
    teams: int

    def as_dict(self) -> dict:
        return {"date": self.date.isoformat(), "caseworkers": self.caseworkers, "teams": self.teams}


@dataclass
class _TeamTotals:
    open_cases: int = 0
    load_hundredths: int = 0
    cap: int = 0
    fte: Decimal = Decimal("0")


def _snapshot_rows(*, day: datetime.date) -> tuple[list[CaseloadSnapshot], int]:
    """Three queries: the caseworkers' maintained counters (count and load), the teams, the
    queue per pool."""
    rows: list[CaseloadSnapshot] = []
    totals: dict[int, _TeamTotals] = defaultdict(_TeamTotals)
    workers = Caseworker.objects.order_by("id").values_list(
        "id", "team_id", "open_cases", "load_hundredths", "cap", "fte", "status"
    )
    for pk, team_id, open_cases, load, cap, fte, status in workers.iterator(chunk_size=5000):
        rows.append(
            CaseloadSnapshot(
                date=day,
                team_id=team_id,
                caseworker_id=pk,
                open_cases=open_cases,
                load_hundredths=load,
                cap=cap,
                fte=fte,
            )
        )
        team = totals[team_id]
        # A team's open cases (and their load) include those held by caseworkers on leave;
        # its cap (the capacity) and FTE count the active ones, as on the team board.
        team.open_cases += open_cases
        team.load_hundredths += load
        if status == CaseworkerStatus.ACTIVE:
            team.cap += cap
            team.fte += fte
    queued = dict(
        ((jobcenter_id, programme), n)
        for jobcenter_id, programme, n in Case.objects.filter(status=CaseStatus.QUEUED)
        .values("jobcenter_id", "programme")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("jobcenter_id", "programme", "n")
    )
    teams = Team.objects.order_by("id").values_list("id", "jobcenter_id", "unit_type")
    team_count = 0
    for pk, jobcenter_id, unit_type in teams:
        team = totals[pk]
        rows.append(
            CaseloadSnapshot(
                date=day,
                team_id=pk,
                caseworker=None,
                open_cases=team.open_cases,
                load_hundredths=team.load_hundredths,
                cap=team.cap,
                fte=team.fte,
                queued=queued.get((jobcenter_id, unit_type), 0),
            )
        )
        team_count += 1
    return rows, team_count


def _lock_date(day: datetime.date) -> None:
    """Serialise snapshots of one date: two runs interleaving delete and insert would
    collide on the unique constraints. SQLite transactions already serialise."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SNAPSHOT_LOCK, day.toordinal()])


def caseloads_snapshot(*, day: datetime.date | None = None) -> SnapshotResult:
    """Record the caseloads now under `day` (today, local time, by default)."""
    day = day or timezone.localdate()
    with transaction.atomic():
        _lock_date(day)
        # Read under the lock, so that the run that writes last also read last.
        rows, team_count = _snapshot_rows(day=day)
        CaseloadSnapshot.objects.filter(date=day).delete()
        CaseloadSnapshot.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return SnapshotResult(date=day, caseworkers=len(rows) - team_count, teams=team_count)

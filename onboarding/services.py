"""Import runs: upload, dry run, confirmation, and the writes of an imported caseload.

The dry run and the confirmed run are the same code: the dry run does every write in a
transaction that it rolls back (as django-import-export's own dry run does), so what the
administrator confirms is exactly what the dry run showed, refusals and notes included.
Nothing is written before the confirmation.

A caseload is written a chunk at a time (CHUNK_ROWS rows, one transaction each), so that
the administrator sees the progress and a Copenhagen-sized file neither holds the
caseworker rows' locks for minutes nor starts over after a failure: the import is
idempotent, and running the file again finishes what a failed run left.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from allocation import locking, prompt_check
from allocation.models import AssignmentReason, CaseAssignment
from cases.access_log import citizen_access_record
from cases.models import AccessAction, Case, CaseStatus, Citizen
from casework import services as casework_services

from . import caseload, files, meetings, organisation
from .errors import MissingColumns, RunNotConfirmable
from .models import ImportKind, ImportRun, ImportStatus
from .reasons import UNCHANGED, RowOutcome

CHUNK_ROWS = 2000
IMPORT_ROUTE = "onboarding:import"
REQUIRED_COLUMNS = {
    ImportKind.ORGANISATION: organisation.REQUIRED,
    ImportKind.CASELOAD: ["cpr", "name", "municipality_code"],
    ImportKind.MEETINGS: meetings.REQUIRED,
}


# --- The run -------------------------------------------------------------------------------


def import_run_create(*, kind: str, file_name: str, content: bytes, by) -> ImportRun:
    """Keep the upload and check that it reads (a clear error now, not in the worker)."""
    rows = files.read_rows(content=content, file_name=file_name)
    _check_columns(kind=kind, rows=rows)
    return ImportRun.objects.create(
        kind=kind, file_name=file_name[:255], content=content, rows_total=len(rows), created_by=by
    )


def _check_columns(*, kind: str, rows: list[dict]) -> None:
    present = set(rows[0]) if rows else set()
    missing = [c for c in REQUIRED_COLUMNS[kind] if c not in present]
    if missing:
        raise MissingColumns(columns=", ".join(missing))


def import_run_plan(*, run: ImportRun) -> ImportRun:
    """The dry run: every row's outcome, nothing written."""
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.PLANNING, rows_done=0)
    return _run(run=run, commit=False, by=run.created_by)


def import_run_confirm(*, run: ImportRun, by) -> ImportRun:
    """Mark a finished dry run as confirmed; the worker (or the caller) then commits it."""
    updated = ImportRun.objects.filter(pk=run.pk, status=ImportStatus.PLANNED).update(
        status=ImportStatus.COMMITTING, confirmed_by=by, confirmed_at=timezone.now(), rows_done=0
    )
    if not updated:
        raise RunNotConfirmable()
    run.refresh_from_db()
    return run


def import_run_commit(*, run: ImportRun) -> ImportRun:
    if run.status != ImportStatus.COMMITTING:
        raise RunNotConfirmable()
    return _run(run=run, commit=True, by=run.confirmed_by)


def _run(*, run: ImportRun, commit: bool, by) -> ImportRun:
    try:
        rows = files.read_rows(content=bytes(run.content), file_name=run.file_name)
        if run.kind == ImportKind.ORGANISATION:
            outcomes, team_ids = _organisation(rows=rows, commit=commit)
        elif run.kind == ImportKind.MEETINGS:
            outcomes, team_ids = _meetings(run=run, rows=rows, commit=commit, by=by)
        else:
            outcomes, team_ids = _caseload(run=run, rows=rows, commit=commit, by=by)
    except Exception as error:
        ImportRun.objects.filter(pk=run.pk).update(
            status=ImportStatus.FAILED, error=type(error).__name__, finished_at=timezone.now()
        )
        raise
    if commit and team_ids:
        # An imported caseload may leave people over cap: the leaders hear of it at once.
        prompt_check.after_commit(team_ids=team_ids)
    counts = Counter(o.action for o in outcomes)
    run.counts = {action: counts.get(action, 0) for action in ("create", "update", UNCHANGED, "refuse")}
    run.report = [o.as_dict() for o in outcomes if o.action != UNCHANGED or o.notes]
    run.rows_total = run.rows_done = len(rows)
    run.status = ImportStatus.DONE if commit else ImportStatus.PLANNED
    fields = ["counts", "report", "rows_total", "rows_done", "status", "updated_at"]
    if commit:
        run.finished_at, run.content = timezone.now(), b""
        fields += ["finished_at", "content"]
    run.save(update_fields=fields)
    return run


class _DryRun(Exception):
    pass


def _organisation(*, rows: list[dict], commit: bool) -> tuple[list[RowOutcome], set[int]]:
    team_ids: set[int] = set()
    with transaction.atomic():
        outcomes = organisation.organisation_rows_import(rows=rows, affected_team_ids=team_ids)
        if not commit:
            transaction.set_rollback(True)
    return outcomes, team_ids


def _caseload(*, run: ImportRun, rows: list[dict], commit: bool, by) -> tuple[list[RowOutcome], set[int]]:
    state = caseload.CaseloadState.load()

    def chunk(rows_: list[tuple[int, dict]]) -> list[RowOutcome]:
        plan = caseload.caseload_chunk_plan(rows=rows_, state=state)
        caseload_chunk_write(plan=plan, by=by)
        return plan.outcomes

    return _in_chunks(run=run, rows=rows, commit=commit, chunk=chunk), state.affected_team_ids


def _meetings(*, run: ImportRun, rows: list[dict], commit: bool, by) -> tuple[list[RowOutcome], set[int]]:
    state = meetings.MeetingsState.load()

    def chunk(rows_: list[tuple[int, dict]]) -> list[RowOutcome]:
        plan = meetings.meetings_chunk_plan(rows=rows_, state=state)
        casework_services.meetings_carried_over(meetings=plan.new_meetings, by=by)
        citizen_access_record(
            user=by, citizen_ids=plan.citizen_ids, action=AccessAction.IMPORT, route=IMPORT_ROUTE, purpose="import"
        )
        return plan.outcomes

    # Held conversations move contact deadlines, not caseloads: no team's load changed.
    return _in_chunks(run=run, rows=rows, commit=commit, chunk=chunk), set()


def _in_chunks(*, run: ImportRun, rows: list[dict], commit: bool, chunk) -> list[RowOutcome]:
    """`chunk(numbered rows)` for CHUNK_ROWS rows at a time, one transaction each (rolled back
    in a dry run), the run's progress updated after each."""
    numbered = list(enumerate(rows, start=2))
    outcomes: list[RowOutcome] = []
    for start in range(0, len(numbered), CHUNK_ROWS):
        with transaction.atomic():
            outcomes += chunk(numbered[start : start + CHUNK_ROWS])
            if not commit:
                transaction.set_rollback(True)
        ImportRun.objects.filter(pk=run.pk).update(rows_done=min(start + CHUNK_ROWS, len(numbered)))
    return outcomes


# --- The writes ----------------------------------------------------------------------------


def caseload_chunk_write(*, plan: caseload.ChunkPlan, by) -> None:
    Citizen.objects.bulk_create(plan.new_citizens, batch_size=1000)
    if plan.renamed:
        Citizen.objects.bulk_update(plan.renamed, ["name", "updated_at"], batch_size=1000)
    imported = [
        ImportedCase(
            citizen_id=citizen.pk,
            jobcenter_id=citizen.jobcenter_id,
            programme=case["programme"],
            target_group=case["target_group"],
            complexity=case["complexity"],
            caseworker_id=case["holder"].id,
            opened_at=case["opened_at"],
        )
        for citizen, case in plan.new_cases
    ]
    imported_cases_open(cases=imported, by=by)
    written = {c.pk for c in plan.new_citizens} | {c.pk for c in plan.renamed} | {c.citizen_id for c in imported}
    # Writes to citizens are access-logged like any other: who imported whom, and when.
    citizen_access_record(
        user=by, citizen_ids=written, action=AccessAction.IMPORT, route=IMPORT_ROUTE, purpose="import"
    )


@dataclass(frozen=True)
class ImportedCase:
    citizen_id: int
    jobcenter_id: int
    programme: str
    target_group: str
    complexity: str
    caseworker_id: int
    opened_at: datetime


@locking.retry_on_conflict()
def imported_cases_open(*, cases: list[ImportedCase], by) -> list[Case]:
    """Open cases carried over from an earlier system with the caseworkers who hold them.

    The cap is not asked: the caseload is what it is, and a caseworker it leaves over cap is
    for the alerts and the leaders to act on (a lowered cap does the same). Everything else
    holds as for any assignment: the caseworker rows are locked first, in primary-key order
    (allocation/locking.py), each case weighs what its complexity weighs on the locked row,
    the counters move by exactly the cases written, and each case has its first assignment,
    with the reason "imported". The assignments count as told: 28,000 cases that were
    already theirs are no news to the caseworkers (no new-cases digest).
    """
    if not cases:
        return []
    locked = locking.lock_caseworkers(c.caseworker_id for c in cases)
    rows = [
        Case(
            citizen_id=c.citizen_id,
            jobcenter_id=c.jobcenter_id,
            programme=c.programme,
            target_group=c.target_group,
            complexity=c.complexity,
            status=CaseStatus.OPEN,
            caseworker_id=c.caseworker_id,
            opened_at=c.opened_at,
            assigned_at=c.opened_at,
            weight_hundredths=locked[c.caseworker_id].weight_of(c.complexity),
        )
        for c in cases
    ]
    Case.objects.bulk_create(rows, batch_size=1000)
    now = timezone.now()
    CaseAssignment.objects.bulk_create(
        (
            CaseAssignment(
                case_id=case.pk,
                caseworker_id=case.caseworker_id,
                assigned_at=case.opened_at,
                reason=AssignmentReason.IMPORTED,
                by=by,
                notified_at=now,
            )
            for case in rows
        ),
        batch_size=1000,
    )
    deltas: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for case in rows:
        deltas[case.caseworker_id][0] += 1
        deltas[case.caseworker_id][1] += case.weight_hundredths
    locking.shift_counters({pk: (count, load) for pk, (count, load) in deltas.items()})
    return rows

"""Carrying out one approved item: in one transaction, under the locks of what it deletes,
after asking once more whether it is still due.

What stays for the statistics is the case row without its citizen (`Case.citizen` empty,
`anonymised_at` set): its programme, target group, team, dates and outcome, its assignments
(without their notes), its trial enrolment and its meetings (date, kind, status; without the
place). Those are what the reports count, so their figures do not move. What goes:

- a closed case: its journal (append-only: a DELETE passes the trigger only inside a
  transaction that says it is a reviewed retention deletion), the free text of its meetings
  and assignments, and the link to its citizen;
- a citizen: all of their cases as above, their access log, their CPR changes (cascade) and
  the admin's log entries about them (which name them), then the citizen row itself;
- an access log: the citizen's rows older than the rule.

A citizen with an open or queued case is never deleted, whatever the item says: the check
runs again with the citizen's row locked, so an intake that races the deletion either
commits first (and the citizen is kept) or waits and then fails on the missing citizen.
A citizen one of whose records is held is not deleted either: the hold stands.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from enum import Enum

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F

from allocation import services as allocation_services
from cases import services as case_services
from cases.models import Case, Citizen, CitizenAccess
from casework import services as casework_services

from . import due
from .models import DeletionItem, DeletionRecord, ItemStatus, RecordKind


class Outcome(Enum):
    DELETED = "deleted"
    NO_LONGER_DUE = "no_longer_due"
    BLOCKED = "blocked"  # a record of the citizen is held: nothing done, the item stays
    SKIPPED = "skipped"  # not proposed (any more): held, or decided meanwhile


def item_execute(*, item_id: int, by, now: datetime.datetime) -> Outcome:
    """Delete what one proposed item names, and record it, in one transaction."""
    with transaction.atomic():
        item = DeletionItem.objects.select_for_update().filter(pk=item_id).first()
        if item is None or item.status != ItemStatus.PROPOSED:
            return Outcome.SKIPPED
        count = _DELETERS[item.kind](item, now)
        if count is None:
            return Outcome.BLOCKED
        item.status = ItemStatus.DELETED if count else ItemStatus.NO_LONGER_DUE
        item.decided_by, item.decided_at, item.held_reason = by, now, ""
        item.save(update_fields=["status", "decided_by", "decided_at", "held_reason"])
        if count:
            _record(item, count=count, by=by, now=now)
        return Outcome.DELETED if count else Outcome.NO_LONGER_DUE


def _record(item: DeletionItem, *, count: int, by, now: datetime.datetime) -> None:
    """One record per list, kind and rule of an approval (its moment and approver)."""
    record, _ = DeletionRecord.objects.get_or_create(
        deletion_list_id=item.deletion_list_id,
        kind=item.kind,
        rule_years=item.rule_years,
        approved_by=by,
        approved_at=now,
        defaults={"count": 0},
    )
    DeletionRecord.objects.filter(pk=record.pk).update(count=F("count") + count)


def _closed_case(item: DeletionItem, now: datetime.datetime) -> int:
    still_due = due.closed_cases_due(years=item.rule_years, now=now).filter(pk=item.object_id)
    if not Case.objects.select_for_update().filter(pk__in=still_due.values("pk")).exists():
        return 0
    return cases_anonymise(case_ids=[item.object_id], now=now)


def _citizen(item: DeletionItem, now: datetime.datetime) -> int | None:
    citizen = Citizen.objects.select_for_update().filter(pk=item.object_id).first()
    if citizen is None or not due.citizens_due(years=item.rule_years, now=now).filter(pk=citizen.pk).exists():
        return 0
    case_ids = list(
        Case.objects.select_for_update().filter(citizen=citizen).order_by("pk").values_list("pk", flat=True)
    )
    if _held(citizen_id=citizen.pk, case_ids=case_ids):
        return None
    cases_anonymise(case_ids=case_ids, now=now)
    _settle_items_of(citizen_id=citizen.pk, case_ids=case_ids, now=now)
    CitizenAccess.objects.filter(citizen=citizen).delete()
    LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(Citizen), object_id=str(citizen.pk)).delete()
    citizen.delete()  # and its CPR changes, by cascade
    return 1


def _held(*, citizen_id: int, case_ids: Sequence[int]) -> bool:
    held = DeletionItem.objects.filter(status=ItemStatus.HELD)
    return (
        held.filter(kind__in=[RecordKind.CITIZEN, RecordKind.ACCESS_LOG], object_id=citizen_id).exists()
        or held.filter(kind=RecordKind.CLOSED_CASE, object_id__in=case_ids).exists()
    )


def _settle_items_of(*, citizen_id: int, case_ids: Sequence[int], now: datetime.datetime) -> None:
    """The citizen's other proposed items are done with them: nothing of theirs is left."""
    proposed = DeletionItem.objects.filter(status=ItemStatus.PROPOSED)
    (
        proposed.filter(kind=RecordKind.ACCESS_LOG, object_id=citizen_id)
        | proposed.filter(kind=RecordKind.CLOSED_CASE, object_id__in=case_ids)
    ).update(status=ItemStatus.NO_LONGER_DUE, decided_at=now)


def _access_log(item: DeletionItem, now: datetime.datetime) -> int:
    rows = due.access_rows_due(years=item.rule_years, now=now).filter(citizen_id=item.object_id)
    return rows.delete()[0]


_DELETERS = {RecordKind.CLOSED_CASE: _closed_case, RecordKind.CITIZEN: _citizen, RecordKind.ACCESS_LOG: _access_log}


def cases_anonymise(*, case_ids: Sequence[int], now: datetime.datetime) -> int:
    """The cases become anonymous statistical rows (see the module's docstring). Inside the
    caller's transaction; how many cases."""
    if not case_ids:
        return 0
    casework_services.cases_casework_erase(case_ids=case_ids)
    allocation_services.assignment_notes_erase(case_ids=case_ids)
    return case_services.cases_citizen_unlink(case_ids=case_ids, now=now)

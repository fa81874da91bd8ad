"""Approval: one transaction per item; held items and open cases stay; the reports give the
same figures afterwards; and nothing of a deleted citizen is left anywhere in the database."""

import datetime

import pytest
from django.apps import apps
from django.db import connection
from django.http import Http404

from access.doors import access_case
from access.scopes import cases_visible_to, meetings_visible_to
from allocation.models import CaseAssignment
from cases import cpr as cpr_rules
from cases.cpr import EncryptedCprField
from cases.models import Case, Citizen, CitizenAccess, CprChange
from casework.models import JournalEntry, Meeting
from reports.figures.caseloads import caseload_trend, queue_waiting
from reports.figures.contacts import contact_report
from reports.figures.exits import exit_pattern_with_total, time_to_exit
from reports.figures.keyfigures import key_figures
from reports.figures.trial import trial_report
from reports.scope import ReportFilter, Scope
from retention import deletion
from retention.models import DeletionItem, DeletionRecord, ItemStatus, RecordKind
from retention.proposal import deletion_list_propose
from retention.services import deletion_item_hold, deletion_item_release, deletion_list_approve

from .factories import NOW, set_rules

pytestmark = pytest.mark.django_db

ALL = Scope(None)
PERIODS = [
    ReportFilter(date_from=datetime.date(2025, 1, 1), date_to=datetime.date(2027, 12, 31)),
    ReportFilter(date_from=datetime.date(2029, 1, 1), date_to=datetime.date(2031, 12, 31)),
]


def report_figures(world) -> list:
    """Every report that reads cases, assignments, meetings, trials or snapshots."""
    figures = []
    for filters in PERIODS:
        for group_by in ("unit_type", "team", "jobcenter"):
            figures.append(exit_pattern_with_total(scope=ALL, filters=filters, group_by=group_by))
            figures.append(time_to_exit(scope=ALL, filters=filters, group_by=group_by))
            figures.append(caseload_trend(scope=ALL, filters=filters, group_by=group_by))
            figures.append(contact_report(scope=ALL, filters=filters, group_by=group_by, today=NOW.date()))
        figures.append(contact_report(scope=ALL, filters=filters, group_by="arm", today=NOW.date()))
        figures.append(key_figures(scope=ALL, filters=filters))
        figures.append(queue_waiting(scope=ALL, filters=filters))
    figures.append(trial_report(trial=world.trial, as_of=NOW))
    return figures


def everything_in_the_database() -> list[str]:
    """Every value of every table as text, and every encrypted CPR number decrypted."""
    texts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            texts += [str(value) for row in cursor.fetchall() for value in row if value is not None]
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedCprField):
                texts += [str(v) for v in model._base_manager.values_list(field.name, flat=True)]
    return texts


def traces_of(people) -> set[str]:
    traces = set()
    for who in people:
        traces.add(who.name)
        for number in filter(None, (who.cpr, who.old_cpr)):
            traces |= {number, number.replace("-", ""), cpr_rules.digest(number)}
    return traces


def findable(people) -> set[str]:
    """What the search must find of a citizen still there: the name, the number as the
    decryption gives it back (dashed), and its digest."""
    return {t for t in traces_of(people) if not (t.isdigit() and len(t) == 10)}


def found(traces: set[str]) -> set[str]:
    return {t for t in traces for text in everything_in_the_database() if t in text}


def approve_all(*, now=NOW, by):
    deletion_list = deletion_list_propose(now=now)
    return deletion_list, deletion_list_approve(deletion_list=deletion_list, by=by, now=now)


def test_a_deleted_citizen_leaves_no_trace_and_the_reports_do_not_move(world):
    # given every rule set, and the figures before
    set_rules(closed_case=5, citizen=5, access_log=2)
    before = report_figures(world)
    gone, kept = world.old, [*world.recent, world.still_open]
    assert found(traces_of(gone)) >= findable(gone)  # the search finds them while they are there
    # when the list is proposed and approved
    deletion_list, approval = approve_all(by=world.admin)
    # then the old citizens and everything naming them are gone
    assert approval.deleted > 0 and approval.blocked == 0
    assert found(traces_of(gone)) == set()
    assert not Citizen.objects.filter(pk__in=[w.citizen.pk for w in gone]).exists()
    # their cases stay as anonymous rows, without journal or free text
    cases = Case.objects.filter(pk__in=[w.cases[0].pk for w in gone])
    assert cases.count() == 6 and not cases.filter(citizen__isnull=False).exists()
    assert not cases.filter(anonymised_at__isnull=True).exists()
    assert not JournalEntry.objects.filter(case__in=cases).exists()
    assert Meeting.objects.filter(case__in=cases).count() == 12
    assert not Meeting.objects.filter(case__in=cases).exclude(location="").exists()
    assert not CaseAssignment.objects.filter(case__in=cases).exclude(note="").exists()
    # and the reports give the same figures
    assert report_figures(world) == before
    # the citizen with an open case is kept, with their open case and its journal; their
    # closed case is anonymised; the recent ones are untouched but for their old reads
    assert found(traces_of(kept)) >= findable(kept)
    open_one = world.still_open
    assert Citizen.objects.filter(pk=open_one.citizen.pk).exists()
    assert Case.objects.get(pk=open_one.cases[0].pk).citizen_id is None
    assert Case.objects.get(pk=open_one.cases[1].pk).citizen_id == open_one.citizen.pk
    assert JournalEntry.objects.filter(case=open_one.cases[1]).count() == 2
    # (the reads of last month, and the still-open citizen's at the opening of their new case)
    assert CitizenAccess.objects.filter(citizen__in=[w.citizen for w in kept]).count() == len(kept) + 2
    assert not CitizenAccess.objects.filter(created_at__lte=NOW - datetime.timedelta(days=2 * 366)).exists()
    assert CprChange.objects.filter(citizen=open_one.citizen).exists()
    # recorded: counts per kind, rule, approver and time; not the data
    records = {(r.kind, r.rule_years, r.approved_by, r.approved_at): r.count for r in DeletionRecord.objects.all()}
    assert records == {
        (RecordKind.CLOSED_CASE, 5, world.admin, NOW): 7,
        (RecordKind.CITIZEN, 5, world.admin, NOW): 6,
        (RecordKind.ACCESS_LOG, 2, world.admin, NOW): 13,  # one old read of each citizen
    }


def test_an_anonymised_case_is_behind_no_door(world):
    set_rules(closed_case=5)
    approve_all(by=world.admin)
    anonymised = world.old[0].cases[0]
    with pytest.raises(Http404):
        access_case(world.admin, anonymised.pk)
    assert not cases_visible_to(world.admin).filter(citizen__isnull=True).exists()
    assert not meetings_visible_to(world.admin).filter(case=anonymised).exists()
    assert meetings_visible_to(world.admin).filter(case=world.recent[0].cases[0]).count() == 2


def test_a_held_item_stays_until_released_and_holds_the_citizen_back(world):
    set_rules(closed_case=5, citizen=5)
    deletion_list = deletion_list_propose(now=NOW)
    held_case = DeletionItem.objects.get(kind=RecordKind.CLOSED_CASE, object_id=world.old[0].cases[0].pk)
    held_citizen = DeletionItem.objects.get(kind=RecordKind.CITIZEN, object_id=world.old[1].citizen.pk)
    deletion_item_hold(item=held_case, reason="Ankesag verserer", by=world.admin)
    deletion_item_hold(item=held_citizen, reason="Aktindsigt", by=world.admin)
    # when the list is approved
    approval = deletion_list_approve(deletion_list=deletion_list, by=world.admin, now=NOW)
    # then neither held item was touched, nor the citizen whose case is held
    assert approval.blocked == 1
    for item in (held_case, held_citizen):
        item.refresh_from_db()
        assert item.status == ItemStatus.HELD
    assert Citizen.objects.filter(pk__in=[world.old[0].citizen.pk, world.old[1].citizen.pk]).count() == 2
    assert JournalEntry.objects.filter(case=world.old[0].cases[0]).count() == 2
    assert Case.objects.get(pk=world.old[0].cases[0].pk).citizen_id == world.old[0].citizen.pk
    # and a re-run of the approval changes nothing while they are held
    deletion_list_approve(deletion_list=deletion_list, by=world.admin, now=NOW)
    assert Citizen.objects.filter(pk=world.old[1].citizen.pk).exists()
    # once released, the next approval deletes them
    deletion_item_release(item=held_case, by=world.admin)
    deletion_item_release(item=held_citizen, by=world.admin)
    deletion_list_approve(deletion_list=deletion_list, by=world.admin, now=NOW)
    assert not Citizen.objects.filter(pk__in=[world.old[0].citizen.pk, world.old[1].citizen.pk]).exists()
    assert found(traces_of(world.old)) == set()


def test_a_citizen_who_got_a_case_after_the_proposal_is_never_deleted(world):
    set_rules(citizen=5)
    deletion_list = deletion_list_propose(now=NOW)
    returning = world.old[2]
    Case.objects.create(
        citizen=returning.citizen,
        jobcenter=returning.cases[0].jobcenter,
        programme="standard",
        status="queued",
        opened_at=NOW,
        queued_at=NOW,
    )
    deletion_list_approve(deletion_list=deletion_list, by=world.admin, now=NOW)
    assert Citizen.objects.filter(pk=returning.citizen.pk).exists()
    item = DeletionItem.objects.get(kind=RecordKind.CITIZEN, object_id=returning.citizen.pk)
    assert item.status == ItemStatus.NO_LONGER_DUE
    assert JournalEntry.objects.filter(case=returning.cases[0]).count() == 2


def test_each_item_is_deleted_in_a_transaction_of_its_own(world, monkeypatch):
    # given a failure while recording the second citizen's deletion
    set_rules(citizen=5)
    deletion_list = deletion_list_propose(now=NOW)
    first, second = (w.citizen.pk for w in world.old[:2])
    record = deletion._record

    def failing(item, **kwargs):
        if item.object_id == second:
            raise RuntimeError("the database went away")
        record(item, **kwargs)

    monkeypatch.setattr(deletion, "_record", failing)
    with pytest.raises(RuntimeError):
        deletion_list_approve(deletion_list=deletion_list, by=world.admin, now=NOW)
    # then the first is gone and recorded; the second is whole, its item still proposed
    assert not Citizen.objects.filter(pk=first).exists()
    assert Citizen.objects.filter(pk=second).exists()
    assert JournalEntry.objects.filter(case=world.old[1].cases[0]).count() == 2
    assert Case.objects.get(pk=world.old[1].cases[0].pk).citizen_id == second
    assert DeletionItem.objects.get(kind=RecordKind.CITIZEN, object_id=second).status == ItemStatus.PROPOSED
    assert DeletionRecord.objects.get().count == 1

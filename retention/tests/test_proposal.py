"""The proposal: only what a set rule makes due, never a citizen with an open or queued case,
and never the same object twice while its item is pending."""

import datetime

import pytest

from cases.models import Case, CaseStatus
from retention.models import DeletionItem, DeletionList, ItemStatus, RecordKind, RetentionRule
from retention.proposal import deletion_list_propose
from retention.services import deletion_item_hold

from .factories import NOW, set_rules

pytestmark = pytest.mark.django_db


def items(kind):
    return set(DeletionItem.objects.filter(kind=kind).values_list("object_id", flat=True))


def test_the_rules_start_blank_and_then_nothing_is_proposed(world):
    assert set(RetentionRule.objects.values_list("kind", "years")) == {
        ("closed_case", None),
        ("citizen", None),
        ("access_log", None),
    }
    assert deletion_list_propose(now=NOW + datetime.timedelta(days=365 * 80)) is None
    assert not DeletionItem.objects.exists()
    assert not DeletionList.objects.exists()


def test_a_rule_proposes_only_its_kind_and_only_what_it_makes_due(world):
    # given only the closed-case rule
    set_rules(closed_case=5)
    # when
    deletion_list = deletion_list_propose(now=NOW)
    # then the cases closed in 2026 are due (also the open citizen's closed one), from 2031
    expected = {who.cases[0].pk for who in world.old} | {world.still_open.cases[0].pk}
    assert items(RecordKind.CLOSED_CASE) == expected
    assert not items(RecordKind.CITIZEN) and not items(RecordKind.ACCESS_LOG)
    first = DeletionItem.objects.get(object_id=world.old[0].cases[0].pk)
    assert (first.deletion_list, first.due_since, first.rule_years) == (deletion_list, datetime.date(2031, 2, 10), 5)


def test_the_citizen_rule_counts_from_the_last_case_and_never_takes_an_open_or_queued_one(world):
    set_rules(citizen=5)
    queued = world.recent[0]
    Case.objects.create(
        citizen=queued.citizen,
        jobcenter=queued.cases[0].jobcenter,
        programme="standard",
        status=CaseStatus.QUEUED,
        opened_at=NOW,
        queued_at=NOW,
    )
    deletion_list_propose(now=NOW + datetime.timedelta(days=365 * 10))
    proposed = items(RecordKind.CITIZEN)
    assert {who.citizen.pk for who in world.old + world.recent[1:]} == proposed
    assert world.still_open.citizen.pk not in proposed and queued.citizen.pk not in proposed


def test_the_access_log_is_proposed_per_citizen_from_its_oldest_row(world):
    set_rules(access_log=2)
    deletion_list_propose(now=NOW)
    # every citizen has one read from their case's opening (2025) and one from last month
    assert items(RecordKind.ACCESS_LOG) == {who.citizen.pk for who in [*world.old, *world.recent, world.still_open]}


def test_a_rerun_adds_nothing_twice_also_for_held_items(world):
    set_rules(closed_case=5, citizen=5, access_log=2)
    first = deletion_list_propose(now=NOW)
    count = DeletionItem.objects.count()
    deletion_item_hold(item=first.items.first(), reason="A complaint is pending", by=world.admin)
    assert deletion_list_propose(now=NOW + datetime.timedelta(days=1)) is None
    assert DeletionItem.objects.count() == count
    assert DeletionItem.objects.filter(status=ItemStatus.HELD).count() == 1

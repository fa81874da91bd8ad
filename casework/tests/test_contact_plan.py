"""The contact plan's rule in Python (`contact_plan.next_due`) and in SQL
(`selectors.with_contact_plan`) give the same date for the same cases."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cases.models import Case
from casework import contact_plan, selectors
from casework.contact_plan import Rule
from casework.models import ContactRule, Meeting
from staff.models import Caseworker

from .factories import open_case

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")


def _at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=CPH)


def _record(case, day: date, *, status="held", kind="jobsamtale", hour=10):
    starts = _at(day, hour)
    return Meeting.objects.create(
        case=case,
        caseworker_id=case.caseworker_id,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        kind=kind,
        channel="in_person",
        status=status,
        held_at=starts if status == "held" else None,
    )


def _plan(case):
    return selectors.with_contact_plan(Case.objects.filter(pk=case.pk)).get()


def test_the_contract_defaults():
    case = open_case()
    opened = case.opened_at.astimezone(CPH).date()
    assert _plan(case).next_contact_due == opened + timedelta(days=7)
    _record(case, opened + timedelta(days=3))
    assert _plan(case).next_contact_due == opened + timedelta(days=3 + 183 // 4)
    for n in (50, 100, 150):
        _record(case, opened + timedelta(days=n))
    row = _plan(case)
    assert (row.contacts_held, row.last_contact_on) == (4, opened + timedelta(days=150))
    assert row.next_contact_due == opened + timedelta(days=150 + 91)


def test_only_held_jobsamtaler_count():
    case = open_case()
    opened = case.opened_at.astimezone(CPH).date()
    _record(case, opened + timedelta(days=1), kind="other")
    _record(case, opened + timedelta(days=2), status="no_show")
    _record(case, opened + timedelta(days=3), status="cancelled")
    _record(case, opened + timedelta(days=4), status="planned")
    assert _plan(case).contacts_held == 0
    assert _plan(case).next_contact_due == opened + timedelta(days=7)


def test_a_meeting_counts_on_its_copenhagen_date():
    case = open_case()
    opened = case.opened_at.astimezone(CPH).date()
    _record(case, opened + timedelta(days=5), hour=0)  # 00:xx in Copenhagen is the day before in UTC
    assert _plan(case).last_contact_on == opened + timedelta(days=5)


def test_agreed_individually_means_no_due_date_after_the_first_period():
    case = open_case()
    ContactRule.objects.update_or_create(
        programme=case.programme,
        defaults={"first_within_days": 7, "first_period_days": 10, "first_period_meetings": 1, "then_every_days": None},
    )
    assert _plan(case).next_contact_due is not None
    _record(case, case.opened_at.astimezone(CPH).date())
    assert _plan(case).next_contact_due is None


rules = st.builds(
    Rule,
    first_within_days=st.integers(0, 60),
    first_period_days=st.integers(1, 400),
    first_period_meetings=st.integers(1, 8),
    then_every_days=st.none() | st.integers(1, 200),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rule=rules,
    held_days=st.lists(st.integers(-30, 500), max_size=6),
    others=st.lists(st.integers(-30, 500), max_size=3),
)
def test_python_and_sql_agree(rule, held_days, others):
    case = open_case()
    ContactRule.objects.update_or_create(
        programme=case.programme,
        defaults={
            "first_within_days": rule.first_within_days,
            "first_period_days": rule.first_period_days,
            "first_period_meetings": rule.first_period_meetings,
            "then_every_days": rule.then_every_days,
        },
    )
    opened = case.opened_at.astimezone(CPH).date()
    for n in held_days:
        _record(case, opened + timedelta(days=n))
    for n in others:
        _record(case, opened + timedelta(days=n), status="no_show")
    expected = contact_plan.next_due(
        rule=rule,
        opened_on=opened,
        held=len(held_days),
        last_held_on=opened + timedelta(days=max(held_days)) if held_days else None,
        closed=False,
    )
    assert _plan(case).next_contact_due == expected
    # One case's plan (contact_plan_of: counted in SQL, the rule in Python) says the same.
    one = selectors.contact_plan_of(Case.objects.get(pk=case.pk))
    assert (one["next_due"], one["held"]) == (expected, len(held_days))


def test_status_reads_the_date_against_today():
    today = date(2026, 12, 1)
    assert contact_plan.status(due=None, today=today) == "none"
    assert contact_plan.status(due=today - timedelta(days=1), today=today) == "overdue"
    assert contact_plan.status(due=today, today=today) == "due_soon"
    assert contact_plan.status(due=today + timedelta(days=7), today=today) == "due_soon"
    assert contact_plan.status(due=today + timedelta(days=8), today=today) == "on_track"


def test_filters_and_counts_in_constant_queries(django_assert_max_num_queries):
    case = open_case()
    for _ in range(3):
        open_case(caseworker=case.caseworker)
    Case.objects.filter(pk=case.pk).update(opened_at=case.opened_at - timedelta(days=30))
    with django_assert_max_num_queries(2):
        overdue = list(selectors.contact_filter(selectors.with_contact_plan(Case.objects.all()), "overdue"))
    assert [c.pk for c in overdue] == [case.pk]
    with django_assert_max_num_queries(2):  # the rules, then the count
        counted = Caseworker.objects.annotate(n=selectors.contacts_overdue_count("caseworker")).get(
            pk=case.caseworker_id
        )
    assert counted.n == 1


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(held=st.lists(st.lists(st.integers(-200, 3), max_size=4), min_size=1, max_size=6), shift=st.integers(0, 60))
def test_the_day_in_python_lists_what_the_agenda_lists_in_sql(held, shift):
    """`agenda_of_cases` (one read of the caseload, the plan in Python) and `agenda` (three
    querysets, the plan in SQL) give one caseworker's day the same three lists, in order."""
    first = open_case()
    cases = [first] + [open_case(caseworker=first.caseworker) for _ in held[1:]]
    today = date.today() + timedelta(days=shift)
    for case, days in zip(cases, held, strict=True):
        for n in days:
            _record(case, today + timedelta(days=n))
    mine = Case.objects.filter(caseworker_id=first.caseworker_id)
    sql = selectors.agenda(cases=mine, caseworker_id=first.caseworker_id, day=today, today=today)
    python = selectors.agenda_of_cases(list(mine.filter(status="open")), day=today, today=today)
    for name in ("overdue", "due_soon", "new_cases"):
        expected = list(sql[name])
        assert [c.pk for c in python[name]] == [c.pk for c in expected], name
        assert [(c.next_contact_due, c.contacts_held) for c in python[name]] == [
            (c.next_contact_due, c.contacts_held) for c in expected
        ], name

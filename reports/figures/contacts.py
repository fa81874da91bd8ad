"""Contact (kontaktforløb) per quarter and group: the share of contact deadlines met on time,
jobsamtaler held per citizen-month, and the no-show rate (definitions: docs/domain.md,
"The contacts report").

- A case's contact deadlines are the dates `casework.contact_plan.next_due` gives along its
  history, with its programme's rule: the first is the opening date + `first_within_days`;
  after each held jobsamtale, the next is computed from that meeting's date.
- A deadline is met on time when a held jobsamtale falls on or before it, missed when it lies
  before today and before the day the case closed with none held; any other deadline has not
  fallen due and is not counted. A deadline counts in the quarter of its date.
- Citizen-months: the days a case was open in the quarter (its opening and closing days
  included, up to today), ÷ 365.25 / 12, summed over the cases.
- No-show rate: no-shows ÷ (held + no-shows) of the jobsamtaler in the quarter.

Dates are Copenhagen dates. Whatever the number of cases, the cost is six queries: the
programmes' rules, the group labels, the meetings counted per quarter and group, the cases
open and their days counted the same way (both in the database), and two streamed in case
order for the walk in Python along each case's held jobsamtaler — the cases in scope and the
dates of those meetings.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least, TruncQuarter
from django.utils import timezone

from cases.models import Case
from casework.contact_plan import DEFAULT_RULE, Rule, next_due
from casework.models import Meeting, MeetingKind, MeetingStatus
from casework.selectors import contact_rules
from trials.models import TrialArm

from ..dbfunctions import DaysFromTo, LocalDate, roomy_sorts
from ..scope import ReportFilter, Scope
from ..statistics import SMALL_CELL, suppress
from .caseloads import group_labels
from .common import case_pool_condition, quarter_of, quarters_between, team_condition

CITIZEN_MONTH_DAYS = 365.25 / 12
TOTAL = "total"  # the label of the bucket that spans every quarter
MAX_REACH_DAYS = 36_600

# Team and jobcenter are those of the case's current caseworker (its last one, once closed),
# as in the exit pattern: the two reports count the same cases in the same groups.
GROUP_FIELDS = {
    "unit_type": "programme",
    "team": "caseworker__team_id",
    "jobcenter": "jobcenter_id",
    "arm": "trial_enrolment__arm_id",
}


@dataclass(frozen=True)
class ContactFigures:
    cases: int | None
    deadlines: int | None
    met_on_time: int | None
    missed: int | None
    share_on_time: float | None
    held: int | None
    citizen_months: float | None
    held_per_citizen_month: float | None
    no_shows: int | None
    no_show_rate: float | None


@dataclass(frozen=True)
class ContactRow(ContactFigures):
    quarter: str = ""
    group: str = ""
    label: str = ""


@dataclass
class Tally:
    cases: int = 0
    met: int = 0
    missed: int = 0
    held: int = 0
    no_shows: int = 0
    open_days: int = 0


@dataclass(frozen=True)
class Bucket:
    """The days a set of figures is counted over (a quarter within the period, or all of it)."""

    label: str
    first: datetime.date
    last: datetime.date


# --- The walk (pure Python) ----------------------------------------------------------------


def deadlines(
    *,
    rule: Rule,
    opened_on: datetime.date,
    closed_on: datetime.date | None,
    held_on: Sequence[datetime.date],
    today: datetime.date,
) -> Iterator[tuple[datetime.date, bool]]:
    """(deadline, met on time) of each deadline of a case that was met or missed.

    `held_on`: the dates of the case's held jobsamtaler, in order. A deadline that passes
    without a meeting stays the one deadline until the next meeting is held (the contact
    plan shows one next due date, however late); that meeting starts the next one. A rule
    of more days than the calendar holds gives a deadline that never falls due."""
    try:
        due = next_due(rule=rule, opened_on=opened_on, held=0, last_held_on=None, closed=False)
    except OverflowError:
        due = None
    for held, day in enumerate(held_on, start=1):
        if closed_on is not None and day > closed_on:
            break  # the plan of a closed case produces no deadline
        if due is not None:
            if day <= due:
                yield due, True
            elif _missed(due, closed_on=closed_on, today=today):
                yield due, False
        try:
            due = next_due(rule=rule, opened_on=opened_on, held=held, last_held_on=day, closed=False)
        except OverflowError:
            due = None
    if due is not None and _missed(due, closed_on=closed_on, today=today):
        yield due, False


def _missed(due: datetime.date, *, closed_on: datetime.date | None, today: datetime.date) -> bool:
    return due < today and (closed_on is None or due < closed_on)


class _Buckets:
    """Which buckets a day counts in: at most one quarter, and the total when asked for."""

    def __init__(self, quarters: Sequence[Bucket], *, total: bool):
        self.quarters = list(quarters)
        self.firsts = [q.first for q in self.quarters]
        self.total = Bucket(TOTAL, quarters[0].first, quarters[-1].last) if total and quarters else None
        self.all = [*self.quarters, *([self.total] if self.total else [])]
        self._seen: dict[datetime.date, tuple[str, ...]] = {}

    def of(self, day: datetime.date) -> tuple[str, ...]:
        try:
            return self._seen[day]
        except KeyError:
            pass
        i = bisect.bisect_right(self.firsts, day) - 1
        found: tuple[str, ...] = (self.quarters[i].label,) if i >= 0 and day <= self.quarters[i].last else ()
        if self.total and found:
            found += (TOTAL,)
        self._seen[day] = found
        return found


def walk(
    cases: Iterable[tuple[int, str, datetime.date, datetime.date | None, object]],
    held: Iterable[tuple[int, datetime.date]],
    *,
    rules: dict[str, Rule],
    buckets: _Buckets,
    today: datetime.date,
) -> dict[tuple[str, object], list[int]]:
    """[met, missed] per (bucket, group), from cases `(id, programme, opened_on, closed_on,
    group)` and the dates of their held jobsamtaler `(case id, date)`, both in case order:
    a merge, so that neither is held in memory."""
    counts: dict = defaultdict(lambda: [0, 0])
    held = iter(held)
    pending = next(held, None)
    for case_id, programme, opened_on, closed_on, group in cases:
        if closed_on is not None and closed_on > today:
            closed_on = None  # closed after the day the figures are for: open then
        held_on = []
        while pending is not None and pending[0] <= case_id:
            if pending[0] == case_id:
                held_on.append(pending[1])
            pending = next(held, None)
        rule = rules.get(programme, DEFAULT_RULE)
        for due, met in deadlines(rule=rule, opened_on=opened_on, closed_on=closed_on, held_on=held_on, today=today):
            for label in buckets.of(due):
                counts[(label, group)][0 if met else 1] += 1
    return counts


# --- From the database ---------------------------------------------------------------------


def contact_tallies(
    cases: QuerySet[Case], *, group_field: str, buckets: _Buckets, today: datetime.date
) -> dict[tuple[str, object], Tally]:
    """The tallies of `cases` (a filtered queryset) per bucket and value of `group_field`:
    meetings and open days counted in the database, deadlines walked in Python."""
    if not buckets.all:
        return {}
    rules = contact_rules()
    first, last = buckets.all[0].first, min(max(b.last for b in buckets.all), today)
    # A deadline met early may fall in the period although the case closed before it: reach
    # back by the longest interval a rule sets (a century at most: the calendar has an edge).
    reach = max(max(r.first_within_days, r.between_days, r.then_every_days or 0) for r in rules.values())
    since = _local_start(first - datetime.timedelta(days=min(reach, MAX_REACH_DAYS)))
    until = _local_start(max(last, first) + datetime.timedelta(days=1))
    relevant = cases.filter(opened_at__lt=until).exclude(closed_at__lt=since)
    tallies: dict = defaultdict(Tally)
    with roomy_sorts():
        _count_meetings(tallies, relevant, group_field=group_field, buckets=buckets, today=today)
        _count_open_days(tallies, relevant, group_field=group_field, buckets=buckets, today=today)
        case_rows = (
            relevant.annotate(opened_on=LocalDate("opened_at"), closed_on=LocalDate("closed_at"))
            .order_by("pk")
            .values_list("pk", "programme", "opened_on", "closed_on", group_field)
        )
        held_rows = (
            _jobsamtaler(relevant, until=until)
            .filter(status=MeetingStatus.HELD)
            .annotate(day=LocalDate("starts_at"))
            .order_by("case_id", "starts_at", "pk")
            .values_list("case_id", "day")
        )
        counts = walk(
            case_rows.iterator(chunk_size=5000),
            held_rows.iterator(chunk_size=20000),
            rules=rules,
            buckets=buckets,
            today=today,
        )
    for key, (met, missed) in counts.items():
        tallies[key].met, tallies[key].missed = met, missed
    return tallies


def _local_start(day: datetime.date) -> datetime.datetime:
    """The first moment of a Copenhagen day (the dates of the report are Copenhagen dates)."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _jobsamtaler(cases: QuerySet[Case], *, until: datetime.datetime) -> QuerySet[Meeting]:
    return Meeting.objects.filter(case__in=cases.values("pk"), kind=MeetingKind.JOBSAMTALE, starts_at__lt=until)


def _count_meetings(tallies: dict, cases: QuerySet[Case], *, group_field: str, buckets: _Buckets, today) -> None:
    """Held jobsamtaler and no-shows per quarter (and the total) and group, in one query."""
    first, last = buckets.quarters[0].first, min(buckets.quarters[-1].last, today)
    if last < first:
        return
    rows = (
        _jobsamtaler(cases, until=_local_start(last + datetime.timedelta(days=1)))
        .filter(starts_at__gte=_local_start(first), status__in=(MeetingStatus.HELD, MeetingStatus.NO_SHOW))
        .annotate(quarter=TruncQuarter(LocalDate("starts_at")))
        .values("quarter", f"case__{group_field}")
        .order_by()
        .annotate(
            held=Count("pk", filter=Q(status=MeetingStatus.HELD)),
            no_shows=Count("pk", filter=Q(status=MeetingStatus.NO_SHOW)),
        )
    )
    for r in rows:
        quarter = quarter_of(r["quarter"])
        for label in (quarter, TOTAL) if buckets.total else (quarter,):
            figures = tallies[(label, r[f"case__{group_field}"])]
            figures.held += r["held"]
            figures.no_shows += r["no_shows"]


def _count_open_days(tallies: dict, cases: QuerySet[Case], *, group_field: str, buckets: _Buckets, today) -> None:
    """Per bucket and group, the cases open in it and their days open (opening and closing
    days included, up to `today`), in one query: one conditional count and sum per bucket."""
    end = Least(Coalesce(LocalDate("closed_at"), Value(today)), Value(today))
    aggregates = {}
    for i, bucket in enumerate(buckets.all):
        last = min(bucket.last, today)
        if last < bucket.first:
            continue
        inside = Q(opened_at__lt=_local_start(last + datetime.timedelta(days=1))) & (
            Q(closed_at__isnull=True) | Q(closed_at__gte=_local_start(bucket.first))
        )
        days = DaysFromTo(Greatest(LocalDate("opened_at"), Value(bucket.first)), Least(end, Value(last)))
        aggregates[f"cases_{i}"] = Count("pk", filter=inside)
        aggregates[f"days_{i}"] = Sum(days + 1, filter=inside)
    if not aggregates:
        return
    for r in cases.values(group_field).order_by().annotate(**aggregates):
        for i, bucket in enumerate(buckets.all):
            if r.get(f"cases_{i}"):
                figures = tallies[(bucket.label, r[group_field])]
                figures.cases += r[f"cases_{i}"]
                figures.open_days += r[f"days_{i}"] or 0


def quarter_buckets(first: datetime.date, last: datetime.date) -> list[Bucket]:
    """The calendar quarters of [first, last], cut to it."""
    return [Bucket(label, max(start, first), min(end, last)) for label, start, end in quarters_between(first, last)]


def figures_of(t: Tally | None) -> ContactFigures:
    """A tally as shown: nothing about fewer than five cases, no count from 1 to 4, and no
    share that would give such a count back."""
    t = t or Tally()
    if t.cases < SMALL_CELL:  # also none at all: meetings or deadlines of cases not open then
        return ContactFigures(None, None, None, None, None, None, None, None, None, None)
    deadlines_n = t.met + t.missed
    met, missed = suppress(t.met), suppress(t.missed)
    if met is None or missed is None:
        met = missed = None  # with the number of deadlines, either one gives the other away
    held, no_shows = suppress(t.held), suppress(t.no_shows)
    months = t.open_days / CITIZEN_MONTH_DAYS
    meetings = t.held + t.no_shows
    return ContactFigures(
        cases=t.cases,
        deadlines=suppress(deadlines_n),
        met_on_time=met,
        missed=missed,
        share_on_time=met / deadlines_n if met is not None and deadlines_n else None,
        held=held,
        citizen_months=round(months, 2),
        held_per_citizen_month=held / months if held is not None and months else None,
        no_shows=no_shows,
        no_show_rate=no_shows / meetings if held is not None and no_shows is not None and meetings else None,
    )


# --- The report ----------------------------------------------------------------------------


def scoped_cases(*, scope: Scope, filters: ReportFilter, group_by: str) -> QuerySet[Case]:
    """The cases of the report: as the exit pattern counts them (an administrator's totals
    include queued cases, whose clock runs too; a leader's, the cases of their teams)."""
    if scope.everything and not filters.team_id:
        condition = case_pool_condition(filters)
    else:
        condition = team_condition(scope=scope, filters=filters, prefix="caseworker__team")
    cases = Case.objects.filter(condition)
    if group_by == "arm":
        cases = cases.filter(trial_enrolment__arm__isnull=False)
    return cases


def contact_report(
    *, scope: Scope, filters: ReportFilter, group_by: str = "unit_type", today: datetime.date | None = None
) -> list[ContactRow]:
    today = today or timezone.localdate()
    buckets = _Buckets(quarter_buckets(filters.date_from, filters.date_to), total=False)
    tallies = contact_tallies(
        scoped_cases(scope=scope, filters=filters, group_by=group_by),
        group_field=GROUP_FIELDS[group_by],
        buckets=buckets,
        today=today,
    )
    labels = arm_labels() if group_by == "arm" else group_labels(group_by)
    return rows_of(tallies, labels)


def rows_of(tallies: dict, labels: dict) -> list[ContactRow]:
    rows = [
        ContactRow(
            quarter=quarter,
            group="" if group is None else str(group),
            label=labels.get(group, "—") if group is not None else "—",
            **asdict(figures_of(t)),
        )
        for (quarter, group), t in tallies.items()
    ]
    return sorted(rows, key=lambda r: (r.quarter, r.label, r.group))


def arm_labels() -> dict[int, str]:
    return {pk: f"{trial}: {arm}" for pk, trial, arm in TrialArm.objects.values_list("pk", "trial__name", "name")}


def trial_contacts(
    enrolments, *, starts_on: datetime.date, as_of: datetime.datetime, labels: dict[int, str]
) -> tuple[dict[int, ContactFigures], list[ContactRow]]:
    """Per arm of a trial (its drawn enrolments up to `as_of`), from the trial's first day to
    `as_of`: the figures over the whole time, and per quarter (`labels`: arm id → name)."""
    today = timezone.localtime(as_of).date()
    buckets = _Buckets(quarter_buckets(min(starts_on, today), today), total=True)
    cases = Case.objects.filter(trial_enrolment__in=enrolments.filter(arm__isnull=False))
    tallies = contact_tallies(cases, group_field=GROUP_FIELDS["arm"], buckets=buckets, today=today)
    totals = {arm: figures_of(t) for (label, arm), t in tallies.items() if label == TOTAL}
    quarters = {key: t for key, t in tallies.items() if key[0] != TOTAL}
    return totals, rows_of(quarters, labels)

"""Reads of casework: the contact plan rendered in SQL for any list of cases, the journal
and the meetings of a case, a caseworker's meetings.

None of these decide visibility: callers pass querysets that `access.scopes` has already
narrowed to what the user may see.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta

from django.db.models import Case as When_
from django.db.models import Count, F, IntegerField, Max, OuterRef, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from cases.models import Case, CaseStatus, Programme

from . import contact_plan
from .contact_plan import DEFAULT_RULE, Rule
from .dbfunctions import AddDays, local_date
from .models import ContactRule, JournalEntry, Meeting, MeetingKind, MeetingStatus


def contact_rules() -> dict[str, Rule]:
    """Every programme's rule (one query); a programme without a row has the default."""
    rules = {p: DEFAULT_RULE for p in Programme.values}
    for row in ContactRule.objects.all():
        rules[row.programme] = rule_of(row)
    return rules


def rule_of(row: ContactRule) -> Rule:
    return Rule(
        first_within_days=row.first_within_days,
        first_period_days=row.first_period_days,
        first_period_meetings=row.first_period_meetings,
        then_every_days=row.then_every_days,
    )


def contact_rule_rows(rows: QuerySet[ContactRule]) -> list[ContactRule]:
    """A row for every programme, in programme order: those of `rows`, and for a programme
    without one an unsaved row with the default (saving it creates the programme's rule)."""
    found = {row.programme: row for row in rows}
    return [found.get(p) or ContactRule(programme=p) for p in sorted(Programme.values)]


def contact_rule_of(programme: str) -> Rule:
    row = ContactRule.objects.filter(programme=programme).first()
    return rule_of(row) if row is not None else DEFAULT_RULE


def _per_programme(rules: dict[str, Rule], value: Callable[[Rule], int | None]):
    """One rule figure as an SQL expression of the case's programme."""
    return When_(
        *(When(programme=p, then=Value(value(rule))) for p, rule in rules.items()),
        default=Value(value(DEFAULT_RULE)),
        output_field=IntegerField(),
    )


def _held_jobsamtaler():
    return (
        Meeting.objects.filter(case=OuterRef("pk"), kind=MeetingKind.JOBSAMTALE, status=MeetingStatus.HELD)
        .order_by()
        .values("case")
    )


def with_contact_plan(cases: QuerySet[Case], *, rules: dict[str, Rule] | None = None) -> QuerySet[Case]:
    """`cases` with `contacts_held`, `last_contact_on` and `next_contact_due`: the rule of
    `contact_plan.next_due` in SQL, so that a page of any size costs the same queries.
    The clock runs from the day the case opened, queued or not."""
    rules = contact_rules() if rules is None else rules
    held = _held_jobsamtaler()
    cases = cases.annotate(
        contacts_held=Coalesce(Subquery(held.annotate(n=Count("pk")).values("n")[:1]), Value(0)),
        last_contact_on=Subquery(held.annotate(d=Max(local_date("starts_at"))).values("d")[:1]),
    )
    return cases.annotate(
        next_contact_due=When_(
            When(status=CaseStatus.CLOSED, then=Value(None)),
            When(
                contacts_held=0,
                then=AddDays(local_date("opened_at"), _per_programme(rules, lambda r: r.first_within_days)),
            ),
            When(
                contacts_held__lt=_per_programme(rules, lambda r: r.first_period_meetings),
                then=AddDays(F("last_contact_on"), _per_programme(rules, lambda r: r.between_days)),
            ),
            default=AddDays(F("last_contact_on"), _per_programme(rules, lambda r: r.then_every_days)),
        )
    )


def contact_filter(cases: QuerySet[Case], status: str, *, today: date | None = None) -> QuerySet[Case]:
    """Cases annotated by `with_contact_plan` whose contact has `status` as of `today`."""
    today = today or timezone.localdate()
    soon = today + timedelta(days=contact_plan.DUE_SOON_DAYS)
    if status == contact_plan.OVERDUE:
        return cases.filter(next_contact_due__lt=today)
    if status == contact_plan.DUE_SOON:
        return cases.filter(next_contact_due__gte=today, next_contact_due__lte=soon)
    if status == contact_plan.ON_TRACK:
        return cases.filter(next_contact_due__gt=soon)
    return cases.filter(next_contact_due__isnull=True)


def overdue_cases(cases: QuerySet[Case], *, today: date | None = None, by_more_than_days: int = 0) -> QuerySet[Case]:
    """Open cases of `cases` whose next conversation was due more than `by_more_than_days`
    before `today`."""
    today = today or timezone.localdate()
    annotated = with_contact_plan(cases.filter(status=CaseStatus.OPEN))
    return annotated.filter(next_contact_due__lt=today - timedelta(days=by_more_than_days))


def contacts_overdue_count(
    outer: str,
    *,
    today: date | None = None,
    status: str = CaseStatus.OPEN,
    rules: dict[str, Rule] | None = None,
):
    """A subquery expression: how many cases (of `status`) whose `outer` field equals the
    outer row's id are overdue for contact; for `.annotate(contacts_overdue=...)` on
    caseworkers (`outer="caseworker"`) or teams (`outer="caseworker__team"`). `rules`: the
    contact rules when the caller has read them already (`contact_rules()`)."""
    today = today or timezone.localdate()
    inner = with_contact_plan(Case.objects.filter(**{outer: OuterRef("pk")}, status=status), rules=rules).filter(
        next_contact_due__lt=today
    )
    return Coalesce(Subquery(inner.order_by().values(outer).annotate(n=Count("pk")).values("n")[:1]), Value(0))


def contacts_overdue_of(*, outer: str, pk: int, today: date | None = None) -> int:
    """`contacts_overdue_count` of one team (`outer="caseworker__team"`) or caseworker
    (`outer="caseworker"`), for an object that was read without the annotation."""
    return overdue_cases(Case.objects.filter(**{outer: pk}), today=today).count()


def contact_plan_of(case: Case, *, today: date | None = None, just_opened: bool = False) -> dict:
    """`{next_due, status, held, last_held_on}` of one case (`contact_plans_of`). For one case
    the SQL rendering cost more to build than to run: about 10 ms of CPU on every intake's
    answer. `just_opened`: the case was opened by this very request, so it has held no
    conversation and there is nothing to count."""
    return contact_plans_of([case], today=today, just_opened=just_opened)[case.pk]


def contact_plans_of(cases: list[Case], *, today: date | None = None, just_opened: bool = False) -> dict[int, dict]:
    """`{next_due, status, held, last_held_on}` of each of a few cases (one caseworker's, one
    page's), by id: their held jobsamtaler counted in one SQL query, the rule applied in Python
    (`contact_plan.next_due`, the rule `with_contact_plan` renders for lists;
    tests/test_contact_plan.py runs both). Cheaper than compiling the SQL rendering into each
    of several queries, as a caseworker's day would."""
    today = today or timezone.localdate()
    held: dict[int, dict] = {}
    if not just_opened and cases:
        counted = (
            Meeting.objects.filter(
                case_id__in=[case.pk for case in cases], kind=MeetingKind.JOBSAMTALE, status=MeetingStatus.HELD
            )
            .order_by()
            .values("case_id")
            .annotate(n=Count("pk"), last=Max(local_date("starts_at")))
        )
        held = {row["case_id"]: row for row in counted}
    programmes = {case.programme for case in cases}
    # one query either way: one programme's row, or every programme's
    rules = contact_rules() if len(programmes) > 1 else {p: contact_rule_of(p) for p in programmes}
    plans = {}
    for case in cases:
        row = held.get(case.pk, {"n": 0, "last": None})
        due = contact_plan.next_due(
            rule=rules[case.programme],
            opened_on=timezone.localdate(case.opened_at),
            held=row["n"],
            last_held_on=row["last"],
            closed=case.status == CaseStatus.CLOSED,
        )
        plans[case.pk] = {
            "next_due": due,
            "status": contact_plan.status(due=due, today=today),
            "held": row["n"],
            "last_held_on": row["last"],
        }
    return plans


def journal_of_case(case: Case) -> QuerySet[JournalEntry]:
    return JournalEntry.objects.filter(case=case).order_by("-written_at", "-id")


def meetings_of_case(case: Case) -> QuerySet[Meeting]:
    return Meeting.objects.filter(case=case).order_by("starts_at", "id")


def meetings_of_caseworker(*, caseworker_id: int, starts_after, starts_before) -> QuerySet[Meeting]:
    return Meeting.objects.filter(
        caseworker_id=caseworker_id, starts_at__gte=starts_after, starts_at__lt=starts_before
    ).order_by("starts_at", "id")


def overlapping_planned(*, caseworker_id: int, starts_at, ends_at, exclude_id: int | None = None) -> QuerySet[Meeting]:
    overlapping = planned_overlapping(caseworker_ids=[caseworker_id], starts_at=starts_at, ends_at=ends_at)
    return overlapping.exclude(pk=exclude_id) if exclude_id else overlapping


def planned_overlapping(*, caseworker_ids, starts_at, ends_at) -> QuerySet[Meeting]:
    """The planned meetings of these caseworkers that overlap [starts_at, ends_at): the rule
    of the no-double-booking constraint (half-open ranges), which `times_overlap` is in Python."""
    return Meeting.objects.filter(
        caseworker_id__in=caseworker_ids, status=MeetingStatus.PLANNED, starts_at__lt=ends_at, ends_at__gt=starts_at
    )


def times_overlap(first: tuple[datetime, datetime], second: tuple[datetime, datetime]) -> bool:
    """Whether two (start, end) ranges overlap, half-open as `planned_overlapping` compares."""
    return first[0] < second[1] and second[0] < first[1]


def meetings_of_cases_at(*, case_ids, starts) -> QuerySet[Meeting]:
    """The meetings of these cases that start at one of `starts` (an import's natural key)."""
    return Meeting.objects.filter(case_id__in=case_ids, starts_at__in=starts)


NEW_TO_YOU_DAYS = 14


def meetings_of_the_day(*, cases: QuerySet[Case], caseworker_id: int, day: date) -> QuerySet[Meeting]:
    """The caseworker's meetings on `day` that are not cancelled, of the cases in `cases`."""
    tz = timezone.get_current_timezone()
    starts = timezone.make_aware(datetime.combine(day, time.min), tz)
    ends = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz)
    # Narrowed to the cases the user sees: a meeting held before the case moved on stays the
    # old caseworker's, but its case is no longer theirs to see.
    return (
        meetings_of_caseworker(caseworker_id=caseworker_id, starts_after=starts, starts_before=ends)
        .exclude(status=MeetingStatus.CANCELLED)
        .filter(case_id__in=cases.values("pk"))
    )


def new_to_you_between(day: date) -> tuple[datetime, datetime]:
    """The assignments "new to you" on `day`: from local midnight NEW_TO_YOU_DAYS - 1 days
    before it up to the midnight that ends it."""
    tz = timezone.get_current_timezone()
    since = timezone.make_aware(datetime.combine(day - timedelta(days=NEW_TO_YOU_DAYS - 1), time.min), tz)
    return since, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min), tz)


def agenda_of_cases(cases: list[Case], *, day: date, today: date | None = None) -> dict:
    """`agenda`'s three lists of cases from one caseworker's open cases, fetched already:
    overdue (most overdue first), due soon (soonest first), new to them (newest first), each
    case with `next_contact_due`, `contacts_held` and `last_contact_on` as `with_contact_plan`
    annotates them. The contact plan in Python (`contact_plans_of`); a caseload is small."""
    today = today or timezone.localdate()
    plans = contact_plans_of(cases, today=today)
    for case in cases:
        plan = plans[case.pk]
        case.next_contact_due, case.contacts_held, case.last_contact_on = (
            plan["next_due"],
            plan["held"],
            plan["last_held_on"],
        )
    since, ends = new_to_you_between(day)
    by_due = sorted((c for c in cases if c.next_contact_due is not None), key=lambda c: (c.next_contact_due, c.pk))
    return {
        "overdue": [c for c in by_due if plans[c.pk]["status"] == contact_plan.OVERDUE],
        "due_soon": [c for c in by_due if plans[c.pk]["status"] == contact_plan.DUE_SOON],
        "new_cases": sorted(
            (c for c in cases if c.assigned_at is not None and since <= c.assigned_at < ends),
            key=lambda c: (c.assigned_at, c.pk),
            reverse=True,
        ),
    }


def agenda(*, cases: QuerySet[Case], caseworker_id: int | None, day: date, today: date | None = None) -> dict:
    """A caseworker's day: their meetings on `day` that are not cancelled (earliest first);
    their open cases overdue for contact (most overdue first) or due soon, as of `today`;
    and their open cases that came to them in the 14 days up to `day`. `cases` is what the
    user may see (the lists are narrowed to the cases they hold). Querysets, not lists: the
    caller decides what to fetch with them."""
    today = today or timezone.localdate()
    if caseworker_id is None:
        none = Case.objects.none()
        return {"date": day, "meetings": Meeting.objects.none(), "overdue": none, "due_soon": none, "new_cases": none}
    meetings = meetings_of_the_day(cases=cases, caseworker_id=caseworker_id, day=day)
    mine = with_contact_plan(cases.filter(caseworker_id=caseworker_id, status=CaseStatus.OPEN))
    since, ends = new_to_you_between(day)
    return {
        "date": day,
        "meetings": meetings.select_related("case"),
        "overdue": contact_filter(mine, contact_plan.OVERDUE, today=today).order_by("next_contact_due", "pk"),
        "due_soon": contact_filter(mine, contact_plan.DUE_SOON, today=today).order_by("next_contact_due", "pk"),
        "new_cases": mine.filter(assigned_at__gte=since, assigned_at__lt=ends).order_by("-assigned_at", "-pk"),
    }

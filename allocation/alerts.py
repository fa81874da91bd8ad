"""Alerts to team leaders while a team breaks its caseload limits, or lets the contact plan
of its cases fall behind (`contacts_overdue`).

`caseloads_check` is one pass of aggregate queries — the same handful of queries for one
team or for the whole country — that turns the state of the caseloads into the set of
conditions that should have an open alert, then makes the `Alert` table agree: opens
what is new, resolves what cleared, refreshes the figures of what stays open.

Alerts are derived from state, never from events. That is what makes the check safe to
run at any time, any number of times, concurrently: the database's partial unique
constraint `alert_one_open_per_subject` keeps one open alert per (team, kind, subject)
whoever wins the race, and a trigger that was lost (the broker was down) only delays an
alert until the next periodic run.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, Min, OuterRef, Q, Sum, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone, translation

from cases.models import Case, CaseStatus
from casework import selectors as casework_selectors
from staff.models import HUNDREDTHS, Caseworker, CaseworkerStatus, Team, from_hundredths

from .models import Alert, AlertKind
from .notifications import alert_message, alerts_notify

# A queue alert lists the longest-waiting cases, not all of them: enough for the leader
# to act on, bounded however long the queue grows.
CASE_IDS_LISTED = 50


@dataclass(frozen=True)
class Condition:
    """Something that should have an open alert right now."""

    team_id: int
    kind: str
    subject: str
    details: dict
    caseworker_id: int | None = None

    @property
    def key(self) -> tuple[int, str, str]:
        return (self.team_id, self.kind, self.subject)


@dataclass
class CheckResult:
    # New conditions this check inserted; a concurrent check may have inserted some first.
    opened: int = 0
    resolved: int = 0
    open: int = 0
    drained: int = 0
    notified: int = 0

    def as_dict(self) -> dict:
        return {
            "opened": self.opened,
            "resolved": self.resolved,
            "open": self.open,
            "drained": self.drained,
            "notified": self.notified,
        }


# --- Messages ----------------------------------------------------------------------------


def _stored_message(*, kind: str, details: dict) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return alert_message(kind=kind, details=details)


# --- The conditions: one aggregate query each --------------------------------------------


def _caseworkers_over_cap(*, team_ids: list[int] | None) -> list[Condition]:
    """Load above cap. Where cases carry weights other than 1 (the load is not the count) the
    details give the load, and `over_by` is in the load's unit; otherwise they are as ever."""
    rows = Caseworker.objects.filter(load_hundredths__gt=F("cap") * HUNDREDTHS)
    if team_ids is not None:
        rows = rows.filter(team_id__in=team_ids)
    conditions = []
    fields = ("id", "team_id", "full_name", "open_cases", "cap", "load_hundredths")
    for pk, team_id, name, open_cases, cap, load in rows.values_list(*fields):
        details = {"caseworker": pk, "caseworker_name": name, "open_cases": open_cases, "cap": cap}
        if load == open_cases * HUNDREDTHS:
            details["over_by"] = open_cases - cap
        else:
            details["load"] = _number(load)
            details["over_by"] = _number(load - cap * HUNDREDTHS)
        conditions.append(
            Condition(
                team_id=team_id,
                kind=AlertKind.CASEWORKER_OVER_CAP,
                subject=str(pk),
                caseworker_id=pk,
                details=details,
            )
        )
    return conditions


def _number(hundredths: int) -> int | float:
    """A load for an alert's details (JSON): a whole number as such, else two decimals."""
    value = from_hundredths(hundredths)
    return int(value) if value == value.to_integral_value() else float(value)


def _teams_over_capacity(*, team_ids: list[int] | None) -> list[Condition]:
    """Open cases of every caseworker of the team against the caps of the active ones.

    Sending someone on leave keeps their cases in the team but takes their cap out of
    its capacity — exactly the situation a leader must hear about.
    """
    teams = Team.objects.all() if team_ids is None else Team.objects.filter(pk__in=team_ids)
    teams = (
        teams.annotate(
            open_total=Coalesce(Sum("caseworkers__open_cases"), 0),
            load_total=Coalesce(Sum("caseworkers__load_hundredths"), 0),
            capacity=Coalesce(Sum("caseworkers__cap", filter=Q(caseworkers__status=CaseworkerStatus.ACTIVE)), 0),
        )
        .filter(load_total__gt=F("capacity") * HUNDREDTHS)
        .order_by()
    )
    conditions = []
    for pk, name, open_total, load_total, capacity in teams.values_list(
        "id", "name", "open_total", "load_total", "capacity"
    ):
        details = {"team": name, "open_cases": open_total, "capacity": capacity}
        if load_total == open_total * HUNDREDTHS:
            details["over_by"] = open_total - capacity
        else:
            details["load"] = _number(load_total)
            details["over_by"] = _number(load_total - capacity * HUNDREDTHS)
        conditions.append(Condition(team_id=pk, kind=AlertKind.TEAM_OVER_CAPACITY, subject="", details=details))
    return conditions


def _queues_waiting(*, team_ids: list[int] | None, now: datetime.datetime) -> list[Condition]:
    """Pools with cases queued longer than QUEUE_ALERT_AFTER_HOURS: one alert per team of
    that unit type in that jobcenter, because any of those leaders can make room."""
    threshold_hours = settings.QUEUE_ALERT_AFTER_HOURS
    waiting = Case.objects.filter(
        status=CaseStatus.QUEUED, queued_at__lte=now - datetime.timedelta(hours=threshold_hours)
    )
    teams = Team.objects.all()
    if team_ids is not None:
        teams = teams.filter(pk__in=team_ids)
        scoped = teams.filter(jobcenter_id=OuterRef("jobcenter_id"), unit_type=OuterRef("programme"))
        waiting = waiting.filter(Exists(scoped))
    pool = [F("jobcenter_id"), F("programme")]
    # The longest-waiting cases of each pool, with the pool's total, in one query.
    rows = (
        waiting.annotate(
            position=Window(RowNumber(), partition_by=pool, order_by=[F("queued_at").asc(), F("id").asc()]),
            pool_total=Window(Count("id"), partition_by=pool),
        )
        .filter(position__lte=CASE_IDS_LISTED)
        .order_by("jobcenter_id", "programme", "position")
        .values_list("jobcenter_id", "programme", "id", "queued_at", "pool_total")
    )
    pools: dict[tuple[int, str], dict] = {}
    for jobcenter_id, programme, case_id, queued_at, total in rows:
        entry = pools.setdefault(
            (jobcenter_id, programme),
            {
                "jobcenter": jobcenter_id,
                "programme": programme,
                "waiting": total,
                "threshold_hours": threshold_hours,
                "oldest_queued_at": queued_at.isoformat(),
                "oldest_hours": int((now - queued_at).total_seconds() // 3600),
                "case_ids": [],
            },
        )
        entry["case_ids"].append(case_id)
    if not pools:
        return []
    jobcenter_ids = sorted({j for j, _ in pools})
    team_rows = teams.filter(jobcenter_id__in=jobcenter_ids).values_list("id", "jobcenter_id", "unit_type")
    return [
        Condition(team_id=pk, kind=AlertKind.QUEUE_WAITING, subject="", details=pools[(jobcenter_id, unit_type)])
        for pk, jobcenter_id, unit_type in team_rows
        if (jobcenter_id, unit_type) in pools
    ]


def _contacts_overdue(*, team_ids: list[int] | None, now: datetime.datetime) -> list[Condition]:
    """Teams with an open case more than CONTACT_ALERT_AFTER_DAYS past its next conversation's
    due date (casework's contact plan, computed in the database): the contact rules and one
    grouped query, however many cases. Counts only: the leader finds the cases on the board."""
    after_days = settings.CONTACT_ALERT_AFTER_DAYS
    today = timezone.localdate(now)
    cases = Case.objects.all() if team_ids is None else Case.objects.filter(caseworker__team_id__in=team_ids)
    rows = (
        casework_selectors.overdue_cases(cases, today=today, by_more_than_days=after_days)
        .values("caseworker__team_id", "caseworker__team__name")
        .annotate(overdue=Count("pk"), oldest_due=Min("next_contact_due"))
        .order_by()
    )
    return [
        Condition(
            team_id=team_id,
            kind=AlertKind.CONTACTS_OVERDUE,
            subject="",
            details={
                "team": name,
                "overdue": overdue,
                "after_days": after_days,
                "most_days_over": (today - oldest_due).days,
            },
        )
        for team_id, name, overdue, oldest_due in rows.values_list(
            "caseworker__team_id", "caseworker__team__name", "overdue", "oldest_due"
        )
    ]


def caseload_conditions(*, team_ids: list[int] | None = None, now: datetime.datetime | None = None) -> list[Condition]:
    """Every condition that should have an open alert, for all teams or the given ones."""
    now = now or timezone.now()
    return [
        *_caseworkers_over_cap(team_ids=team_ids),
        *_teams_over_capacity(team_ids=team_ids),
        *_queues_waiting(team_ids=team_ids, now=now),
        *_contacts_overdue(team_ids=team_ids, now=now),
    ]


# --- Making the Alert table agree --------------------------------------------------------


def caseloads_check(*, team_ids: list[int] | None = None, now: datetime.datetime | None = None) -> CheckResult:
    """Open, resolve and refresh alerts so that they match the caseloads now.

    With `team_ids` only those teams are looked at (and only their alerts resolved): the
    prompt check after a change. Without, every team: the periodic check.
    """
    now = now or timezone.now()
    team_ids = sorted(set(team_ids)) if team_ids is not None else None
    wanted = {c.key: c for c in caseload_conditions(team_ids=team_ids, now=now)}
    result = CheckResult()
    with transaction.atomic():
        current = Alert.objects.filter(resolved_at__isnull=True)
        if team_ids is not None:
            current = current.filter(team_id__in=team_ids)
        existing = {
            (team_id, kind, subject): (pk, caseworker_id, details)
            for pk, team_id, kind, subject, caseworker_id, details in current.values_list(
                "id", "team_id", "kind", "subject", "caseworker_id", "details"
            )
        }
        cleared = [pk for key, (pk, _, _) in existing.items() if key not in wanted]
        if cleared:
            result.resolved = Alert.objects.filter(pk__in=cleared, resolved_at__isnull=True).update(
                resolved_at=now, updated_at=now
            )
        new = [c for key, c in wanted.items() if key not in existing]
        _open_new(conditions=new)
        result.opened = len(new)
        _refresh_figures(
            changed=[
                (existing[key][0], c)
                for key, c in wanted.items()
                if key in existing and (existing[key][1], existing[key][2]) != (c.caseworker_id, c.details)
            ],
            now=now,
        )
    result.open = len(wanted)
    return result


def _open_new(*, conditions: list[Condition]) -> None:
    """Insert the new alerts. A concurrent check that inserted the same one first wins
    quietly: ON CONFLICT DO NOTHING against the partial unique index."""
    if conditions:
        Alert.objects.bulk_create(
            [
                Alert(
                    team_id=c.team_id,
                    kind=c.kind,
                    subject=c.subject,
                    caseworker_id=c.caseworker_id,
                    details=c.details,
                    message=_stored_message(kind=c.kind, details=c.details),
                )
                for c in conditions
            ],
            ignore_conflicts=True,
            batch_size=1000,
        )


def _refresh_figures(*, changed: list[tuple[int, Condition]], now: datetime.datetime) -> None:
    """Keep the figures of alerts that stay open current (how far over, how long waiting)."""
    alerts = [
        Alert(
            pk=pk,
            caseworker_id=c.caseworker_id,
            details=c.details,
            message=_stored_message(kind=c.kind, details=c.details),
            updated_at=now,
        )
        for pk, c in changed
    ]
    if alerts:
        Alert.objects.bulk_update(alerts, ["caseworker", "details", "message", "updated_at"], batch_size=500)


# --- One run, as the task and the command do it ------------------------------------------


def teams_of_pools(*, pools: list[list]) -> list[int]:
    condition = Q(pk__in=[])
    for jobcenter_id, programme in pools:
        condition |= Q(jobcenter_id=jobcenter_id, unit_type=programme)
    return list(Team.objects.filter(condition).values_list("id", flat=True))


def caseloads_run(
    *,
    team_ids: list[int] | None = None,
    pools: list[list] | None = None,
    now: datetime.datetime | None = None,
) -> CheckResult:
    """Check every team (no arguments), or just `team_ids` and the teams of `pools`
    (jobcenter id, programme) after a change that may have broken a limit; then e-mail the
    leaders about new alerts. The periodic run sweeps the queue first
    (`services.caseloads_check_run`)."""
    if team_ids is None and pools is None:
        result = caseloads_check(now=now)
    else:
        scope = set(team_ids or ()) | set(teams_of_pools(pools=pools or []))
        result = caseloads_check(team_ids=sorted(scope), now=now)
    result.notified = alerts_notify(now=now)
    return result

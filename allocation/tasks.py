"""Celery tasks: thin wrappers, ids in, one service call each, safe to run twice.

Scheduling (CELERY_BEAT_SCHEDULE in settings): `allocation.check_caseloads` every
CASELOAD_CHECK_INTERVAL_SECONDS, `allocation.snapshot_caseloads` nightly,
`allocation.remind_open_alerts` each morning, `allocation.refresh_caps` after midnight, and
the sweep of the new-cases digest (`allocation.notify_new_cases`, defined in `new_cases.py`)
every NEW_CASES_SWEEP_SECONDS.

Only ONE beat may run (`celery worker --beat` in one place, or the `beat` service):
two schedulers would send every periodic task twice. That would be harmless — alerts are
deduplicated by the database's unique constraint, e-mails by the claim on `notified_at`,
snapshots are replaced per date — but it is wasted work.

The prompt check after a change that may breach a limit is `prompt_check.check_teams`, and
the digest after an allocation is `new_cases.notify_new_cases`: both are sent by the services
themselves, so they live beside what they run.
"""

from __future__ import annotations

import datetime

from celery import shared_task

from core.reliability import RELIABLE

from . import notifications, services, snapshots


@shared_task(name="allocation.check_caseloads", **RELIABLE)
def check_caseloads(team_ids: list[int] | None = None, pools: list[list] | None = None) -> dict:
    """Without arguments the periodic check of every team (after the queue sweep); with
    team ids and/or pools ([jobcenter id, programme]) the check of those teams only (as
    messages sent before `prompt_check.check_teams` existed ask)."""
    return services.caseloads_check_run(team_ids=team_ids, pools=pools).as_dict()


@shared_task(name="allocation.snapshot_caseloads", **RELIABLE)
def snapshot_caseloads(date: str | None = None) -> dict:
    """Record today's (or the ISO `date`'s) caseloads; a re-run replaces that day's rows."""
    day = datetime.date.fromisoformat(date) if date else None
    return snapshots.caseloads_snapshot(day=day).as_dict()


@shared_task(name="allocation.remind_open_alerts", **RELIABLE)
def remind_open_alerts() -> int:
    return notifications.alerts_remind()


@shared_task(name="allocation.refresh_caps", **RELIABLE)
def refresh_caps(date: str | None = None) -> int:
    """Each night: caps that change by the calendar (a new colleague's reduced period ends)
    take effect, and the queue drains into the room. How many caps changed."""
    day = datetime.date.fromisoformat(date) if date else None
    return len(services.caseworkers_refresh_caps(today=day))

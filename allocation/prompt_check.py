"""The prompt caseload check: after a change that may breach a limit, check those teams now.

A service that can breach a limit (a queued case, a lowered cap or policy, a caseworker
sent on leave or moved) calls `after_commit(...)` itself. Once the change has committed,
the check of those teams is sent to the worker, where `check_teams` opens the alerts and
e-mails the leaders (`alerts.caseloads_run`). The periodic check (tasks.py) is the safety
net for a message the broker lost.

The task lives here, not in tasks.py, because services send it and tasks.py calls services
(the periodic queue sweep): imports point tasks → services → prompt_check → alerts.
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

from core.reliability import RELIABLE

from . import alerts, broker


@shared_task(name="allocation.check_teams", **RELIABLE)
def check_teams(team_ids: list[int] | None = None, pools: list[list] | None = None) -> dict:
    """The check of these teams and of the teams of these pools ([jobcenter id, programme])."""
    return alerts.caseloads_run(team_ids=team_ids or [], pools=pools or []).as_dict()


def after_commit(*, team_ids=(), pools=()) -> None:
    """Check these teams (and the teams of these pools) once the current change commits."""
    kwargs = {"team_ids": sorted(set(team_ids))}
    if pools:
        kwargs["pools"] = [[jobcenter_id, programme] for jobcenter_id, programme in pools]
    transaction.on_commit(lambda: enqueue(**kwargs))


def enqueue(**kwargs) -> bool:
    """Send the check to the broker (`broker.publish`: never raises, never hangs).

    A lost message loses nothing: alerts follow from the state of the caseloads, and the
    periodic check (every CASELOAD_CHECK_INTERVAL_SECONDS) raises the alert anyway.
    """
    return broker.publish(check_teams, kwargs=kwargs, what="the caseload check")

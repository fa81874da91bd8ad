"""The periodic run: sweep every queue, then check every team: its limits, its queue and
the contact plan of its cases (`alerts.caseload_conditions`)."""

from __future__ import annotations

import datetime

from .. import alerts
from .queue import queue_drain_all


def caseloads_check_run(
    *, team_ids: list[int] | None = None, pools: list[list] | None = None, now: datetime.datetime | None = None
) -> alerts.CheckResult:
    """Without arguments: the sweep first — the safety net for a drain lost to a failure, and
    what it places no longer waits in the queue — then the check of every team. With teams
    or pools: the check of those alone."""
    if team_ids is not None or pools is not None:
        return alerts.caseloads_run(team_ids=team_ids, pools=pools, now=now)
    drained = queue_drain_all()
    result = alerts.caseloads_run(now=now)
    result.drained = drained
    return result

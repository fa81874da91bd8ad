"""Allocation transactions: intake, close, reassign, the queue, and staff changes that
create capacity. The decision itself is `engine.choose_caseworker`; these modules make it
hold in the database (locking rules: `locking.py`; the one-statement intake: `intake.py`).

- `choosing`: the pool, the ranked candidates and the claim of a slot
- `case_moves`: intake, close, reassign, and who may receive a case (`receive_refusal`)
- `queue`: the queue, drained oldest first whenever capacity appears
- `staff_changes`: caseworker and policy changes, which create or remove capacity
- `periodic`: the periodic run (the queue sweep, then the check of every team)

A change that can breach a limit calls `prompt_check.after_commit` itself.
"""

from .case_moves import (
    assignment_notes_erase,
    case_close,
    case_create,
    case_reassign,
    case_set_complexity,
    receive_refusal,
    target_team,
)
from .choosing import RANKED_CANDIDATES, Pool
from .periodic import caseloads_check_run
from .queue import _after_capacity_rose, queue_drain, queue_drain_all
from .staff_changes import (
    caseworker_create,
    caseworker_update,
    caseworkers_refresh_caps,
    policy_set_cap,
    policy_update,
)

__all__ = [
    "assignment_notes_erase",
    "RANKED_CANDIDATES",
    "Pool",
    "_after_capacity_rose",
    "case_close",
    "case_create",
    "case_reassign",
    "case_set_complexity",
    "caseloads_check_run",
    "caseworker_create",
    "caseworker_update",
    "caseworkers_refresh_caps",
    "policy_set_cap",
    "policy_update",
    "queue_drain",
    "queue_drain_all",
    "receive_refusal",
    "target_team",
]

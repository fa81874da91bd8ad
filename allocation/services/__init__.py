"""Allocation transactions: intake, close, reassign, the queue, and staff changes that
create capacity. The decision itself is `engine.choose_caseworker`; these modules make it
hold in the database (locking rules: `locking.py`; the one-statement intake: `intake.py`).

- `choosing`: the pool, the ranked candidates and the claim of a slot
- `case_moves`: intake, close, reassign
- `queue`: the queue, drained oldest first whenever capacity appears
- `staff_changes`: caseworker and policy changes, which create or remove capacity
- `hooks`: callbacks after a change that may breach a limit (the alerts module's)
"""

from .case_moves import _check_can_receive, case_close, case_create, case_reassign, target_team
from .choosing import RANKED_CANDIDATES, Pool
from .hooks import _after_capacity_fell, _capacity_fell_hooks, on_capacity_fell
from .queue import _after_capacity_rose, queue_drain, queue_drain_all
from .staff_changes import caseworker_create, caseworker_update, policy_set_cap

__all__ = [
    "RANKED_CANDIDATES",
    "Pool",
    "_after_capacity_fell",
    "_after_capacity_rose",
    "_capacity_fell_hooks",
    "_check_can_receive",
    "case_close",
    "case_create",
    "case_reassign",
    "caseworker_create",
    "caseworker_update",
    "on_capacity_fell",
    "policy_set_cap",
    "queue_drain",
    "queue_drain_all",
    "target_team",
]

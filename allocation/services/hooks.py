"""After a change that may breach a limit: callbacks (the alerts module registers one)."""

from __future__ import annotations

from .choosing import Pool


def _after_capacity_fell(*, team_ids, pool: Pool | None = None) -> None:
    """A hook for the prompt alert check; the periodic check is the safety net."""
    hook = _capacity_fell_hooks
    for callback in hook:
        callback(team_ids=tuple(team_ids), pool=pool)


_capacity_fell_hooks: list = []


def on_capacity_fell(callback):
    """Register a callback (the alerts module does) run after a change that may breach limits."""
    _capacity_fell_hooks.append(callback)
    return callback

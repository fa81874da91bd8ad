"""Staff changes that move capacity: the staff services, then the queue or the alerts."""

from __future__ import annotations

from staff import services as staff_services
from staff.models import CaseloadPolicy, Caseworker, CaseworkerStatus

from .. import new_cases, prompt_check
from .queue import _after_capacity_rose, queue_drain_all

# --- Staff changes that move capacity ----------------------------------------------------


def caseworker_create(**fields) -> Caseworker:
    caseworker = staff_services.caseworker_create(**fields)
    if _after_capacity_rose(caseworker_ids=[caseworker.pk]):
        new_cases.after_commit()
    return caseworker


def caseworker_update(*, caseworker: Caseworker, **changes) -> Caseworker:
    before = Caseworker.objects.only("cap", "status", "accepting_new_cases", "team_id").get(pk=caseworker.pk)
    updated = staff_services.caseworker_update(caseworker=caseworker, **changes)
    gained = (
        updated.cap > before.cap
        or (updated.status == CaseworkerStatus.ACTIVE and before.status != CaseworkerStatus.ACTIVE)
        or (updated.accepting_new_cases and not before.accepting_new_cases)
        or updated.team_id != before.team_id
    )
    lost = (
        updated.cap < before.cap
        or updated.status != before.status
        or updated.accepting_new_cases != before.accepting_new_cases
        or updated.team_id != before.team_id
    )
    if gained and _after_capacity_rose(caseworker_ids=[updated.pk]):
        new_cases.after_commit()
    if lost:
        prompt_check.after_commit(team_ids={before.team_id, updated.team_id})
    return updated


def policy_set_cap(*, role: str, cap: int) -> CaseloadPolicy:
    before = CaseloadPolicy.objects.filter(role=role).values_list("cap", flat=True).first()
    policy = staff_services.policy_set_cap(role=role, cap=cap)
    if before is None or cap > before:
        queue_drain_all()
    if before is not None and cap < before:
        team_ids = Caseworker.objects.filter(role=role).values_list("team_id", flat=True).distinct().order_by()
        prompt_check.after_commit(team_ids=set(team_ids))
    return policy

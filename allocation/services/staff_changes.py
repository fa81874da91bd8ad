"""Staff changes that move capacity: the staff services, then the queue or the alerts."""

from __future__ import annotations

from django.db import transaction

from staff import services as staff_services
from staff.models import HUNDREDTHS, CaseloadPolicy, Caseworker, CaseworkerStatus

from .. import locking, new_cases, prompt_check
from .queue import _after_capacity_rose, queue_drain_all

# --- Staff changes that move capacity ----------------------------------------------------


def caseworker_create(**fields) -> Caseworker:
    caseworker = staff_services.caseworker_create(**fields)
    if _after_capacity_rose(caseworker_ids=[caseworker.pk]):
        new_cases.after_commit()
    return caseworker


def caseworker_update(*, caseworker: Caseworker, **changes) -> Caseworker:
    before = Caseworker.objects.only("cap", "status", "accepting_new_cases", "team_id", "role", "load_hundredths").get(
        pk=caseworker.pk
    )
    with transaction.atomic():
        updated = staff_services.caseworker_update(caseworker=caseworker, **changes)
        if updated.role != before.role:
            # Another role, another policy's weights: the cases weigh again (the row is locked).
            locking.reweigh(caseworker_ids=[updated.pk])
            updated.load_hundredths = Caseworker.objects.values_list("load_hundredths", flat=True).get(pk=updated.pk)
    lighter = updated.load_hundredths < before.load_hundredths
    heavier = updated.load_hundredths > before.load_hundredths
    gained = lighter or (
        updated.cap > before.cap
        or (updated.status == CaseworkerStatus.ACTIVE and before.status != CaseworkerStatus.ACTIVE)
        or (updated.accepting_new_cases and not before.accepting_new_cases)
        or updated.team_id != before.team_id
    )
    lost = heavier or (
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
    return policy_update(role=role, cap=cap)


def policy_update(
    *,
    role: str,
    cap: int | None = None,
    weights: dict | None = None,
    new_hire_months: int | None = None,
    new_hire_share=None,
) -> CaseloadPolicy:
    """Change a policy; every caseworker of the role gets the new cap and weights, and their
    open cases weigh again, in one transaction. Always allowed: whoever the change leaves over
    cap is alerted (and a rebalance can follow); whoever gains room drains the queue."""
    before = {
        pk: (cap_, load)
        for pk, cap_, load in Caseworker.objects.filter(role=role).values_list("pk", "cap", "load_hundredths")
    }
    old_weights = _policy_weights(role)
    with transaction.atomic():
        policy = staff_services.policy_update(
            role=role, cap=cap, weights=weights, new_hire_months=new_hire_months, new_hire_share=new_hire_share
        )
        # The caseworker rows are locked by the policy update (primary-key order).
        locking.reweigh(caseworker_ids=list(before))
    after = {
        pk: (cap_, load, team_id)
        for pk, cap_, load, team_id in Caseworker.objects.filter(role=role).values_list(
            "pk", "cap", "load_hundredths", "team_id"
        )
    }
    # Room per caseworker is cap × 100 - load: who gained some may drain the queue, who lost
    # some may now be over cap.
    room = {pk: cap_ * HUNDREDTHS - load for pk, (cap_, load, _team) in after.items()}
    room_before = {pk: cap_ * HUNDREDTHS - load for pk, (cap_, load) in before.items()}
    # A lighter kind of case may fit where it did not, though nobody's room grew: a waiting
    # simple case that weighed 1.5 fits in half a case of room once it weighs 0.5.
    lighter = any(new < old_weights.get(c, new) for c, new in policy.weights.items())
    if lighter or any(room[pk] > room_before.get(pk, -1) for pk in room):
        queue_drain_all()
    lost = {after[pk][2] for pk in room if pk in room_before and room[pk] < room_before[pk]}
    if lost:
        prompt_check.after_commit(team_ids=lost)
    return policy


def _policy_weights(role: str) -> dict:
    policy = CaseloadPolicy.objects.filter(role=role).first()
    return dict(policy.weights) if policy else {}


def caseworkers_refresh_caps(*, today=None) -> list[int]:
    """The daily job: new colleagues whose period ended carry the full cap (and a date set
    ahead takes effect); the queue drains into the room, and a lowered cap is alerted."""
    before = dict(Caseworker.objects.values_list("pk", "cap"))
    changed = staff_services.caseworkers_refresh_caps(today=today)
    if not changed:
        return changed
    after = dict(Caseworker.objects.filter(pk__in=changed).values_list("pk", "cap"))
    raised = [pk for pk in changed if after[pk] > before.get(pk, 0)]
    if raised and _after_capacity_rose(caseworker_ids=raised):
        new_cases.after_commit()
    lowered = [pk for pk in changed if after[pk] < before.get(pk, 0)]
    if lowered:
        team_ids = Caseworker.objects.filter(pk__in=lowered).values_list("team_id", flat=True).distinct().order_by()
        prompt_check.after_commit(team_ids=set(team_ids))
    return changed

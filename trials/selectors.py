"""Reads of trials: which trial runs for an intake, and where an arm's cases may go."""

from __future__ import annotations

import datetime

from django.db.models import Q

from staff.models import Team

from .models import Trial


def trial_running(*, jobcenter_id: int, programme: str, day: datetime.date) -> Trial | None:
    return (
        Trial.objects.filter(jobcenter_id=jobcenter_id, programme=programme, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .order_by("starts_on", "id")
        .first()
    )


def arm_team_ids(*, arm_id: int) -> tuple[int, ...]:
    """The teams a case drawn into this arm may be allocated to (also from the queue)."""
    return tuple(Team.objects.filter(trial_arms=arm_id).order_by("id").values_list("id", flat=True))

"""Reads about staff that every layer shares: the team load figures.

They live here, at the bottom of the import graph, so that the admin (staff), the API
and the pages compute them with one definition.
"""

from __future__ import annotations

import datetime

from dateutil.relativedelta import relativedelta
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import DEFAULT_POLICY_CAPS, HUNDREDTHS, CaseloadPolicy, Caseworker, CaseworkerStatus, Role, Team

# A team is over its limit while anyone in it is over cap or its load exceeds its capacity
# (with every weight 1, the load is the open cases).
TEAM_OVER_LIMIT = Q(over_cap_count__gt=0) | Q(load_hundredths_total__gt=F("capacity") * HUNDREDTHS)


def with_team_load(teams: QuerySet[Team]) -> QuerySet[Team]:
    """`caseworker_count`, `open_cases_total`, `load_hundredths_total`, `capacity` (active
    caps), `over_cap_count`.

    Aggregates over one join, so a list of any length is one query.
    """
    return teams.annotate(
        caseworker_count=Count("caseworkers", distinct=True),
        open_cases_total=Coalesce(Sum("caseworkers__open_cases"), 0),
        load_hundredths_total=Coalesce(Sum("caseworkers__load_hundredths"), 0),
        capacity=Coalesce(Sum("caseworkers__cap", filter=Q(caseworkers__status=CaseworkerStatus.ACTIVE)), 0),
        over_cap_count=Count(
            "caseworkers", filter=Q(caseworkers__load_hundredths__gt=F("caseworkers__cap") * HUNDREDTHS)
        ),
    )


def team_is_over_limit(team: Team) -> bool:
    """For a team annotated by `with_team_load`."""
    return bool(team.over_cap_count) or team.load_hundredths_total > team.capacity * HUNDREDTHS


def weights_in_use() -> bool:
    """Whether any policy weighs a case other than 1: then load and count can differ, and the
    pages show the count beside the load."""
    return any(policy.weighted for policy in CaseloadPolicy.objects.all())


def new_hire_until(*, started_on: datetime.date, months: int) -> datetime.date | None:
    """The first day a colleague who started on `started_on` is no longer new (None: never new)."""
    if not months:
        return None
    return started_on + relativedelta(months=months)


def is_new_hire(*, started_on: datetime.date, policy: CaseloadPolicy | None, today: datetime.date) -> bool:
    if policy is None or policy.new_hire_share >= 1:
        return False
    until = new_hire_until(started_on=started_on, months=policy.new_hire_months)
    return until is not None and today < until


def policy_for(role: str) -> CaseloadPolicy:
    """The role's policy, or the default one (not saved) when none is stored."""
    policy = CaseloadPolicy.objects.filter(role=role).first()
    return policy if policy is not None else CaseloadPolicy(role=role, cap=DEFAULT_POLICY_CAPS[Role(role)])


def new_hire_reduction(*, caseworker: Caseworker, policy: CaseloadPolicy | None = None, today=None):
    """`(until, share)` while the caseworker's cap is reduced as a new colleague's, else None:
    the first day they carry the full cap, and the share of it they carry now."""
    if caseworker.cap_override is not None:
        return None
    policy = policy or policy_for(caseworker.role)
    today = today or timezone.localdate()
    if not is_new_hire(started_on=caseworker.started_on, policy=policy, today=today):
        return None
    until: datetime.date = new_hire_until(started_on=caseworker.started_on, months=policy.new_hire_months)
    return until, policy.new_hire_share

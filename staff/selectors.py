"""Reads about staff that every layer shares: the team load figures.

They live here, at the bottom of the import graph, so that the admin (staff), the API
and the pages compute them with one definition.
"""

from __future__ import annotations

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from .models import CaseworkerStatus, Team

# A team is over its limit while anyone in it is over cap or its open cases exceed its capacity.
TEAM_OVER_LIMIT = Q(over_cap_count__gt=0) | Q(open_cases_total__gt=F("capacity"))


def with_team_load(teams: QuerySet[Team]) -> QuerySet[Team]:
    """`caseworker_count`, `open_cases_total`, `capacity` (active caps), `over_cap_count`.

    Aggregates over one join, so a list of any length is one query.
    """
    return teams.annotate(
        caseworker_count=Count("caseworkers", distinct=True),
        open_cases_total=Coalesce(Sum("caseworkers__open_cases"), 0),
        capacity=Coalesce(Sum("caseworkers__cap", filter=Q(caseworkers__status=CaseworkerStatus.ACTIVE)), 0),
        over_cap_count=Count("caseworkers", filter=Q(caseworkers__open_cases__gt=F("caseworkers__cap"))),
    )


def team_is_over_limit(team: Team) -> bool:
    """For a team annotated by `with_team_load`."""
    return bool(team.over_cap_count) or team.open_cases_total > team.capacity

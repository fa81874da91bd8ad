"""Reads for the web pages: each starts from a need-to-know selector in allocation.selectors.

Every function here returns a fixed number of queries whatever the caseload or team size
(the page tests pin it), so lists are fetched with select_related and bounded slices.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from allocation.models import Alert, CaseloadSnapshot
from allocation.selectors import (
    alerts_visible_to,
    cases_visible_to,
    is_admin,
    may_close_case,
    may_reassign_case,
    teams_visible_to,
    with_team_load,
)
from cases import cpr as cpr_rules
from cases.models import Case, CaseStatus
from staff.models import Caseworker, CaseworkerStatus, Team

# Sort keys a client may ask for on the caseload page, and what they mean in the database.
CASELOAD_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("citizen__name", "id"),
    "-name": ("-citizen__name", "-id"),
    "days": ("-opened_at", "-id"),  # fewest days open first
    "-days": ("opened_at", "id"),  # most days open first
    "programme": ("programme", "citizen__name", "id"),
    "-programme": ("-programme", "citizen__name", "id"),
    "target_group": ("target_group", "citizen__name", "id"),
    "-target_group": ("-target_group", "citizen__name", "id"),
}
DEFAULT_CASELOAD_SORT = "name"


def caseworker_of_user(*, user) -> Caseworker | None:
    if not user or not user.is_authenticated:
        return None
    return Caseworker.objects.select_related("team").filter(user_id=user.pk).first()


def teams_led(*, user) -> QuerySet[Team]:
    return Team.objects.filter(leaders=user).order_by("name", "id") if user.is_authenticated else Team.objects.none()


def caseload_cases(*, user, caseworker: Caseworker, query: str = "", sort: str = DEFAULT_CASELOAD_SORT):
    """The caseworker's open cases, optionally narrowed by citizen name or a full CPR number."""
    cases = cases_visible_to(user).filter(caseworker_id=caseworker.pk, status=CaseStatus.OPEN)
    query = query.strip()
    if query:
        condition = Q(citizen__name__icontains=query)
        # A full CPR number finds the citizen through the keyed digest: the number itself is
        # encrypted at rest and cannot be searched, and partial numbers are deliberately not.
        try:
            number = cpr_rules.parse(query).number
        except ValidationError:
            number = None
        if number:
            condition |= Q(citizen__cpr_digest=cpr_rules.digest(number))
        cases = cases.filter(condition)
    return cases.select_related("citizen").order_by(*CASELOAD_SORTS.get(sort, CASELOAD_SORTS[DEFAULT_CASELOAD_SORT]))


def case_for_page(*, user, case_id: int) -> Case:
    """access_case with what the page shows joined in: 404 unless the user may see the case."""
    case = (
        cases_visible_to(user)
        .select_related("citizen", "caseworker__team", "jobcenter", "closed_by")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise Http404("No such case.")
    return case


@dataclass(frozen=True)
class CasePermissions:
    can_close: bool
    can_reassign: bool
    managed_team_ids: tuple[int, ...]


def case_permissions(*, user, case: Case) -> CasePermissions:
    """What the user may do with the case (the rules are allocation.selectors.may_*), and the
    teams whose caseworkers they may hand it to: those of the case's pool that they lead."""
    if case.status == CaseStatus.CLOSED:
        return CasePermissions(can_close=False, can_reassign=False, managed_team_ids=())
    can_reassign = may_reassign_case(user, case=case)
    managed: tuple[int, ...] = ()
    if can_reassign:
        teams = Team.objects.filter(jobcenter_id=case.jobcenter_id, unit_type=case.programme)
        if case.caseworker_id:
            teams = Team.objects.filter(Q(pk=case.caseworker.team_id) | Q(pk__in=teams.values("pk")))
        if not is_admin(user):
            teams = teams.filter(leaders=user)
        managed = tuple(sorted(teams.values_list("pk", flat=True)))
    return CasePermissions(
        can_close=may_close_case(user, case=case), can_reassign=can_reassign, managed_team_ids=managed
    )


@dataclass(frozen=True)
class ReassignCandidate:
    caseworker: Caseworker
    reason_unavailable: str  # empty when the caseworker can take the case

    @property
    def available(self) -> bool:
        return not self.reason_unavailable


def reassign_candidates(*, case: Case, team_ids: tuple[int, ...]) -> list[ReassignCandidate]:
    """Caseworkers of the teams the user manages; those who cannot take the case say why."""
    workers = (
        Caseworker.objects.filter(team_id__in=team_ids)
        .exclude(pk=case.caseworker_id or 0)
        .select_related("team")
        .order_by("team__name", "full_name", "id")
    )
    result = []
    for worker in workers:
        if worker.team.jobcenter_id != case.jobcenter_id or worker.team.unit_type != case.programme:
            reason = _("another programme")
        elif worker.status != CaseworkerStatus.ACTIVE:
            reason = _("on leave")
        elif not worker.accepting_new_cases:
            reason = _("not accepting new cases")
        elif worker.open_cases >= worker.cap:
            reason = _("full")
        else:
            reason = ""
        result.append(ReassignCandidate(caseworker=worker, reason_unavailable=reason))
    return result


def teams_overview(*, user) -> QuerySet[Team]:
    return with_team_load(teams_visible_to(user)).select_related("jobcenter").order_by("jobcenter__name", "name", "id")


def team_for_board(*, user, team_id: int) -> Team:
    """access_team with the load figures: 404 unless the user may see the team."""
    team = with_team_load(teams_visible_to(user).filter(pk=team_id)).select_related("jobcenter").first()
    if team is None:
        raise Http404("No such team.")
    return team


def team_caseworkers(*, team: Team) -> list[Caseworker]:
    return list(Caseworker.objects.filter(team=team).order_by("full_name", "id"))


def team_queue(*, user, team: Team, limit: int = 50) -> tuple[list[Case], int]:
    """The oldest `limit` waiting cases of the team's pool, and how many wait in all."""
    queued = cases_visible_to(user).filter(
        status=CaseStatus.QUEUED, jobcenter_id=team.jobcenter_id, programme=team.unit_type
    )
    total = queued.count()
    return list(queued.select_related("citizen").order_by("queued_at", "id")[:limit]), total


def team_open_alerts(*, user, team: Team) -> list[Alert]:
    return list(
        alerts_visible_to(user)
        .filter(team=team, resolved_at__isnull=True)
        .select_related("caseworker")
        .order_by("-created_at", "-id")
    )


def team_trend(*, team: Team, days: int = 90, today: datetime.date | None = None) -> list[CaseloadSnapshot]:
    """The team's daily totals (snapshot rows without a caseworker) for the last `days` days."""
    today = today or timezone.localdate()
    since = today - datetime.timedelta(days=days - 1)
    return list(
        CaseloadSnapshot.objects.filter(team=team, caseworker__isnull=True, date__gte=since, date__lte=today)
        .only("date", "open_cases", "cap")
        .order_by("date")
    )


def cases_by_ids(*, user, case_ids: list[int]) -> dict[int, Case]:
    return cases_visible_to(user).select_related("citizen").in_bulk(case_ids)

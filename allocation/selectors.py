"""Need to know: what each user may see. Every view's queryset starts here.

API.md "Visibility": a caseworker sees their own record, the cases they hold (and closed
cases they held last) and those cases' citizens; a team leader sees their teams, those
teams' caseworkers and cases, the queued cases of their jobcenter in a programme they
lead, and the citizens of all those cases; an administrator (`is_staff`) sees everything.

One addition the contract is silent on: a leader also sees citizens of their jobcenter
who have no case at all, because a leader who registers a citizen must be able to open
that citizen's first case.
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import Http404

from cases.models import Case, CaseStatus, Citizen
from staff import selectors as staff_selectors
from staff.models import CaseloadPolicy, Caseworker, Jobcenter, Team

from .models import Alert, CaseAssignment


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def _caseworker_id(user) -> int | None:
    if not user or not user.is_authenticated:
        return None
    return Caseworker.objects.filter(user_id=user.pk).values_list("pk", flat=True).first()


def led_team_ids(user) -> list[int]:
    if not user or not user.is_authenticated:
        return []
    return list(Team.objects.filter(leaders=user).values_list("pk", flat=True))


def _led_pools(user) -> Q:
    """Queued cases in a programme the user leads a team of, in that team's jobcenter."""
    pools = Team.objects.filter(leaders=user).values_list("jobcenter_id", "unit_type").distinct()
    condition = Q(pk__in=[])
    for jobcenter_id, unit_type in pools:
        condition |= Q(status=CaseStatus.QUEUED, jobcenter_id=jobcenter_id, programme=unit_type)
    return condition


def jobcenters_visible_to(user) -> QuerySet[Jobcenter]:
    if is_admin(user):
        return Jobcenter.objects.all()
    if not user or not user.is_authenticated:
        return Jobcenter.objects.none()
    return Jobcenter.objects.filter(Q(teams__leaders=user) | Q(teams__caseworkers__user=user)).distinct()


def teams_visible_to(user) -> QuerySet[Team]:
    if is_admin(user):
        return Team.objects.all()
    if not user or not user.is_authenticated:
        return Team.objects.none()
    return Team.objects.filter(pk__in=led_team_ids(user))


def caseworkers_visible_to(user) -> QuerySet[Caseworker]:
    if is_admin(user):
        return Caseworker.objects.all()
    if not user or not user.is_authenticated:
        return Caseworker.objects.none()
    return Caseworker.objects.filter(Q(user=user) | Q(team_id__in=led_team_ids(user)))


def cases_visible_to(user) -> QuerySet[Case]:
    if is_admin(user):
        return Case.objects.all()
    if not user or not user.is_authenticated:
        return Case.objects.none()
    own = _caseworker_id(user)
    condition = Q(caseworker__team_id__in=led_team_ids(user)) | _led_pools(user)
    if own is not None:
        condition |= Q(caseworker_id=own, status__in=[CaseStatus.OPEN, CaseStatus.CLOSED])
    return Case.objects.filter(condition)


def citizens_visible_to(user) -> QuerySet[Citizen]:
    if is_admin(user):
        return Citizen.objects.all()
    if not user or not user.is_authenticated:
        return Citizen.objects.none()
    visible_cases = cases_visible_to(user).filter(citizen_id=OuterRef("pk"))
    led_jobcenters = Team.objects.filter(leaders=user).values("jobcenter_id")
    without_cases = Q(jobcenter_id__in=led_jobcenters) & ~Exists(Case.objects.filter(citizen_id=OuterRef("pk")))
    return Citizen.objects.filter(Q(Exists(visible_cases)) | without_cases)


def alerts_visible_to(user) -> QuerySet[Alert]:
    if is_admin(user):
        return Alert.objects.all()
    if not user or not user.is_authenticated:
        return Alert.objects.none()
    return Alert.objects.filter(team_id__in=led_team_ids(user))


def policies_visible_to(user) -> QuerySet[CaseloadPolicy]:
    if not user or not user.is_authenticated:
        return CaseloadPolicy.objects.none()
    return CaseloadPolicy.objects.all()


def assignments_of_case(*, case: Case) -> QuerySet[CaseAssignment]:
    return case.assignments.select_related("caseworker", "by").order_by("assigned_at", "id")


def access_case(user, case_id) -> Case:
    """The only way a request reaches a case: 404 unless the user may see it."""
    case = cases_visible_to(user).filter(pk=case_id).first() if str(case_id).isdigit() else None
    if case is None:
        raise Http404("No such case.")
    return case


def access_team(user, team_id) -> Team:
    team = teams_visible_to(user).filter(pk=team_id).first() if str(team_id).isdigit() else None
    if team is None:
        raise Http404("No such team.")
    return team


def user_leads_team(user, team_id: int) -> bool:
    return is_admin(user) or team_id in led_team_ids(user)


# --- Load figures: aggregates, never per-row queries -------------------------------------


# One definition for admin, API and pages, in staff; re-exported for the layers above.
with_team_load = staff_selectors.with_team_load
team_is_over_limit = staff_selectors.team_is_over_limit


def with_case_team(cases: QuerySet[Case]) -> QuerySet[Case]:
    """`current_team_id`: the team of the current (once closed: the last) caseworker, in SQL."""
    return cases.annotate(current_team_id=F("caseworker__team_id"))


def caseworker_id_of(user) -> int | None:
    """The caseworker record of a login, if it has one."""
    return _caseworker_id(user)


# --- Who may write what (API.md "Visibility"); reads are scoped by the *_visible_to above --


def _led_pool_keys(user) -> set[tuple[int, str]]:
    return set(Team.objects.filter(leaders=user).values_list("jobcenter_id", "unit_type"))


def may_create_citizen(user, *, jobcenter_id: int) -> bool:
    """Admins anywhere; team leaders in a jobcenter where they lead a team."""
    if is_admin(user):
        return True
    return (
        bool(user and user.is_authenticated) and Team.objects.filter(leaders=user, jobcenter_id=jobcenter_id).exists()
    )


def may_open_case(user, *, jobcenter_id: int, programme: str) -> bool:
    """Admins; leaders for citizens of their jobcenter in a programme (unit type) they lead there."""
    if is_admin(user):
        return True
    if not user or not user.is_authenticated:
        return False
    return (jobcenter_id, programme) in _led_pool_keys(user)


def _leads_case(user, case: Case) -> bool:
    if case.caseworker_id is not None:
        team_id = Caseworker.objects.filter(pk=case.caseworker_id).values_list("team_id", flat=True).first()
        return team_id in led_team_ids(user)
    return (case.jobcenter_id, case.programme) in _led_pool_keys(user)


def may_reassign_case(user, *, case: Case, caseworker: Caseworker | None = None) -> bool:
    """Admins; leaders who lead the case's team (or its queue) and, when given, the receiving team."""
    if is_admin(user):
        return True
    if not user or not user.is_authenticated:
        return False
    if caseworker is not None and caseworker.team_id not in led_team_ids(user):
        return False
    return _leads_case(user, case)


def may_close_case(user, *, case: Case) -> bool:
    """Admins; the caseworker holding the case; leaders of its team (or of its queue)."""
    if is_admin(user):
        return True
    if not user or not user.is_authenticated:
        return False
    if case.caseworker_id is not None and case.caseworker_id == _caseworker_id(user):
        return True
    return _leads_case(user, case)


def may_rebalance_team(user, *, team: Team, spill_over: bool = False) -> bool:
    """Admins; a team's leaders within their team. Spilling over into other teams is an admin's call."""
    if is_admin(user):
        return True
    return not spill_over and user_leads_team(user, team.pk)

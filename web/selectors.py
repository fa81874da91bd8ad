"""Reads for the web pages: each starts from the access layer (`access.scopes`, `access.doors`).

Every function here returns a fixed number of queries whatever the caseload or team size
(the page tests pin it), so lists are fetched with select_related and bounded slices.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from access.doors import access_caseworker
from access.rules import may_close_case, may_reassign_case, may_set_complexity
from access.scopes import alerts_visible_to, cases_visible_to, teams_visible_to
from access.viewer import viewer_of
from allocation.models import Alert, CaseloadSnapshot
from cases.models import Case, CaseStatus
from cases.selectors import citizen_cpr_q, cpr_digest_of
from casework.selectors import contacts_overdue_count, with_contact_plan
from staff.models import CaseloadPolicy, Caseworker, Team
from staff.selectors import new_hire_reduction, weights_in_use, with_team_load

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
    """The user's own caseworker record, with its team; None for a login without one."""
    own = viewer_of(user).caseworker_id
    return access_caseworker(user, own, select_related=("team",)) if own is not None else None


def weights_shown(request) -> bool:
    """`staff.selectors.weights_in_use`, read once per request (one query) however many load
    bars the page draws: kept on the request."""
    if request is None:
        return weights_in_use()
    if not hasattr(request, "_weights_in_use"):
        request._weights_in_use = weights_in_use()
    return request._weights_in_use


def teams_led(*, user) -> QuerySet[Team]:
    return Team.objects.filter(pk__in=viewer_of(user).led_team_ids).order_by("name", "id")


def caseload_cases(*, user, caseworker: Caseworker, query: str = "", sort: str = DEFAULT_CASELOAD_SORT):
    """The caseworker's open cases, optionally narrowed by citizen name or a full CPR number."""
    cases = cases_visible_to(user).filter(caseworker_id=caseworker.pk, status=CaseStatus.OPEN)
    query = query.strip()
    if query:
        condition = Q(citizen__name__icontains=query)
        # A full CPR number finds the citizen through the keyed digest: the number itself is
        # encrypted at rest and cannot be searched, and partial numbers are deliberately not.
        # A former number (a CPR change) finds them too.
        digest = cpr_digest_of(query)
        if digest:
            condition |= citizen_cpr_q(digest=digest, prefix="citizen__")
        cases = cases.filter(condition)
    return cases.select_related("citizen").order_by(*CASELOAD_SORTS.get(sort, CASELOAD_SORTS[DEFAULT_CASELOAD_SORT]))


@dataclass(frozen=True)
class CasePermissions:
    can_close: bool
    can_reassign: bool
    can_set_complexity: bool = False


def case_permissions(*, user, case: Case) -> CasePermissions:
    """What the page offers to do with the case (the rules are access.rules): nothing once closed."""
    if case.status == CaseStatus.CLOSED:
        return CasePermissions(can_close=False, can_reassign=False)
    return CasePermissions(
        can_close=may_close_case(user, case=case),
        can_reassign=may_reassign_case(user, case=case),
        can_set_complexity=may_set_complexity(user, case=case),
    )


def teams_overview(*, user) -> QuerySet[Team]:
    return with_team_load(teams_visible_to(user)).select_related("jobcenter").order_by("jobcenter__name", "name", "id")


def team_caseworkers(*, team: Team, with_contacts: bool = False, rules=None) -> list[Caseworker]:
    """The team's caseworkers; `with_contacts`: each with `contacts_overdue`, how many of their
    open cases are overdue for contact (one subquery, whatever the team's size). `rules`: the
    contact rules, when the page has read them already."""
    caseworkers = Caseworker.objects.filter(team=team)
    if with_contacts:
        caseworkers = caseworkers.annotate(contacts_overdue=contacts_overdue_count("caseworker", rules=rules))
    return list(caseworkers.order_by("full_name", "id"))


def new_colleagues_explain(*, caseworkers: list[Caseworker], today: datetime.date | None = None) -> None:
    """Set `new_hire` on each caseworker: `(until, percent)` while their cap is reduced as a new
    colleague's (the first day of the full cap, the share carried now in per cent), else None.
    The policies are read once (one query), whatever the team's size."""
    today = today or timezone.localdate()
    policies = {policy.role: policy for policy in CaseloadPolicy.objects.all()} if caseworkers else {}
    for caseworker in caseworkers:
        policy = policies.get(caseworker.role)
        reduction = new_hire_reduction(caseworker=caseworker, policy=policy, today=today) if policy else None
        if reduction is None:
            caseworker.new_hire = None
            continue
        until, share = reduction
        caseworker.new_hire = (until, share * 100)


@dataclass(frozen=True)
class Queue:
    cases: list[Case]  # the oldest first, each with `next_contact_due`
    total: int
    missed_first_contact: int  # waiting cases whose first conversation is already overdue


def team_queue(*, user, team: Team, limit: int = 50, today: datetime.date | None = None, rules=None) -> Queue:
    """The oldest `limit` waiting cases of the team's pool, how many wait in all, and how many
    of those have already missed their first conversation: the clock runs from the day a case
    opened, queued or not (casework.selectors.with_contact_plan)."""
    today = today or timezone.localdate()
    queued = with_contact_plan(
        cases_visible_to(user).filter(
            status=CaseStatus.QUEUED, jobcenter_id=team.jobcenter_id, programme=team.unit_type
        ),
        rules=rules,
    )
    figures = queued.aggregate(total=Count("pk"), missed=Count("pk", filter=Q(next_contact_due__lt=today)))
    shown = list(queued.select_related("citizen").order_by("queued_at", "id")[:limit])
    return Queue(cases=shown, total=figures["total"], missed_first_contact=figures["missed"])


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

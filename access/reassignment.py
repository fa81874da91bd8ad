"""To whom a user may hand a case, and why a caseworker cannot take it now.

`rules.may_hand_to` decides whom (admins anyone, leaders their teams' caseworkers); the
API applies it to the one caseworker a request names, and `reassign_candidates` to the
caseworkers a page offers: those of the teams of the case's pool (and of its current
team). A caseworker outside the pool would only ever say "another programme", so the
page leaves those teams out; the API answers such a request with the service's 409.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from allocation import engine
from allocation.services import receive_refusal
from allocation.services.case_moves import OTHER_POOL
from cases.models import Case, CaseStatus
from staff.models import Caseworker

from .rules import may_hand_to
from .viewer import viewer_of

if TYPE_CHECKING:
    from .viewer import UserOrViewer


@dataclass(frozen=True)
class ReassignCandidate:
    caseworker: Caseworker
    reason_unavailable: str  # empty when the caseworker can take the case

    @property
    def available(self) -> bool:
        return not self.reason_unavailable


def why_not(*, case: Case, caseworker: Caseworker) -> str:
    """Why the caseworker cannot take the case now, in words for the page; "" if they can.

    The reason is allocation's own (`services.receive_refusal`, which a move would raise), so
    the page offers exactly whom the move accepts. (`caseworker.team` is read: select it.)"""
    refused = receive_refusal(case=case, target=caseworker, team=caseworker.team)
    if refused is None:
        return ""
    return str(_LABELS.get(refused.data.get("reason"), _("cannot take it")))


_LABELS = {
    OTHER_POOL: _("another programme"),
    engine.ON_LEAVE: _("on leave"),
    engine.NOT_ACCEPTING: _("not accepting new cases"),
    engine.FULL: _("full"),
}


def reassign_candidates(user: UserOrViewer, *, case: Case) -> list[ReassignCandidate]:
    """The caseworkers of the case's pool (and current team) whom the user may hand it to.

    Nobody for a closed case; never the current holder."""
    viewer = viewer_of(user)
    if case.status == CaseStatus.CLOSED:
        return []
    teams = Q(team__jobcenter_id=case.jobcenter_id, team__unit_type=case.programme)
    if case.caseworker_id is not None:
        teams |= Q(team_id=case.caseworker.team_id)
    workers = (
        Caseworker.objects.filter(teams)
        .exclude(pk=case.caseworker_id or 0)
        .select_related("team")
        .order_by("team__name", "full_name", "id")
    )
    # The rule in Python, not again as a filter: a pool is a few teams, and the rule has one home.
    return [
        ReassignCandidate(caseworker=worker, reason_unavailable=why_not(case=case, caseworker=worker))
        for worker in workers
        if may_hand_to(viewer, caseworker=worker)
    ]

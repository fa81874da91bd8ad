"""Who may do what to an object they can see (docs/api.md "Visibility"). A refusal here is a 403;
whether the object can be seen at all is the doors' question, asked first (a 404).

The rules read the Viewer; the only query they may cost is a case's caseworker, when the
case was reached without it (`select_related=("caseworker",)` saves that).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cases.models import Case
from staff.models import Caseworker, Team

from .viewer import Viewer, viewer_of

if TYPE_CHECKING:
    from .viewer import UserOrViewer


def is_admin(user: UserOrViewer) -> bool:
    return viewer_of(user).is_admin


def may_manage_team(user: UserOrViewer, *, team: Team) -> bool:
    """Admins; a team's leaders: switch its caseworkers' availability, rebalance it."""
    viewer = viewer_of(user)
    return viewer.is_admin or viewer.leads(team.pk)


def may_create_citizen(user: UserOrViewer, *, jobcenter_id: int) -> bool:
    """Admins anywhere; team leaders in a jobcenter where they lead a team."""
    viewer = viewer_of(user)
    return viewer.is_admin or jobcenter_id in viewer.led_jobcenter_ids


def may_open_case(user: UserOrViewer, *, jobcenter_id: int, programme: str) -> bool:
    """Admins; leaders for citizens of their jobcenter in a programme (unit type) they lead there."""
    viewer = viewer_of(user)
    return viewer.is_admin or viewer.leads_pool(jobcenter_id, programme)


def _leads_case(viewer: Viewer, case: Case) -> bool:
    """The user leads the team holding the case or, while it waits, a team of its pool."""
    if case.caseworker_id is not None:
        return viewer.leads(case.caseworker.team_id)
    return viewer.leads_pool(case.jobcenter_id, case.programme)


def may_hand_to(user: UserOrViewer, *, caseworker: Caseworker) -> bool:
    """Whom a case may be given to, whoever decides: admins anyone, leaders their teams' caseworkers
    (whether that caseworker can take the case now is `reassignment.why_not`, and the service's)."""
    viewer = viewer_of(user)
    return viewer.is_admin or viewer.leads(caseworker.team_id)


def may_reassign_case(user: UserOrViewer, *, case: Case, caseworker: Caseworker | None = None) -> bool:
    """Admins; leaders who lead the case's team (or its queue) and, when given, the receiving team."""
    viewer = viewer_of(user)
    if viewer.is_admin:
        return True
    if caseworker is not None and not may_hand_to(viewer, caseworker=caseworker):
        return False
    return _leads_case(viewer, case)


def may_close_case(user: UserOrViewer, *, case: Case) -> bool:
    """Admins; the caseworker holding the case; leaders of its team (or of its queue)."""
    viewer = viewer_of(user)
    if viewer.is_admin:
        return True
    if case.caseworker_id is not None and case.caseworker_id == viewer.caseworker_id:
        return True
    return _leads_case(viewer, case)


def may_set_complexity(user: UserOrViewer, *, case: Case) -> bool:
    """Say how demanding a case is: whoever may close it (the caseworker holding it, of a
    closed case the last one, who then hears that it is closed), its team's leaders (or its
    queue's), admins. The contract names the same people as for closing; a rule of its own so
    that a narrower one would change here and nowhere else."""
    return may_close_case(user, case=case)


def may_rebalance_team(user: UserOrViewer, *, team: Team, spill_over: bool = False) -> bool:
    """Admins; a team's leaders within their team. Spilling over into other teams is an admin's call."""
    viewer = viewer_of(user)
    if viewer.is_admin:
        return True
    return not spill_over and may_manage_team(viewer, team=team)


def may_read_access_log(user: UserOrViewer) -> bool:
    """Who looked at a citizen is for administrators (GDPR art. 15 requests go through them)."""
    return viewer_of(user).is_admin


def may_do_casework(user: UserOrViewer, *, case: Case) -> bool:
    """Write the case's journal, book its meetings, mark them held, no-show or cancelled.

    The contract's rule: whoever may see the case (its caseworker, of a closed case the last
    one; a leader who sees it; an admin), which its door has already decided. A rule of its
    own all the same, so that a narrower one (leaders read, caseworkers write) would change
    here and nowhere else."""
    return viewer_of(user).is_authenticated

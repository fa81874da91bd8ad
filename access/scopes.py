"""What a user may see, as querysets: every list, and every door, starts from one of these.

Each takes a user or a Viewer and costs no query of its own: the conditions are built from
the Viewer, which the request has already read.

One addition the contract is silent on: a leader also sees the citizens of their
jobcenter who have no case at all, because a leader who registers a citizen must be able
to open that citizen's first case.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Q, QuerySet

from allocation.models import Alert
from cases.models import Case, CaseStatus, Citizen
from casework.models import ContactRule, JournalEntry, Meeting
from staff.models import CaseloadPolicy, Caseworker, Jobcenter, Team
from trials.models import Trial

from .viewer import Viewer, viewer_of

if TYPE_CHECKING:
    from .viewer import UserOrViewer


def jobcenters_visible_to(user: UserOrViewer) -> QuerySet[Jobcenter]:
    """The jobcenters of the teams one leads or works in."""
    viewer = viewer_of(user)
    if viewer.is_admin:
        return Jobcenter.objects.all()
    ids = set(viewer.led_jobcenter_ids)
    if viewer.caseworker_jobcenter_id is not None:
        ids.add(viewer.caseworker_jobcenter_id)
    return Jobcenter.objects.filter(pk__in=ids)


def teams_visible_to(user: UserOrViewer) -> QuerySet[Team]:
    viewer = viewer_of(user)
    if viewer.is_admin:
        return Team.objects.all()
    return Team.objects.filter(pk__in=viewer.led_team_ids)


def caseworkers_visible_to(user: UserOrViewer) -> QuerySet[Caseworker]:
    viewer = viewer_of(user)
    if viewer.is_admin:
        return Caseworker.objects.all()
    condition = Q(team_id__in=viewer.led_team_ids)
    if viewer.caseworker_id is not None:
        condition |= Q(pk=viewer.caseworker_id)
    return Caseworker.objects.filter(condition)


def _visible_case_condition(viewer: Viewer) -> Q:
    condition = Q(caseworker__team_id__in=viewer.led_team_ids)
    for jobcenter_id, unit_type in sorted(viewer.led_pools):
        # The queue of a pool the user leads a team of: nobody holds those cases yet.
        condition |= Q(status=CaseStatus.QUEUED, jobcenter_id=jobcenter_id, programme=unit_type)
    if viewer.caseworker_id is not None:
        condition |= Q(caseworker_id=viewer.caseworker_id, status__in=[CaseStatus.OPEN, CaseStatus.CLOSED])
    return condition


def case_visible(
    viewer: Viewer, *, status: str, jobcenter_id: int, programme: str, caseworker_id: int | None, team_id: int | None
) -> bool:
    """`_visible_case_condition` for one case's columns, in Python (its team is its
    caseworker's): for a door that has the rows already (`doors.citizen_visible`).
    tests/test_citizen_door.py holds the two to the same answers."""
    if team_id is not None and team_id in viewer.led_team_ids:
        return True
    if status == CaseStatus.QUEUED and (jobcenter_id, programme) in viewer.led_pools:
        return True
    return (
        viewer.caseworker_id is not None
        and caseworker_id == viewer.caseworker_id
        and status in (CaseStatus.OPEN, CaseStatus.CLOSED)
    )


def cases_visible_to(user: UserOrViewer) -> QuerySet[Case]:
    """A case anonymised by retention is nobody's to open: it is a row the reports count,
    reached only by their aggregates."""
    viewer = viewer_of(user)
    if viewer.is_admin:
        return Case.objects.filter(citizen__isnull=False)
    if not viewer.is_authenticated:
        return Case.objects.none()
    return Case.objects.filter(_visible_case_condition(viewer), citizen__isnull=False)


def meetings_visible_to(user: UserOrViewer) -> QuerySet[Meeting]:
    """A meeting is seen by whoever sees its case (and so is booked and marked by them)."""
    viewer = viewer_of(user)
    if viewer.is_admin:
        return Meeting.objects.filter(case__citizen__isnull=False)
    if not viewer.is_authenticated:
        return Meeting.objects.none()
    return Meeting.objects.filter(case_id__in=cases_visible_to(viewer).values("pk"))


def journal_entries_visible_to(user: UserOrViewer) -> QuerySet[JournalEntry]:
    """A journal entry is read, and written, by whoever sees its case."""
    viewer = viewer_of(user)
    if viewer.is_admin:
        return JournalEntry.objects.all()
    if not viewer.is_authenticated:
        return JournalEntry.objects.none()
    return JournalEntry.objects.filter(case_id__in=cases_visible_to(viewer).values("pk"))


def contact_rules_visible_to(user: UserOrViewer) -> QuerySet[ContactRule]:
    """The contact rules are the same for everyone signed in; administrators change them."""
    if user is None or not user.is_authenticated:
        return ContactRule.objects.none()
    return ContactRule.objects.all()


def citizens_visible_to(user: UserOrViewer) -> QuerySet[Citizen]:
    viewer = viewer_of(user)
    if viewer.is_admin:
        return Citizen.objects.all()
    if not viewer.is_authenticated:
        return Citizen.objects.none()
    visible_cases = Case.objects.filter(_visible_case_condition(viewer), citizen_id=OuterRef("pk"))
    without_cases = Q(jobcenter_id__in=viewer.led_jobcenter_ids) & ~Exists(
        Case.objects.filter(citizen_id=OuterRef("pk"))
    )
    return Citizen.objects.filter(Q(Exists(visible_cases)) | without_cases)


def alerts_visible_to(user: UserOrViewer) -> QuerySet[Alert]:
    viewer = viewer_of(user)
    if viewer.is_admin:
        return Alert.objects.all()
    return Alert.objects.filter(team_id__in=viewer.led_team_ids)


def policies_visible_to(user: UserOrViewer) -> QuerySet[CaseloadPolicy]:
    """The caseload policies are the same for everyone signed in (no Viewer needed for that)."""
    if user is None or not user.is_authenticated:
        return CaseloadPolicy.objects.none()
    return CaseloadPolicy.objects.all()


def trials_visible_to(user: UserOrViewer) -> QuerySet[Trial]:
    """Trials compare arms that span many teams: they are for administrators."""
    return Trial.objects.all() if viewer_of(user).is_admin else Trial.objects.none()

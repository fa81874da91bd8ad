"""Cases ready for casework: an open case with its caseworker, through the real services."""

from __future__ import annotations

from allocation import services as allocation_services
from cases.tests.factories import CitizenFactory
from staff.tests.factories import CaseworkerFactory, TeamFactory


def open_case(*, caseworker=None, team=None, **case):
    """An open case held by `caseworker` (a new one, in `team` or a new team, when not given)."""
    if caseworker is None:
        caseworker = CaseworkerFactory(team=team or TeamFactory())
    citizen = CitizenFactory(jobcenter=caseworker.team.jobcenter)
    created = allocation_services.case_create(
        citizen=citizen, programme=case.pop("programme", caseworker.team.unit_type), **case
    )
    if created.caseworker_id != caseworker.pk:
        created = allocation_services.case_reassign(case=created, caseworker=caseworker)
    return created

"""One object by id, for a user: the object if they may see it, else a 404.

The only way a request reaches a case, a citizen, a team, a caseworker, an alert or a
trial. An id that is not a positive whole number (in ASCII digits: "١٢" is not 12) is a
404 as well, never a database error. `select_related` joins in what a page shows, so that
it needs no second look.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from django.db import connection
from django.db.models import Model, QuerySet
from django.http import Http404

from allocation.models import Alert
from cases.models import Case, Citizen
from casework.models import JournalEntry, Meeting
from staff.models import Caseworker, Jobcenter, Team
from staff.selectors import with_team_load
from trials.models import Trial

from . import scopes
from .viewer import viewer_of

if TYPE_CHECKING:
    from .viewer import UserOrViewer

# The largest value of a bigint primary key: anything larger cannot name a row.
_MAX_ID = 9_223_372_036_854_775_807

M = TypeVar("M", bound=Model)


def object_id(value) -> int | None:
    """`value` as a primary key, or None when it cannot be one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
    else:
        return None
    return number if 0 < number <= _MAX_ID else None


def _reach(visible: QuerySet[M], value, *, what: str, select_related: Iterable[str] = ()) -> M:
    pk = object_id(value)
    found = visible.select_related(*select_related).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise Http404(f"No such {what}.")
    return found


def access_case(user: UserOrViewer, case_id, *, select_related: Iterable[str] = ()) -> Case:
    return _reach(scopes.cases_visible_to(user), case_id, what="case", select_related=select_related)


def access_citizen(user: UserOrViewer, citizen_id, *, select_related: Iterable[str] = ()) -> Citizen:
    if select_related:
        return _reach(scopes.citizens_visible_to(user), citizen_id, what="citizen", select_related=select_related)
    found = citizen_visible(user, citizen_id)
    if found is None:
        raise Http404("No such citizen.")
    return found


def citizen_visible(user: UserOrViewer, citizen_id) -> Citizen | None:
    """The citizen if `user` may see them, else None: `scopes.citizens_visible_to`'s answer
    for one id, from one fixed statement (the citizen and the few columns of each of their
    cases that visibility turns on) and the rule in Python (`scopes.case_visible`). Compiling
    the scope's subqueries cost several times more than running them, on every intake."""
    viewer = viewer_of(user)
    pk = object_id(citizen_id)
    if pk is None or not viewer.is_authenticated:
        return None
    if viewer.is_admin:
        return Citizen.objects.filter(pk=pk).first()
    rows = list(Citizen.objects.raw(_citizen_with_cases_sql(), [pk]))
    if not rows:
        return None
    cases = [row for row in rows if row.case_status is not None]
    if not cases:
        visible = rows[0].jobcenter_id in viewer.led_jobcenter_ids
    else:
        visible = any(
            scopes.case_visible(
                viewer,
                status=row.case_status,
                jobcenter_id=row.case_jobcenter_id,
                programme=row.case_programme,
                caseworker_id=row.case_caseworker_id,
                team_id=row.case_team_id,
            )
            for row in cases
        )
    return rows[0] if visible else None


@functools.cache
def _citizen_with_cases_sql() -> str:
    citizen, case, caseworker = (m._meta.db_table for m in (Citizen, Case, Caseworker))
    columns = ", ".join(f"ci.{connection.ops.quote_name(f.column)}" for f in Citizen._meta.concrete_fields)
    return (
        f"SELECT {columns}, ca.status AS case_status, ca.jobcenter_id AS case_jobcenter_id, "  # noqa: S608 - names from the models
        "ca.programme AS case_programme, ca.caseworker_id AS case_caseworker_id, cw.team_id AS case_team_id "
        f"FROM {citizen} ci LEFT JOIN {case} ca ON ca.citizen_id = ci.id "
        f"LEFT JOIN {caseworker} cw ON cw.id = ca.caseworker_id WHERE ci.id = %s"
    )


def access_team(user: UserOrViewer, team_id, *, select_related: Iterable[str] = (), with_load: bool = False) -> Team:
    """`with_load`: with the load figures of `staff.selectors.with_team_load`, for boards and the API."""
    teams = scopes.teams_visible_to(user)
    return _reach(with_team_load(teams) if with_load else teams, team_id, what="team", select_related=select_related)


def access_caseworker(user: UserOrViewer, caseworker_id, *, select_related: Iterable[str] = ()) -> Caseworker:
    visible = scopes.caseworkers_visible_to(user)
    return _reach(visible, caseworker_id, what="caseworker", select_related=select_related)


def access_jobcenter(user: UserOrViewer, jobcenter_id) -> Jobcenter:
    return _reach(scopes.jobcenters_visible_to(user), jobcenter_id, what="jobcenter")


def access_alert(user: UserOrViewer, alert_id) -> Alert:
    return _reach(scopes.alerts_visible_to(user), alert_id, what="alert")


def access_trial(user: UserOrViewer, trial_id) -> Trial:
    return _reach(scopes.trials_visible_to(user), trial_id, what="trial")


def access_meeting(user: UserOrViewer, meeting_id, *, select_related: Iterable[str] = ()) -> Meeting:
    return _reach(scopes.meetings_visible_to(user), meeting_id, what="meeting", select_related=select_related)


def access_journal_entry(user: UserOrViewer, case: Case, entry_id) -> JournalEntry:
    """An entry of `case` (which the caller reached through `access_case`)."""
    return _reach(JournalEntry.objects.filter(case=case), entry_id, what="journal entry")

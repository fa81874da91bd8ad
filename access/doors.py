"""One object by id, for a user: the object if they may see it, else a 404.

The only way a request reaches a case, a citizen, a team, a caseworker, an alert or a
trial. An id that is not a positive whole number (in ASCII digits: "١٢" is not 12) is a
404 as well, never a database error. `select_related` joins in what a page shows, so that
it needs no second look.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from allocation.models import Alert
from cases.models import Case, Citizen
from casework.models import JournalEntry, Meeting
from staff.models import Caseworker, Jobcenter, Team
from staff.selectors import with_team_load
from trials.models import Trial

from . import scopes

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
    return _reach(scopes.citizens_visible_to(user), citizen_id, what="citizen", select_related=select_related)


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

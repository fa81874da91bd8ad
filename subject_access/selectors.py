"""The data of a citizen's own copy (GDPR art. 15), built once for every renderer.

`citizen_copy` returns a plain dict of plain values (strings, numbers, dates, lists), so that
the PDF and the JSON cannot disagree about what the citizen was given. Choices carry both
their code (for machines) and their label in the active language (for the citizen).

Who the employees were: the caseworker who held a case is the case's own history and is
shown; the employees who wrote in the journal or looked at the record are shown by their
unit (team and jobcentre) only, and by name only when the administrator includes them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext

from allocation.selectors import assignments_of_case
from cases.access_log import citizen_access_log
from cases.models import Citizen
from cases.selectors import citizen_cpr_changes
from casework.selectors import journal_of_case, meetings_of_case
from staff.models import Caseworker, Team


def citizen_copy(*, citizen: Citizen, include_employees: bool = False, include_old_cpr: bool = False, now=None) -> dict:
    """Everything the jobcentre holds about the citizen, as one plain dict."""
    cases = list(citizen.cases.order_by("opened_at", "id"))
    accesses = list(citizen_access_log(citizen_id=citizen.pk).order_by("created_at", "id"))
    citizen = Citizen.objects.select_related("jobcenter").get(pk=citizen.pk)
    journal = {case.pk: list(journal_of_case(case).order_by("written_at", "id")) for case in cases}
    employees = {a.user_id for a in accesses} | {e.written_by_id for es in journal.values() for e in es}
    units = _units_of_users(employees)
    names = _names_of_users(employees) if include_employees else None
    return {
        "produced_at": _moment(now or timezone.now()),
        "included_employees": include_employees,
        "included_old_cpr": include_old_cpr,
        "citizen": {
            "id": citizen.pk,
            "name": citizen.name,
            "cpr": citizen.cpr,
            "birth_date": citizen.birth_date.isoformat(),
            "jobcenter": citizen.jobcenter.name,
        },
        "cases": [_case(case, journal[case.pk], units, names) for case in cases],
        "cpr_changes": [
            {
                "changed_at": _moment(change.changed_at),
                "reason": change.reason,
                **({"old_cpr": change.old_cpr} if include_old_cpr else {}),
            }
            for change in citizen_cpr_changes(citizen_id=citizen.pk)
        ],
        "accesses": [
            {
                "at": _moment(access.created_at),
                "action": _choice(access, "action"),
                "purpose": access.purpose,
                "unit": units.get(access.user_id, ""),
                **({"employee": names.get(access.user_id, "")} if names is not None else {}),
            }
            for access in accesses
        ],
    }


def _case(case, entries, units: dict[int, str], names: dict[int, str] | None) -> dict:
    return {
        "id": case.pk,
        "programme": _choice(case, "programme"),
        "target_group": _choice(case, "target_group"),
        "status": _choice(case, "status"),
        "opened_at": _moment(case.opened_at),
        "closed_at": _moment(case.closed_at),
        "outcome": _choice(case, "outcome"),
        "assignments": [
            {
                "assigned_at": _moment(a.assigned_at),
                "ended_at": _moment(a.ended_at),
                "caseworker": a.caseworker.full_name,
                "unit": _unit(a.caseworker.team),
                "reason": _choice(a, "reason"),
            }
            for a in assignments_of_case(case=case).select_related("caseworker__team__jobcenter")
        ],
        "meetings": [
            {
                "starts_at": _moment(m.starts_at),
                "ends_at": _moment(m.ends_at),
                "kind": _choice(m, "kind"),
                "channel": _choice(m, "channel"),
                "place": m.location,
                "status": _choice(m, "status"),
                "caseworker": m.caseworker.full_name,
            }
            for m in meetings_of_case(case).select_related("caseworker").order_by("starts_at", "id")
        ],
        "journal": [
            {
                "id": entry.pk,
                "written_at": _moment(entry.written_at),
                "kind": _choice(entry, "kind"),
                "text": entry.text,
                "corrects": entry.corrects_id,
                "unit": units.get(entry.written_by_id, ""),
                **({"employee": names.get(entry.written_by_id, "")} if names is not None else {}),
            }
            for entry in entries
        ],
    }


def _choice(obj, field: str) -> dict:
    code = getattr(obj, field)
    label = getattr(obj, f"get_{field}_display")() if code else ""
    return {"code": code, "label": str(label)}


def _moment(value: datetime.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="minutes") if value else None


def _unit(team: Team) -> str:
    return f"{team.name}, {team.jobcenter.name}"


def _names_of_users(user_ids: Iterable[int]) -> dict[int, str]:
    """A caseworker's full name, else the login's name (two queries)."""
    ids = set(user_ids)
    names = dict(Caseworker.objects.filter(user_id__in=ids).values_list("user_id", "full_name"))
    for user in get_user_model().objects.filter(pk__in=ids - set(names)):
        names[user.pk] = user.get_full_name() or user.get_username()
    return names


def _units_of_users(user_ids: Iterable[int]) -> dict[int, str]:
    """Each employee's unit as the citizen may be told it: their team, else the teams they
    lead, else the administration (three queries, whatever the number of employees)."""
    ids = set(user_ids)
    units: dict[int, str] = {}
    for caseworker in Caseworker.objects.filter(user_id__in=ids).select_related("team__jobcenter"):
        units[caseworker.user_id] = _unit(caseworker.team)
    leading = Team.leaders.through.objects.filter(user_id__in=ids - set(units)).select_related("team__jobcenter")
    for row in leading.order_by("team_id"):  # a leader of several teams: the first of them
        units.setdefault(row.user_id, _unit(row.team))
    staff = get_user_model().objects.filter(pk__in=ids - set(units), is_staff=True).values_list("pk", flat=True)
    units.update(dict.fromkeys(staff, gettext("Administration")))
    return units

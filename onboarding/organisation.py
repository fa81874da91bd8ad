"""The organisation import: jobcenters, teams, caseworkers and team leaders, row by row.

A row is a person in a team: `municipality_code, jobcenter, team, unit_type, username,
full_name, email, role, fte, leader`. A row whose `role` is empty and whose `leader` is yes
is a team leader without a caseload (a login only). Every write goes through the staff and
allocation services, as it does from admin; the dry run is the same code in a transaction
that is rolled back (services.py), so what it shows is what the confirmed run does.

Natural keys: a jobcenter by its municipality code, a team by (jobcenter, name), a
caseworker by username (in any letter case).
"""

from __future__ import annotations

import re

from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import transaction

from allocation import services as allocation_services
from core.admin import error_text
from core.errors import ApplicationError
from staff import services as staff_services
from staff.models import Caseworker, Jobcenter, Role, Team, UnitType

from . import parsing
from .parsing import Refused
from .reasons import CREATE, UPDATE, RowOutcome

User = get_user_model()

COLUMNS = [
    "municipality_code",
    "jobcenter",
    "team",
    "unit_type",
    "username",
    "full_name",
    "email",
    "role",
    "fte",
    "leader",
]
REQUIRED = ["municipality_code", "team", "username"]


def organisation_rows_import(*, rows: list[dict], affected_team_ids: set[int]) -> list[RowOutcome]:
    seen: dict[str, int] = {}
    outcomes = []
    for number, row in enumerate(rows, start=2):  # row 1 holds the column names
        outcome = RowOutcome(row=number, subject=row.get("username", ""))
        try:
            with transaction.atomic():
                _organisation_row(row=row, outcome=outcome, seen=seen, affected_team_ids=affected_team_ids)
        except Refused:
            pass
        except (ApplicationError, ValidationError) as error:
            outcome.refuse("service", text=error_text(error))
        outcomes.append(outcome)
    return outcomes


def _organisation_row(*, row: dict, outcome: RowOutcome, seen: dict, affected_team_ids: set[int]) -> None:
    code = parsing.required(row, "municipality_code", outcome)
    team_name = parsing.required(row, "team", outcome)
    username = parsing.required(row, "username", outcome)
    if not re.fullmatch(r"[0-9]{3}", code):
        outcome.refuse("bad_municipality")
        raise Refused()
    key = username.lower()
    if key in seen:
        outcome.refuse("duplicate_in_file", what="username", row=seen[key])
        raise Refused()
    seen[key] = outcome.row
    try:
        UnicodeUsernameValidator()(username)
        if len(username) > 150:
            raise ValidationError("long")
    except ValidationError:
        outcome.refuse("bad_username", username=username)
        raise Refused() from None
    email = parsing.email(row.get("email", ""), outcome)
    leader = parsing.yes(row.get("leader", ""))
    role = parsing.choice(row["role"], Role, "role", outcome) if row.get("role") else ""
    fte = parsing.fte(row.get("fte", ""), outcome)
    jobcenter = _jobcenter(code=code, name=row.get("jobcenter", ""), outcome=outcome)
    team = _team(jobcenter=jobcenter, name=team_name, unit_type=row.get("unit_type", ""), outcome=outcome)
    if role or not leader:
        caseworker = _caseworker(
            username=username,
            full_name=row.get("full_name") or username,
            team=team,
            role=role or team.unit_type,
            fte=fte,
            email=email,
            outcome=outcome,
        )
        user = caseworker.user
        affected_team_ids.add(team.pk)
    else:
        user = _login(username=username, full_name=row.get("full_name", ""), email=email, outcome=outcome)
    if leader and not team.leaders.filter(pk=user.pk).exists():
        team.leaders.add(user)
        outcome.note("leader_added", username=username, team=team.name)
        outcome.mark(UPDATE)


def _jobcenter(*, code: str, name: str, outcome: RowOutcome) -> Jobcenter:
    jobcenter = Jobcenter.objects.filter(municipality_code=code).first()
    if jobcenter is None:
        if not name:
            outcome.refuse("unknown_jobcenter", code=code)
            raise Refused()
        outcome.mark(CREATE)
        return staff_services.jobcenter_create(name=name, municipality_code=code)
    if name and name != jobcenter.name:
        outcome.mark(UPDATE)
        return staff_services.jobcenter_update(jobcenter=jobcenter, name=name)
    return jobcenter


def _team(*, jobcenter: Jobcenter, name: str, unit_type: str, outcome: RowOutcome) -> Team:
    team = Team.objects.filter(jobcenter=jobcenter, name=name).first()
    if team is None:
        unit_type = parsing.choice(unit_type, UnitType, "unit_type", outcome) if unit_type else ""
        if not unit_type:
            outcome.refuse("required", column="unit_type")
            raise Refused()
        outcome.mark(CREATE)
        return staff_services.team_create(jobcenter=jobcenter, name=name, unit_type=unit_type)
    if unit_type and unit_type.lower() != team.unit_type:
        outcome.refuse("team_other_unit", team=name, unit=team.get_unit_type_display())
        raise Refused()
    return team


def _caseworker(*, username, full_name, team, role, fte, email, outcome) -> Caseworker:
    caseworker = Caseworker.objects.select_related("user").filter(user__username__iexact=username).first()
    if caseworker is None:
        if User.objects.filter(username__iexact=username).exists():
            outcome.refuse("login_not_caseworker", username=username)
            raise Refused()
        outcome.mark(CREATE)
        return allocation_services.caseworker_create(
            username=username, full_name=full_name, team=team, role=role, fte=fte, email=email
        )
    wanted = {"full_name": full_name, "team": team, "role": role, "fte": fte, "email": email}
    current = {
        "full_name": caseworker.full_name,
        "team": caseworker.team,
        "role": caseworker.role,
        "fte": caseworker.fte,
        "email": caseworker.user.email,
    }
    changes = {name: value for name, value in wanted.items() if value != current[name]}
    if not changes:
        return caseworker
    outcome.mark(UPDATE)
    return allocation_services.caseworker_update(caseworker=caseworker, **changes)


def _login(*, username: str, full_name: str, email: str, outcome: RowOutcome):
    user = User.objects.filter(username__iexact=username).first()
    if user is not None:
        return user
    outcome.mark(CREATE)
    first, _space, last = full_name.partition(" ")
    user = User(username=username, email=email, first_name=first[:150], last_name=last[:150])
    user.set_unusable_password()
    user.save()
    return user

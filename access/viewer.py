"""Who is asking: one view of the signed-in user, computed once per request.

Every decision of the access layer reads the same few facts about a user: admin or not,
their caseworker record, the teams they lead and the pools (jobcenter, unit type) those
teams serve. They are read in one query the first time a request asks and kept on the
user object, which Django's session middleware and DRF's authentication both create
afresh for each request, so that no decision repeats them and none sees another request's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import connection

_CACHED_ON_USER = "_access_viewer"


@dataclass(frozen=True)
class Viewer:
    user_id: int | None
    is_admin: bool = False
    caseworker_id: int | None = None
    caseworker_team_id: int | None = None
    caseworker_jobcenter_id: int | None = None
    led_team_ids: tuple[int, ...] = ()  # in the teams' own order
    led_pools: frozenset[tuple[int, str]] = frozenset()  # (jobcenter id, unit type) of the led teams
    led_jobcenter_ids: frozenset[int] = frozenset()

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def leads_any_team(self) -> bool:
        return bool(self.led_team_ids)

    def leads(self, team_id: int | None) -> bool:
        return team_id is not None and team_id in self.led_team_ids

    def leads_pool(self, jobcenter_id: int, unit_type: str) -> bool:
        return (jobcenter_id, unit_type) in self.led_pools


ANONYMOUS = Viewer(user_id=None)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    UserOrViewer = Viewer | AbstractBaseUser | AnonymousUser | None


def viewer_of(user_or_viewer: UserOrViewer) -> Viewer:
    """The user's Viewer, read once and then remembered on the user object."""
    if isinstance(user_or_viewer, Viewer):
        return user_or_viewer
    user = user_or_viewer
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    viewer = getattr(user, _CACHED_ON_USER, None)
    if viewer is None or viewer.user_id != user.pk:
        viewer = _read(user)
        setattr(user, _CACHED_ON_USER, viewer)
    return viewer


def _read(user) -> Viewer:
    # One query: the login's caseworker record (one-to-one) beside each team it leads, one
    # row per led team, or a single row of nulls for a login that leads none. Written as SQL
    # once, because every request runs it: the ORM spent about 0.7 ms of CPU building it each
    # time, more than the database spent answering (bench/request_cost.py). The ORM query it
    # replaces is the oracle of access/tests/test_viewer_sql.py.
    with connection.cursor() as cursor:
        cursor.execute(_viewer_sql(), [user.pk])
        rows = cursor.fetchall()
    return viewer_from_rows(user, rows)


def viewer_from_rows(user, rows) -> Viewer:
    """The Viewer from rows of (caseworker, its team, its jobcentre, led team, its jobcentre,
    its unit type), one per led team, in the teams' order."""
    caseworker_id, team_id, jobcenter_id = rows[0][:3] if rows else (None, None, None)
    led = [row[3:] for row in rows if row[3] is not None]
    return Viewer(
        user_id=user.pk,
        is_admin=bool(user.is_staff),
        caseworker_id=caseworker_id,
        caseworker_team_id=team_id,
        caseworker_jobcenter_id=jobcenter_id,
        led_team_ids=tuple(pk for pk, _, _ in led),
        led_pools=frozenset((jobcenter, unit_type) for _, jobcenter, unit_type in led),
        led_jobcenter_ids=frozenset(jobcenter for _, jobcenter, _ in led),
    )


@functools.cache
def _viewer_sql() -> str:
    from staff.models import Caseworker, Team

    def table(model) -> str:
        return connection.ops.quote_name(model._meta.db_table)

    user_table = table(get_user_model())
    leaders = table(Team.leaders.through)
    # Table names from the models; the user's id is the one parameter.
    return f"""
        SELECT cw.id, cw.team_id, cw_team.jobcenter_id, led.id, led.jobcenter_id, led.unit_type
        FROM {user_table} u
        LEFT JOIN {table(Caseworker)} cw ON cw.user_id = u.id
        LEFT JOIN {table(Team)} cw_team ON cw_team.id = cw.team_id
        LEFT JOIN {leaders} tl ON tl.user_id = u.id
        LEFT JOIN {table(Team)} led ON led.id = tl.team_id
        WHERE u.id = %s
        ORDER BY led.jobcenter_id, led.name, led.id
    """  # noqa: S608

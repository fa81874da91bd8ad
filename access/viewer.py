"""Who is asking: one view of the signed-in user, computed once per request.

Every decision of the access layer reads the same few facts about a user: admin or not,
their caseworker record, the teams they lead and the pools (jobcenter, unit type) those
teams serve. They are read in one query the first time a request asks and kept on the
user object, which Django's session middleware and DRF's authentication both create
afresh for each request, so that no decision repeats them and none sees another request's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model

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
    # row per led team, or a single row of nulls for a login that leads none.
    rows = list(
        get_user_model()
        .objects.filter(pk=user.pk)
        .values_list(
            "caseworker__pk",
            "caseworker__team_id",
            "caseworker__team__jobcenter_id",
            "teams_led__pk",
            "teams_led__jobcenter_id",
            "teams_led__unit_type",
        )
        .order_by("teams_led__jobcenter_id", "teams_led__name", "teams_led__pk")
    )
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

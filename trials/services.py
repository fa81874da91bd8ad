"""Trials at intake: assess a new case (its arm, or why it is excluded), then record it.

Trials sit below allocation in the layers (allocation → trials → cases → staff), so
`allocation.services.case_create` asks `trial_assess` first, allocates within the teams it
names, and then calls `trial_enrolment_record` in the same transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.models import Case, Citizen
from staff.models import Team

from .draw import age_on, arm_for_draw, draw_value
from .models import Exclusion, Trial, TrialEnrolment
from .selectors import trial_running


@dataclass(frozen=True)
class TrialAssessment:
    """What the trial says about a new case: its arm (and where to allocate it), or why not."""

    trial_id: int
    arm_id: int | None
    draw: float | None
    excluded: str
    programme: str
    team_ids: tuple[int, ...]

    @property
    def included(self) -> bool:
        return self.arm_id is not None


def _exclusion(
    *, trial: Trial, citizen: Citizen, target_group: str, day: datetime.date, keeps_earlier_caseworker: bool
) -> str:
    if trial.target_group and target_group != trial.target_group:
        return Exclusion.TARGET_GROUP
    if trial.min_age is not None and age_on(birth_date=citizen.birth_date, day=day) < trial.min_age:
        return Exclusion.TOO_YOUNG
    if trial.min_years_on_benefits is not None:
        first_opened = (
            Case.objects.filter(citizen_id=citizen.pk).order_by("opened_at").values_list("opened_at", flat=True).first()
        )
        days = (day - timezone.localdate(first_opened)).days if first_opened else 0
        years = Decimal(days) / Decimal("365.25")
        if years < trial.min_years_on_benefits:
            return Exclusion.TOO_FEW_YEARS
    # Continuity beats randomisation: a citizen who keeps their most recent caseworker (as
    # allocation decides it, by its own rule) is counted as excluded rather than drawn.
    if keeps_earlier_caseworker:
        return Exclusion.EARLIER_CASE
    return ""


def trial_assess(
    *,
    citizen: Citizen,
    programme: str,
    target_group: str,
    now: datetime.datetime,
    keeps_earlier_caseworker: bool,
    trial: Trial | None = None,
) -> TrialAssessment | None:
    """None when no trial covers this intake; otherwise the arm drawn or the exclusion.

    `keeps_earlier_caseworker` is allocation's decision that continuity applies (the
    citizen's most recent caseworker may take the case); the trial only records it.
    `trial`, when the caller has found the running trial already.

    Reads only; the caller allocates within `team_ids` under `programme` (when included)
    and then records the assessment with `trial_enrolment_record` in the same transaction.
    """
    day = timezone.localdate(now)  # the trial's dates are Danish calendar days
    trial = trial or trial_running(jobcenter_id=citizen.jobcenter_id, programme=programme, day=day)
    if trial is None:
        return None
    excluded = _exclusion(
        trial=trial,
        citizen=citizen,
        target_group=target_group,
        day=day,
        keeps_earlier_caseworker=keeps_earlier_caseworker,
    )
    if excluded:
        return TrialAssessment(trial.pk, None, None, excluded, programme, ())
    arms = list(trial.arms.order_by("id").values_list("id", "ratio"))
    if not arms:
        return None
    draw = draw_value(seed=trial.seed, trial_id=trial.pk, citizen_id=citizen.pk)
    arm_id = arm_for_draw(draw=draw, ratios=arms)
    teams = list(
        Team.objects.filter(trial_arms=arm_id, jobcenter_id=citizen.jobcenter_id)
        .order_by("id")
        .values_list("id", "unit_type")
    )
    if not teams:
        return TrialAssessment(trial.pk, None, None, Exclusion.NO_ARM_TEAMS, programme, ())
    # Allocation matches a case's programme to its team's unit type, so a case drawn into
    # the low-caseload arm takes that arm's unit type (validated to be one per arm).
    return TrialAssessment(trial.pk, arm_id, draw, "", teams[0][1], tuple(pk for pk, _ in teams))


def trial_enrolment_record(*, case: Case, assessment: TrialAssessment, now: datetime.datetime) -> TrialEnrolment:
    return TrialEnrolment.objects.create(
        trial_id=assessment.trial_id,
        case=case,
        arm_id=assessment.arm_id,
        draw=assessment.draw,
        excluded=assessment.excluded,
        drawn_at=now,
    )


def trial_arms_validate(*, jobcenter_id: int, arms: list[list[Team]]) -> None:
    """The arms of one trial: each arm's teams share one unit type and lie in the trial's
    jobcenter, and no team is in two arms (a drawn case must know where it may go)."""
    seen: set[int] = set()
    for teams in arms:
        if any(team.jobcenter_id != jobcenter_id for team in teams):
            raise ValidationError(_("Every team of an arm must belong to the trial's jobcenter."))
        if len({team.unit_type for team in teams}) > 1:
            raise ValidationError(_("The teams of an arm must share one unit type."))
        ids = {team.pk for team in teams}
        if ids & seen:
            raise ValidationError(_("A team can be in only one arm of a trial."))
        seen |= ids

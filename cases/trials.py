"""Randomised trials of caseload policy: the trial, its arms, and the draw stored per case.

An eligible new case is drawn into an arm by a keyed hash of (trial seed, trial id,
citizen id): anyone holding the seed can recompute every draw, nobody can steer one, and
the draw needs no case id, so it is known before the case row exists and the arm can
restrict allocation to its teams. The enrolment row is written once and never changed.

Importing allocation from here is not allowed (imports point allocation → cases → staff),
so `allocation.services.case_create` asks `trial_assess` first, allocates within the
teams it names, and then calls `trial_enrolment_record` in the same transaction.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staff.models import Caseworker, CaseworkerStatus, Jobcenter, Team, TimeStamped, UnitType

from .models import Case, Citizen, TargetGroup


def _new_seed() -> str:
    return secrets.token_hex(16)


class Trial(TimeStamped):
    name = models.CharField(_("name"), max_length=200, unique=True)
    hypothesis = models.TextField(_("hypothesis"), blank=True)
    jobcenter = models.ForeignKey(
        Jobcenter, on_delete=models.PROTECT, related_name="trials", verbose_name=_("jobcenter")
    )
    starts_on = models.DateField(_("starts"))
    ends_on = models.DateField(_("ends"), null=True, blank=True, help_text=_("Last day of intake; empty = open."))
    # Inclusion criteria: a new case of this programme, and the optional rest.
    programme = models.CharField(_("programme"), max_length=32, choices=UnitType.choices)
    target_group = models.CharField(
        _("target group"), max_length=32, choices=TargetGroup.choices, blank=True, help_text=_("Empty = any.")
    )
    min_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    min_years_on_benefits = models.DecimalField(
        _("minimum years on benefits"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("Counted from the citizen's first case in this system."),
    )
    seed = models.CharField(_("seed"), max_length=64, default=_new_seed, editable=False)

    class Meta:
        ordering = ["starts_on", "id"]
        verbose_name = _("trial")
        verbose_name_plural = _("trials")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="trial_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class TrialArm(TimeStamped):
    trial = models.ForeignKey(Trial, on_delete=models.CASCADE, related_name="arms", verbose_name=_("trial"))
    name = models.CharField(_("name"), max_length=200)
    teams = models.ManyToManyField(Team, related_name="trial_arms", verbose_name=_("teams"))
    ratio = models.PositiveSmallIntegerField(
        _("allocation ratio"), default=1, validators=[MinValueValidator(1)], help_text=_("Relative weight of the draw.")
    )

    class Meta:
        # The first arm is the reference the others are compared with (the ordinary units).
        ordering = ["trial_id", "id"]
        verbose_name = _("trial arm")
        verbose_name_plural = _("trial arms")
        constraints = [
            models.UniqueConstraint(fields=["trial", "name"], name="trial_arm_unique_name"),
            models.CheckConstraint(condition=Q(ratio__gte=1), name="trial_arm_ratio_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.trial}: {self.name}"


class Exclusion(models.TextChoices):
    EARLIER_CASE = "earlier_case", _("Kept their earlier caseworker (continuity)")
    TARGET_GROUP = "target_group", _("Other target group")
    TOO_YOUNG = "too_young", _("Below the minimum age")
    TOO_FEW_YEARS = "too_few_years", _("Too few years on benefits")
    NO_ARM_TEAMS = "no_arm_teams", _("The drawn arm has no teams")


class _Immutable(models.QuerySet):
    """A draw is a record: bulk updates and deletes are refused like single ones."""

    def update(self, **kwargs):
        raise ValidationError(_("A trial enrolment cannot be changed."))

    def delete(self):
        raise ValidationError(_("A trial enrolment cannot be deleted."))


class TrialEnrolment(models.Model):
    """One row per new case that fell within a trial: the draw, or why it was excluded."""

    trial = models.ForeignKey(Trial, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("trial"))
    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="trial_enrolment", verbose_name=_("case"))
    arm = models.ForeignKey(
        TrialArm, on_delete=models.PROTECT, null=True, blank=True, related_name="enrolments", verbose_name=_("arm")
    )
    draw = models.FloatField(_("draw"), null=True, blank=True, help_text=_("Uniform in [0, 1) from the keyed hash."))
    excluded = models.CharField(_("excluded because"), max_length=32, choices=Exclusion.choices, blank=True)
    drawn_at = models.DateTimeField(_("drawn"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = _Immutable.as_manager()

    class Meta:
        ordering = ["trial_id", "drawn_at", "id"]
        verbose_name = _("trial enrolment")
        verbose_name_plural = _("trial enrolments")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(arm__isnull=False, draw__isnull=False, excluded="") | Q(arm__isnull=True) & ~Q(excluded="")
                ),
                name="trial_enrolment_drawn_or_excluded",
            )
        ]
        indexes = [models.Index(fields=["trial", "arm"], name="trial_enrolment_arm")]

    def __str__(self) -> str:
        return f"{self.trial_id}/{self.case_id}: {self.arm_id or self.excluded}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("A trial enrolment cannot be changed."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("A trial enrolment cannot be deleted."))


# --- The draw: pure functions --------------------------------------------------------------


def draw_value(*, seed: str, trial_id: int, citizen_id: int) -> float:
    """Uniform in [0, 1): the first 64 bits of HMAC-SHA256(seed, "trial:citizen")."""
    digest = hmac.new(seed.encode(), f"{trial_id}:{citizen_id}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def arm_for_draw(*, draw: float, ratios: list[tuple[int, int]]) -> int:
    """The arm whose share of [0, 1) holds the draw; `ratios` is [(arm id, weight)] in arm order."""
    total = sum(weight for _, weight in ratios)
    if not ratios or total <= 0:
        raise ValueError("a trial needs at least one arm with a positive ratio")
    point, cumulative = draw * total, 0
    for arm_id, weight in ratios:
        cumulative += weight
        if point < cumulative:
            return arm_id
    return ratios[-1][0]


def age_on(*, birth_date: datetime.date, day: datetime.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


# --- Intake: assess, then record ----------------------------------------------------------


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


def trial_running(*, jobcenter_id: int, programme: str, day: datetime.date) -> Trial | None:
    return (
        Trial.objects.filter(jobcenter_id=jobcenter_id, programme=programme, starts_on__lte=day)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
        .order_by("starts_on", "id")
        .first()
    )


def _exclusion(*, trial: Trial, citizen: Citizen, programme: str, target_group: str, day: datetime.date) -> str:
    if trial.target_group and target_group != trial.target_group:
        return Exclusion.TARGET_GROUP
    if trial.min_age is not None and age_on(birth_date=citizen.birth_date, day=day) < trial.min_age:
        return Exclusion.TOO_YOUNG
    earlier = Case.objects.filter(citizen_id=citizen.pk)
    if trial.min_years_on_benefits is not None:
        first_opened = earlier.order_by("opened_at").values_list("opened_at", flat=True).first()
        days = (day - timezone.localdate(first_opened)).days if first_opened else 0
        years = Decimal(days) / Decimal("365.25")
        if years < trial.min_years_on_benefits:
            return Exclusion.TOO_FEW_YEARS
    # Continuity beats randomisation: a citizen whose last caseworker could take them
    # again keeps that caseworker, and is counted as excluded rather than drawn.
    last = earlier.exclude(caseworker=None).order_by("-opened_at", "-id").values_list("caseworker_id", flat=True)
    last_caseworker = last.first()
    if (
        last_caseworker
        and Caseworker.objects.filter(
            pk=last_caseworker,
            team__jobcenter_id=citizen.jobcenter_id,
            team__unit_type=programme,
            status=CaseworkerStatus.ACTIVE,
            accepting_new_cases=True,
        ).exists()
    ):
        return Exclusion.EARLIER_CASE
    return ""


def trial_assess(
    *, citizen: Citizen, programme: str, target_group: str, now: datetime.datetime
) -> TrialAssessment | None:
    """None when no trial covers this intake; otherwise the arm drawn or the exclusion.

    Reads only; the caller allocates within `team_ids` under `programme` (when included)
    and then records the assessment with `trial_enrolment_record` in the same transaction.
    """
    day = timezone.localdate(now)  # the trial's dates are Danish calendar days
    trial = trial_running(jobcenter_id=citizen.jobcenter_id, programme=programme, day=day)
    if trial is None:
        return None
    excluded = _exclusion(trial=trial, citizen=citizen, programme=programme, target_group=target_group, day=day)
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


def trial_arm_team_ids(*, case_id: int) -> tuple[int, ...]:
    """The teams a drawn case may be allocated to (also from the queue); () when not drawn."""
    arm_id = TrialEnrolment.objects.filter(case_id=case_id).values_list("arm_id", flat=True).first()
    return arm_team_ids(arm_id=arm_id) if arm_id is not None else ()


def arm_team_ids(*, arm_id: int) -> tuple[int, ...]:
    return tuple(Team.objects.filter(trial_arms=arm_id).order_by("id").values_list("id", flat=True))


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

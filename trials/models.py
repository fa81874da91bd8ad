"""Randomised trials of caseload policy: the trial, its arms, and the draw stored per case.

An eligible new case is drawn into an arm by a keyed hash of (trial seed, trial id,
citizen id) (`trials.draw`): anyone holding the seed can recompute every draw, nobody can
steer one, and the draw needs no case id, so it is known before the case row exists and
the arm can restrict allocation to its teams. The enrolment row is written once and never
changed.

The tables kept the names they had when these models lived in `cases` (`db_table`), so
that moving them into their own app moved no data.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Case, TargetGroup
from staff.models import Jobcenter, Team, TimeStamped, UnitType


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
        db_table = "cases_trial"
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
        db_table = "cases_trialarm"
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
        db_table = "cases_trialenrolment"
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

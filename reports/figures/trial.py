"""The trial report: per arm, who was included, how they left, and how fast."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Case as Conditional
from django.db.models import Count, DateTimeField, F, Q, Value, When
from django.utils import timezone

from cases.models import CaseStatus
from trials.models import Exclusion, Trial, TrialEnrolment

from ..dbfunctions import DaysBetween
from ..statistics import Difference, Share, Survival, difference_with_ci, kaplan_meier, logrank, share_with_ci, suppress
from .common import JOB_OR_EDUCATION, OUTCOME_ORDER
from .contacts import ContactFigures, ContactRow, trial_contacts


@dataclass(frozen=True)
class ArmFigures:
    arm_id: int
    name: str
    ratio: int
    teams: list[str]
    included: int | None
    still_open: int | None
    exits: dict[str, int | None]
    job_or_education: Share | None
    difference: Difference | None
    survival: Survival | None
    contacts: ContactFigures | None


@dataclass(frozen=True)
class TrialReport:
    trial: Trial
    as_of: datetime.datetime
    arms: list[ArmFigures]
    reference: str
    excluded: dict[str, int | None]
    logrank: tuple[float, float] | None
    contacts_by_quarter: list[ContactRow]


def trial_report(*, trial: Trial, as_of: datetime.datetime | None = None) -> TrialReport:
    as_of = as_of or timezone.now()
    enrolments = TrialEnrolment.objects.filter(trial=trial, drawn_at__lte=as_of)
    arms = list(trial.arms.order_by("id").prefetch_related("teams"))
    counts = _counts_per_arm(enrolments, as_of)
    durations = _durations_per_arm(enrolments, as_of)
    contacts, contacts_by_quarter = trial_contacts(
        enrolments, starts_on=trial.starts_on, as_of=as_of, labels={arm.pk: arm.name for arm in arms}
    )
    figures: list[ArmFigures] = []
    reference = counts.get(arms[0].pk) if arms else None
    for arm in arms:
        c = counts.get(arm.pk, {"included": 0, "open": 0, "outcomes": {}})
        included, successes = c["included"], sum(c["outcomes"].get(o, 0) for o in JOB_OR_EDUCATION)
        enough = suppress(included) is not None and included > 0
        figures.append(
            ArmFigures(
                arm_id=arm.pk,
                name=arm.name,
                ratio=arm.ratio,
                teams=[team.name for team in arm.teams.all()],
                included=suppress(included),
                still_open=suppress(c["open"]) if enough else None,
                exits={o: suppress(c["outcomes"].get(o, 0)) if enough else None for o in OUTCOME_ORDER},
                job_or_education=share_with_ci(successes=successes, total=included) if enough else None,
                difference=_difference(arm, arms[0], c, reference) if enough else None,
                survival=kaplan_meier(durations.get(arm.pk, [])) if enough else None,
                contacts=contacts.get(arm.pk) if enough else None,
            )
        )
    usable = [durations.get(f.arm_id, []) for f in figures if f.survival is not None]
    excluded = enrolments.filter(arm__isnull=True).values("excluded").order_by().annotate(n=Count("id"))
    return TrialReport(
        trial=trial,
        as_of=as_of,
        arms=figures,
        reference=arms[0].name if arms else "",
        excluded={r["excluded"]: suppress(r["n"]) for r in excluded},
        logrank=logrank(usable) if len(usable) >= 2 else None,
        contacts_by_quarter=contacts_by_quarter,
    )


def _difference(arm, reference_arm, counts: dict, reference: dict | None) -> Difference | None:
    if arm.pk == reference_arm.pk or not reference or suppress(reference["included"]) is None:
        return None
    return difference_with_ci(
        successes=sum(counts["outcomes"].get(o, 0) for o in JOB_OR_EDUCATION),
        total=counts["included"],
        ref_successes=sum(reference["outcomes"].get(o, 0) for o in JOB_OR_EDUCATION),
        ref_total=reference["included"],
    )


def _closed_by(as_of):
    return Q(case__status=CaseStatus.CLOSED, case__closed_at__lte=as_of)


def _counts_per_arm(enrolments, as_of) -> dict:
    rows = (
        enrolments.filter(arm__isnull=False)
        .annotate(exit=Conditional(When(_closed_by(as_of), then=F("case__outcome")), default=Value("")))
        .values("arm_id", "exit")
        .order_by()
        .annotate(n=Count("id"))
    )
    counts: dict = defaultdict(lambda: {"included": 0, "open": 0, "outcomes": {}})
    for r in rows:
        arm = counts[r["arm_id"]]
        arm["included"] += r["n"]
        if r["exit"]:
            arm["outcomes"][r["exit"]] = arm["outcomes"].get(r["exit"], 0) + r["n"]
        else:
            arm["open"] += r["n"]
    return counts


def _durations_per_arm(enrolments, as_of) -> dict[int, list[tuple[int, bool, int]]]:
    """(days in the programme, exited?, count) per arm: open cases censored at `as_of`."""
    end = Conditional(
        When(_closed_by(as_of), then=F("case__closed_at")), default=Value(as_of), output_field=DateTimeField()
    )
    rows = (
        enrolments.filter(arm__isnull=False)
        .annotate(
            days=DaysBetween(F("case__opened_at"), end),
            exited=Conditional(When(_closed_by(as_of), then=Value(1)), default=Value(0)),
        )
        .values("arm_id", "days", "exited")
        .order_by()
        .annotate(n=Count("id"))
    )
    durations: dict = defaultdict(list)
    for r in rows:
        durations[r["arm_id"]].append((r["days"], bool(r["exited"]), r["n"]))
    return durations


def exclusion_labels() -> dict[str, str]:
    return {value: str(label) for value, label in Exclusion.choices}

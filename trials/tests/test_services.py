"""Trials at intake, read and recorded (trials.services, trials.selectors).

The intake that asks them lives in allocation, above trials in the layers; these tests
write the case rows an assessment reads (a citizen's earlier cases) directly, and
`allocation/tests/test_trial_intake.py` proves that intake records what they assess.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from cases.models import Case, CaseStatus
from cases.tests.factories import CitizenFactory
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory
from trials.draw import draw_value
from trials.models import Exclusion, Trial, TrialArm, TrialEnrolment
from trials.selectors import arm_team_ids
from trials.services import trial_arms_validate, trial_assess, trial_enrolment_record

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


NOW = timezone.make_aware(datetime.datetime(2026, 3, 2, 10, 0))


def make_trial(*, jobcenter, arms, programme="standard", **fields) -> Trial:
    trial = Trial.objects.create(
        name=fields.pop("name", "Lærkevej"),
        jobcenter=jobcenter,
        programme=programme,
        starts_on=fields.pop("starts_on", datetime.date(2026, 1, 1)),
        seed=fields.pop("seed", "fixed-seed"),
        **fields,
    )
    for name, teams, ratio in arms:
        arm = TrialArm.objects.create(trial=trial, name=name, ratio=ratio)
        arm.teams.set(teams)
    return trial


@pytest.fixture
def setting():
    jobcenter = JobcenterFactory()
    ordinary = TeamFactory(jobcenter=jobcenter, unit_type="standard")
    low = TeamFactory(jobcenter=jobcenter, unit_type="trial")
    CaseworkerFactory(team=ordinary)
    CaseworkerFactory(team=low)
    trial = make_trial(jobcenter=jobcenter, arms=[("Ordinary", [ordinary], 1), ("Low caseload", [low], 1)])
    return jobcenter, ordinary, low, trial


def earlier_case(*, citizen, team, opened_at=NOW - datetime.timedelta(days=30)) -> Case:
    """A closed case of the citizen's, held by the team's caseworker: history an assessment reads."""
    return Case.objects.create(
        citizen=citizen,
        jobcenter=citizen.jobcenter,
        programme=team.unit_type,
        status=CaseStatus.CLOSED,
        caseworker=team.caseworkers.get(),
        opened_at=opened_at,
        closed_at=NOW - datetime.timedelta(days=1),
        outcome="other",
    )


def queued_case(*, citizen, programme="standard") -> Case:
    return Case.objects.create(
        citizen=citizen, jobcenter=citizen.jobcenter, programme=programme, status=CaseStatus.QUEUED, opened_at=NOW
    )


# --- Assessment at intake -------------------------------------------------------------------


def test_an_eligible_new_case_is_drawn_into_an_arm_with_its_teams(setting):
    jobcenter, ordinary, low, trial = setting
    citizen = CitizenFactory(jobcenter=jobcenter)
    assessment = trial_assess(
        keeps_earlier_caseworker=False, citizen=citizen, programme="standard", target_group="jobparat", now=NOW
    )
    assert assessment.included and assessment.excluded == ""
    draw = draw_value(seed="fixed-seed", trial_id=trial.pk, citizen_id=citizen.pk)
    assert assessment.draw == draw
    expected_team = ordinary if draw < 0.5 else low
    assert assessment.team_ids == (expected_team.pk,)
    assert assessment.programme == expected_team.unit_type
    # reproducible: asking again gives the same answer
    assert (
        trial_assess(
            keeps_earlier_caseworker=False, citizen=citizen, programme="standard", target_group="jobparat", now=NOW
        )
        == assessment
    )


def test_no_trial_outside_its_period_programme_or_jobcenter(setting):
    jobcenter, *_ = setting
    citizen = CitizenFactory(jobcenter=jobcenter)
    before = timezone.make_aware(datetime.datetime(2025, 12, 31, 12))
    assert (
        trial_assess(keeps_earlier_caseworker=False, citizen=citizen, programme="standard", target_group="", now=before)
        is None
    )
    assert (
        trial_assess(keeps_earlier_caseworker=False, citizen=citizen, programme="psychiatric", target_group="", now=NOW)
        is None
    )
    elsewhere = CitizenFactory(jobcenter=JobcenterFactory())
    assert (
        trial_assess(keeps_earlier_caseworker=False, citizen=elsewhere, programme="standard", target_group="", now=NOW)
        is None
    )
    Trial.objects.update(ends_on=datetime.date(2026, 2, 1))
    assert (
        trial_assess(keeps_earlier_caseworker=False, citizen=citizen, programme="standard", target_group="", now=NOW)
        is None
    )


def test_inclusion_criteria_exclude_with_a_reason(setting):
    jobcenter, ordinary, low, trial = setting
    Trial.objects.filter(pk=trial.pk).update(target_group="aktivitetsparat", min_age=30)
    citizen = CitizenFactory(jobcenter=jobcenter, cpr="010200-4000")  # born 2000: 26 years old
    assert (
        trial_assess(
            keeps_earlier_caseworker=False, citizen=citizen, programme="standard", target_group="jobparat", now=NOW
        ).excluded
        == Exclusion.TARGET_GROUP
    )
    too_young = trial_assess(
        keeps_earlier_caseworker=False, citizen=citizen, programme="standard", target_group="aktivitetsparat", now=NOW
    )
    assert (too_young.excluded, too_young.arm_id, too_young.team_ids) == (Exclusion.TOO_YOUNG, None, ())
    older = CitizenFactory(jobcenter=jobcenter, cpr="010180-1000")
    assert trial_assess(
        keeps_earlier_caseworker=False, citizen=older, programme="standard", target_group="aktivitetsparat", now=NOW
    ).included


def test_years_on_benefits_count_from_the_first_case(setting):
    jobcenter, ordinary, low, trial = setting
    Trial.objects.filter(pk=trial.pk).update(min_years_on_benefits=5)
    citizen = CitizenFactory(jobcenter=jobcenter)
    assert (
        trial_assess(
            keeps_earlier_caseworker=False, citizen=citizen, programme="standard", target_group="", now=NOW
        ).excluded
        == Exclusion.TOO_FEW_YEARS
    )
    earlier_case(citizen=citizen, team=ordinary, opened_at=NOW - datetime.timedelta(days=6 * 365))
    # Long enough on benefits now; when allocation keeps their old caseworker, continuity wins.
    assert trial_assess(
        keeps_earlier_caseworker=False, citizen=citizen, programme="standard", target_group="", now=NOW
    ).included
    assert (
        trial_assess(
            keeps_earlier_caseworker=True, citizen=citizen, programme="standard", target_group="", now=NOW
        ).excluded
        == Exclusion.EARLIER_CASE
    )


def test_a_citizen_whom_allocation_keeps_with_their_caseworker_is_excluded_not_drawn(setting):
    # Whether continuity applies is allocation's rule (allocation/rules.py); the trial records it.
    jobcenter, ordinary, low, trial = setting
    citizen = CitizenFactory(jobcenter=jobcenter)
    kept = trial_assess(keeps_earlier_caseworker=True, citizen=citizen, programme="standard", target_group="", now=NOW)
    assert (kept.excluded, kept.arm_id) == (Exclusion.EARLIER_CASE, None)
    assert trial_assess(
        keeps_earlier_caseworker=False, citizen=citizen, programme="standard", target_group="", now=NOW
    ).included


def test_an_arm_without_teams_in_the_jobcenter_excludes(setting):
    jobcenter, ordinary, low, trial = setting
    for arm in trial.arms.all():
        arm.teams.clear()
    assessment = trial_assess(
        keeps_earlier_caseworker=False,
        citizen=CitizenFactory(jobcenter=jobcenter),
        programme="standard",
        target_group="",
        now=NOW,
    )
    assert assessment.excluded == Exclusion.NO_ARM_TEAMS


def test_a_trial_starts_at_midnight_danish_time_not_utc():
    jobcenter = JobcenterFactory()
    team = TeamFactory(jobcenter=jobcenter, unit_type="standard")
    CaseworkerFactory(team=team)
    trial = make_trial(jobcenter=jobcenter, arms=[("Only", [team], 1)])
    Trial.objects.filter(pk=trial.pk).update(starts_on=datetime.date(2026, 3, 2))
    citizen = CitizenFactory(jobcenter=jobcenter)
    utc = datetime.UTC
    # 23:30 UTC on 1 March is 00:30 on 2 March in Copenhagen: the trial has begun
    started = trial_assess(
        keeps_earlier_caseworker=False,
        citizen=citizen,
        programme="standard",
        target_group="",
        now=datetime.datetime(2026, 3, 1, 23, 30, tzinfo=utc),
    )
    assert started is not None and started.trial_id == trial.pk
    # 22:30 UTC is 23:30 on 1 March in Copenhagen: not yet
    assert (
        trial_assess(
            keeps_earlier_caseworker=False,
            citizen=citizen,
            programme="standard",
            target_group="",
            now=datetime.datetime(2026, 3, 1, 22, 30, tzinfo=utc),
        )
        is None
    )


# --- The record ----------------------------------------------------------------------------


def test_the_draw_is_recorded_once_and_cannot_be_changed_or_deleted(setting):
    jobcenter, ordinary, low, trial = setting
    citizen = CitizenFactory(jobcenter=jobcenter)
    assessment = trial_assess(
        keeps_earlier_caseworker=False, citizen=citizen, programme="standard", target_group="", now=NOW
    )
    case = queued_case(citizen=citizen, programme=assessment.programme)
    enrolment = trial_enrolment_record(case=case, assessment=assessment, now=NOW)
    enrolment.refresh_from_db()
    assert (enrolment.arm_id, enrolment.draw, enrolment.excluded) == (assessment.arm_id, assessment.draw, "")
    enrolment.arm_id = None
    with pytest.raises(ValidationError):
        enrolment.save()
    with pytest.raises(ValidationError):
        TrialEnrolment.objects.filter(pk=enrolment.pk).update(excluded="too_young")
    with pytest.raises(ValidationError):
        TrialEnrolment.objects.all().delete()
    with pytest.raises(ValidationError):
        enrolment.delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        trial_enrolment_record(case=case, assessment=assessment, now=NOW)
    stored = TrialEnrolment.objects.get()
    assert stored.arm_id == assessment.arm_id
    # where the queue may later place the case: the same teams the assessment named
    assert arm_team_ids(arm_id=stored.arm_id) == assessment.team_ids


def test_the_database_refuses_an_enrolment_both_drawn_and_excluded(setting):
    jobcenter, ordinary, low, trial = setting
    case = queued_case(citizen=CitizenFactory(jobcenter=jobcenter))
    with pytest.raises(IntegrityError), transaction.atomic():
        TrialEnrolment.objects.create(
            trial=trial, case=case, arm=trial.arms.first(), draw=0.1, excluded="too_young", drawn_at=NOW
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        TrialEnrolment.objects.create(trial=trial, case=case, arm=None, draw=None, excluded="", drawn_at=NOW)


def test_arm_validation(setting):
    jobcenter, ordinary, low, trial = setting
    other = TeamFactory(jobcenter=jobcenter, unit_type="trial")
    with pytest.raises(ValidationError, match="one unit type"):
        trial_arms_validate(jobcenter_id=jobcenter.pk, arms=[[ordinary, other]])
    with pytest.raises(ValidationError, match="jobcenter"):
        trial_arms_validate(jobcenter_id=jobcenter.pk, arms=[[TeamFactory(unit_type="trial")]])
    with pytest.raises(ValidationError, match="only one arm"):
        trial_arms_validate(jobcenter_id=jobcenter.pk, arms=[[ordinary], [low, other], [other]])
    trial_arms_validate(jobcenter_id=jobcenter.pk, arms=[[ordinary], [low, other]])

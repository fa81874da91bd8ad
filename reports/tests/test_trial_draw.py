"""The trial models and the draw (cases.trials). Kept here because they use the allocation
services to build cases, which cases may not import."""

import datetime
import hashlib
import hmac

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from allocation import services
from allocation.tests.factories import open_case
from cases.tests.factories import CitizenFactory
from cases.trials import (
    Exclusion,
    Trial,
    TrialArm,
    TrialEnrolment,
    age_on,
    arm_for_draw,
    draw_value,
    trial_arm_team_ids,
    trial_arms_validate,
    trial_assess,
    trial_enrolment_record,
)
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory

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


# --- The draw ------------------------------------------------------------------------------


def test_draw_is_the_keyed_hash_of_trial_and_citizen():
    expected = int.from_bytes(hmac.new(b"s", b"3:42", hashlib.sha256).digest()[:8], "big") / 2**64
    assert draw_value(seed="s", trial_id=3, citizen_id=42) == expected
    assert draw_value(seed="s", trial_id=3, citizen_id=42) == draw_value(seed="s", trial_id=3, citizen_id=42)
    assert draw_value(seed="t", trial_id=3, citizen_id=42) != expected


def test_arm_boundaries_follow_the_ratios():
    assert arm_for_draw(draw=0.0, ratios=[(1, 1), (2, 1)]) == 1
    assert arm_for_draw(draw=0.4999, ratios=[(1, 1), (2, 1)]) == 1
    assert arm_for_draw(draw=0.5, ratios=[(1, 1), (2, 1)]) == 2
    assert arm_for_draw(draw=0.24, ratios=[(1, 1), (2, 3)]) == 1
    assert arm_for_draw(draw=0.25, ratios=[(1, 1), (2, 3)]) == 2
    assert arm_for_draw(draw=0.999999, ratios=[(1, 1), (2, 3)]) == 2
    with pytest.raises(ValueError):
        arm_for_draw(draw=0.5, ratios=[])


def test_draws_are_uniform_enough_to_honour_a_two_to_one_ratio():
    arms = [
        arm_for_draw(draw=draw_value(seed="demo", trial_id=1, citizen_id=c), ratios=[(1, 2), (2, 1)])
        for c in range(6000)
    ]
    assert arms.count(1) / len(arms) == pytest.approx(2 / 3, abs=0.02)


def test_age_on_counts_birthdays():
    assert age_on(birth_date=datetime.date(1990, 3, 2), day=datetime.date(2026, 3, 1)) == 35
    assert age_on(birth_date=datetime.date(1990, 3, 2), day=datetime.date(2026, 3, 2)) == 36


# --- Assessment at intake -------------------------------------------------------------------


def test_an_eligible_new_case_is_drawn_into_an_arm_with_its_teams(setting):
    jobcenter, ordinary, low, trial = setting
    citizen = CitizenFactory(jobcenter=jobcenter)
    assessment = trial_assess(citizen=citizen, programme="standard", target_group="jobparat", now=NOW)
    assert assessment.included and assessment.excluded == ""
    draw = draw_value(seed="fixed-seed", trial_id=trial.pk, citizen_id=citizen.pk)
    assert assessment.draw == draw
    expected_team = ordinary if draw < 0.5 else low
    assert assessment.team_ids == (expected_team.pk,)
    assert assessment.programme == expected_team.unit_type
    # reproducible: asking again gives the same answer
    assert trial_assess(citizen=citizen, programme="standard", target_group="jobparat", now=NOW) == assessment


def test_no_trial_outside_its_period_programme_or_jobcenter(setting):
    jobcenter, *_ = setting
    citizen = CitizenFactory(jobcenter=jobcenter)
    before = timezone.make_aware(datetime.datetime(2025, 12, 31, 12))
    assert trial_assess(citizen=citizen, programme="standard", target_group="", now=before) is None
    assert trial_assess(citizen=citizen, programme="psychiatric", target_group="", now=NOW) is None
    elsewhere = CitizenFactory(jobcenter=JobcenterFactory())
    assert trial_assess(citizen=elsewhere, programme="standard", target_group="", now=NOW) is None
    Trial.objects.update(ends_on=datetime.date(2026, 2, 1))
    assert trial_assess(citizen=citizen, programme="standard", target_group="", now=NOW) is None


def test_inclusion_criteria_exclude_with_a_reason(setting):
    jobcenter, ordinary, low, trial = setting
    Trial.objects.filter(pk=trial.pk).update(target_group="aktivitetsparat", min_age=30)
    citizen = CitizenFactory(jobcenter=jobcenter, cpr="010200-4000")  # born 2000: 26 years old
    assert (
        trial_assess(citizen=citizen, programme="standard", target_group="jobparat", now=NOW).excluded
        == Exclusion.TARGET_GROUP
    )
    too_young = trial_assess(citizen=citizen, programme="standard", target_group="aktivitetsparat", now=NOW)
    assert (too_young.excluded, too_young.arm_id, too_young.team_ids) == (Exclusion.TOO_YOUNG, None, ())
    older = CitizenFactory(jobcenter=jobcenter, cpr="010180-1000")
    assert trial_assess(citizen=older, programme="standard", target_group="aktivitetsparat", now=NOW).included


def test_years_on_benefits_count_from_the_first_case(setting):
    jobcenter, ordinary, low, trial = setting
    Trial.objects.filter(pk=trial.pk).update(min_years_on_benefits=5)
    citizen = CitizenFactory(jobcenter=jobcenter)
    assert (
        trial_assess(citizen=citizen, programme="standard", target_group="", now=NOW).excluded
        == Exclusion.TOO_FEW_YEARS
    )
    case = open_case(team=ordinary, citizen=citizen)
    services.case_close(case=case, outcome="other")
    from cases.models import Case

    Case.objects.filter(pk=case.pk).update(opened_at=NOW - datetime.timedelta(days=6 * 365))
    # Long enough on benefits now; their old caseworker is still there, so continuity wins.
    assert (
        trial_assess(citizen=citizen, programme="standard", target_group="", now=NOW).excluded == Exclusion.EARLIER_CASE
    )


def test_continuity_only_excludes_when_the_earlier_caseworker_could_take_them(setting):
    jobcenter, ordinary, low, trial = setting
    citizen = CitizenFactory(jobcenter=jobcenter)
    # the earlier case predates the trial, so intake did not draw it into an arm
    starts_on = trial.starts_on
    Trial.objects.filter(pk=trial.pk).update(starts_on=datetime.date(2999, 1, 1))
    case = open_case(team=ordinary, citizen=citizen)
    Trial.objects.filter(pk=trial.pk).update(starts_on=starts_on)
    services.case_close(case=case, outcome="moved")
    assert (
        trial_assess(citizen=citizen, programme="standard", target_group="", now=NOW).excluded == Exclusion.EARLIER_CASE
    )
    services.caseworker_update(caseworker=case.caseworker, status="on_leave")
    assert trial_assess(citizen=citizen, programme="standard", target_group="", now=NOW).included


def test_an_arm_without_teams_in_the_jobcenter_excludes(setting):
    jobcenter, ordinary, low, trial = setting
    for arm in trial.arms.all():
        arm.teams.clear()
    assessment = trial_assess(
        citizen=CitizenFactory(jobcenter=jobcenter), programme="standard", target_group="", now=NOW
    )
    assert assessment.excluded == Exclusion.NO_ARM_TEAMS


# --- The record ----------------------------------------------------------------------------


def test_the_draw_is_recorded_once_and_cannot_be_changed_or_deleted(setting):
    jobcenter, ordinary, low, trial = setting
    citizen = CitizenFactory(jobcenter=jobcenter)
    assessment = trial_assess(citizen=citizen, programme="standard", target_group="", now=NOW)
    # intake draws and records the enrolment itself (allocation.services.case_create)
    case = services.case_create(citizen=citizen, programme="standard")
    enrolment = TrialEnrolment.objects.get(case=case)
    assert (enrolment.arm_id, enrolment.draw, enrolment.excluded) == (assessment.arm_id, assessment.draw, "")
    assert case.programme == assessment.programme
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
    assert TrialEnrolment.objects.get().arm_id == assessment.arm_id
    assert trial_arm_team_ids(case_id=case.pk) == assessment.team_ids
    not_in_trial = open_case(team=low)  # the trial covers the standard programme only
    assert trial_arm_team_ids(case_id=not_in_trial.pk) == ()


def test_the_database_refuses_an_enrolment_both_drawn_and_excluded(setting):
    jobcenter, ordinary, low, trial = setting
    case = open_case(team=ordinary)
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

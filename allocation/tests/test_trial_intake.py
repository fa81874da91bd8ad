"""Intake under a running trial: the draw is recorded and the case stays within its arm."""

import datetime

import pytest

from allocation import services
from allocation.tests.factories import open_case
from cases.tests.factories import CitizenFactory
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory
from trials import services as trial_services
from trials.draw import draw_value
from trials.models import Trial, TrialArm, TrialEnrolment

pytestmark = pytest.mark.django_db


def _trial(jobcenter, *arm_teams):
    trial = Trial.objects.create(
        name="Lærkevej", jobcenter=jobcenter, programme="standard", starts_on=datetime.date(2000, 1, 1)
    )
    for index, teams in enumerate(arm_teams):
        arm = TrialArm.objects.create(trial=trial, name=f"arm {index}")
        arm.teams.set(teams)
    return trial


def test_each_intake_is_drawn_recorded_and_allocated_inside_its_arm():
    # given ordinary units and a low-caseload trial unit, one per arm
    jobcenter = JobcenterFactory()
    ordinary = TeamFactory(jobcenter=jobcenter, unit_type="standard")
    low = TeamFactory(jobcenter=jobcenter, unit_type="trial")
    ordinary_workers = {CaseworkerFactory(team=ordinary).pk for _ in range(2)}
    low_workers = {CaseworkerFactory(team=low).pk for _ in range(2)}
    trial = _trial(jobcenter, [ordinary], [low])
    arms = list(trial.arms.order_by("id"))
    # when 40 citizens arrive
    cases = [services.case_create(citizen=CitizenFactory(jobcenter=jobcenter), programme="standard") for _ in range(40)]
    # then every case is enrolled with the draw the seed gives, and held in its arm's team
    for case in cases:
        enrolment = TrialEnrolment.objects.get(case=case)
        assert enrolment.draw == pytest.approx(
            draw_value(seed=trial.seed, trial_id=trial.pk, citizen_id=case.citizen_id)
        )
        expected = ordinary_workers if enrolment.arm_id == arms[0].pk else low_workers
        assert case.caseworker_id in expected
        assert case.programme == ("standard" if enrolment.arm_id == arms[0].pk else "trial")
    assert {TrialEnrolment.objects.get(case=c).arm_id for c in cases} == {a.pk for a in arms}


def test_a_queued_drawn_case_leaves_the_queue_only_for_its_arm():
    jobcenter = JobcenterFactory()
    team_a = TeamFactory(jobcenter=jobcenter, unit_type="standard")
    team_b = TeamFactory(jobcenter=jobcenter, unit_type="standard")
    a = CaseworkerFactory(team=team_a, cap_override=0)
    b = CaseworkerFactory(team=team_b, cap_override=5)
    _trial(jobcenter, [team_a])
    case = services.case_create(citizen=CitizenFactory(jobcenter=jobcenter), programme="standard")
    assert case.status == "queued"  # b has room, but b is outside the arm
    services.caseworker_update(caseworker=b, cap_override=10)
    case.refresh_from_db()
    assert case.status == "queued"
    services.caseworker_update(caseworker=a, cap_override=1)
    case.refresh_from_db()
    assert (case.status, case.caseworker_id) == ("open", a.pk)


def test_without_a_trial_nothing_is_enrolled():
    team = TeamFactory(unit_type="standard")
    CaseworkerFactory(team=team)
    open_case(team=team)
    assert not TrialEnrolment.objects.exists()


def test_a_drawn_case_whose_arm_is_full_does_not_hold_up_the_queue_behind_it():
    # given a trial of one arm (team a, full) for the target group "aktivitetsparat"
    jobcenter = JobcenterFactory()
    team_a = TeamFactory(jobcenter=jobcenter, unit_type="standard")
    team_b = TeamFactory(jobcenter=jobcenter, unit_type="standard")
    CaseworkerFactory(team=team_a, cap_override=0)
    b = CaseworkerFactory(team=team_b, cap_override=0)
    trial = _trial(jobcenter, [team_a])
    Trial.objects.filter(pk=trial.pk).update(target_group="aktivitetsparat")
    # and, queued behind a case drawn into that arm, a case outside the trial
    drawn = services.case_create(
        citizen=CitizenFactory(jobcenter=jobcenter), programme="standard", target_group="aktivitetsparat"
    )
    outside = services.case_create(
        citizen=CitizenFactory(jobcenter=jobcenter), programme="standard", target_group="jobparat"
    )
    assert TrialEnrolment.objects.get(case=drawn).arm_id is not None
    assert TrialEnrolment.objects.get(case=outside).excluded == "target_group"
    assert (drawn.status, outside.status) == ("queued", "queued")
    # when b gets room
    services.caseworker_update(caseworker=b, cap_override=1)
    # then the case outside the trial takes it, and the drawn one keeps waiting for its arm
    drawn.refresh_from_db()
    outside.refresh_from_db()
    assert (outside.status, outside.caseworker_id) == ("open", b.pk)
    assert drawn.status == "queued"


def test_intake_records_what_the_assessment_says():
    jobcenter = JobcenterFactory()
    ordinary = TeamFactory(jobcenter=jobcenter, unit_type="standard")
    low = TeamFactory(jobcenter=jobcenter, unit_type="trial")
    CaseworkerFactory(team=ordinary)
    CaseworkerFactory(team=low)
    _trial(jobcenter, [ordinary], [low])
    citizen = CitizenFactory(jobcenter=jobcenter)
    assessment = trial_services.trial_assess(
        keeps_earlier_caseworker=False,
        citizen=citizen,
        programme="standard",
        target_group="",
        now=datetime.datetime.now(tz=datetime.UTC),
    )
    # intake draws and records the enrolment itself
    case = services.case_create(citizen=citizen, programme="standard")
    enrolment = TrialEnrolment.objects.get(case=case)
    assert (enrolment.arm_id, enrolment.draw, enrolment.excluded) == (assessment.arm_id, assessment.draw, "")
    assert case.programme == assessment.programme


def _returning_citizen(*, team, caseworker):
    """A citizen whose earlier case, held by `caseworker`, closed before the trial began."""
    citizen = CitizenFactory(jobcenter=team.jobcenter)
    case = services.case_create(citizen=citizen, programme=team.unit_type)
    assert case.caseworker_id == caseworker.pk
    services.case_close(case=case, outcome="job")
    return citizen


def test_a_returning_citizen_whose_caseworker_is_full_is_drawn_not_recorded_as_kept():
    # Observed before: recorded as "kept their earlier caseworker" while the case went elsewhere.
    jobcenter = JobcenterFactory()
    ordinary = TeamFactory(jobcenter=jobcenter, unit_type="standard")
    low = TeamFactory(jobcenter=jobcenter, unit_type="trial")
    earlier = CaseworkerFactory(team=ordinary, cap_override=1)
    citizen = _returning_citizen(team=ordinary, caseworker=earlier)
    other = CaseworkerFactory(team=ordinary)
    CaseworkerFactory(team=low)
    open_case(team=ordinary)  # goes to `earlier` (lowest load ratio): now she is full
    assert (
        services.case_create(citizen=CitizenFactory(jobcenter=jobcenter), programme="standard").caseworker_id
        == other.pk
    )
    _trial(jobcenter, [ordinary], [low])

    case = services.case_create(citizen=citizen, programme="standard")

    enrolment = TrialEnrolment.objects.get(case=case)
    assert enrolment.excluded == "" and enrolment.arm_id is not None
    assert case.caseworker_id != earlier.pk


def test_a_returning_citizen_whose_caseworker_has_room_keeps_them_and_is_recorded_so():
    jobcenter = JobcenterFactory()
    ordinary = TeamFactory(jobcenter=jobcenter, unit_type="standard")
    low = TeamFactory(jobcenter=jobcenter, unit_type="trial")
    earlier = CaseworkerFactory(team=ordinary, cap_override=5)
    citizen = _returning_citizen(team=ordinary, caseworker=earlier)
    CaseworkerFactory(team=low)
    _trial(jobcenter, [ordinary], [low])

    case = services.case_create(citizen=citizen, programme="standard")

    enrolment = TrialEnrolment.objects.get(case=case)
    assert (enrolment.excluded, enrolment.arm_id) == ("earlier_case", None)
    assert case.caseworker_id == earlier.pk
    assert case.assignments.get().reason == "continuity"

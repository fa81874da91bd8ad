import datetime

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from allocation.models import CaseloadSnapshot
from allocation.tests.factories import open_case
from cases.models import Case, CaseStatus
from casework.models import JournalEntry, Meeting, MeetingStatus
from demo.history import CLOSED_PER_CASEWORKER, DAYS, TRIAL_CASES_PER_ARM, TRIAL_NAME, seed_demo_history
from reports.figures.trial import trial_report
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory
from trials.draw import arm_for_draw, draw_value
from trials.models import Trial, TrialEnrolment

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def demo_jobcenter():
    jobcenter = JobcenterFactory(name="Jobcenter København", municipality_code="101")
    standard = TeamFactory(jobcenter=jobcenter, name="Kontanthjælp 1", unit_type="standard")
    low = TeamFactory(jobcenter=jobcenter, name="Forsøgsafdelingen Lærkevej 1", unit_type="trial")
    workers = [CaseworkerFactory(team=standard), CaseworkerFactory(team=standard), CaseworkerFactory(team=low)]
    for _ in range(4):
        open_case(team=standard, target_group="jobparat")
    return jobcenter, workers


def test_history_needs_the_demo_jobcenter():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_history")


def test_a_year_of_history_once(demo_jobcenter):
    jobcenter, workers = demo_jobcenter
    result = seed_demo_history(today=TODAY)
    assert result.created
    # a row per caseworker and per team for each of the 365 days before today
    assert result.snapshots == DAYS * (3 + 2) == CaseloadSnapshot.objects.count()
    assert CaseloadSnapshot.objects.order_by("date").first().date == TODAY - datetime.timedelta(days=DAYS)
    assert not CaseloadSnapshot.objects.filter(date=TODAY).exists()
    assert result.closed_cases == 3 * CLOSED_PER_CASEWORKER
    closed = Case.objects.filter(status=CaseStatus.CLOSED)
    assert closed.count() == result.closed_cases + 2 * TRIAL_CASES_PER_ARM
    assert not closed.filter(closed_at__date__gt=TODAY).exists()
    assert not closed.exclude(opened_at__lt=F("closed_at")).exists()

    trial = Trial.objects.get(name=TRIAL_NAME)
    arms = [(arm.pk, arm.ratio) for arm in trial.arms.order_by("id")]
    for enrolment in TrialEnrolment.objects.filter(arm__isnull=False).select_related("case"):
        # every recorded draw is the one the seed gives, and the case sits in that arm's teams
        assert enrolment.draw == draw_value(seed=trial.seed, trial_id=trial.pk, citizen_id=enrolment.case.citizen_id)
        assert arm_for_draw(draw=enrolment.draw, ratios=arms) == enrolment.arm_id
        assert enrolment.case.caseworker.team in enrolment.arm.teams.all()
    # the four open jobparat cases of today fall outside the target group, and say so
    assert TrialEnrolment.objects.filter(excluded="target_group").count() == 4

    report = trial_report(trial=trial)
    control, low = report.arms
    assert low.job_or_education.share > control.job_or_education.share

    again = seed_demo_history(today=TODAY)
    assert not again.created and CaseloadSnapshot.objects.count() == result.snapshots


def test_the_history_s_closed_cases_had_their_meetings_and_notes(demo_jobcenter):
    # given the open cases of today, without any casework of their own (the fixture's)
    seed_demo_history(today=TODAY)
    # then the cases the history added have meetings and journals, all before they closed
    added = Case.objects.filter(status=CaseStatus.CLOSED)
    assert Meeting.objects.filter(case__in=added).count() > added.count()
    assert JournalEntry.objects.filter(case__in=added).count() > added.count()
    assert not Meeting.objects.filter(case__in=added, starts_at__gte=F("case__closed_at")).exists()
    assert not Meeting.objects.filter(status=MeetingStatus.PLANNED).exists()
    assert not Meeting.objects.filter(case__status=CaseStatus.OPEN).exists()  # today's cases are seed_demo's
    # and the low-caseload arm saw its citizens more often: the mechanism the trial is about
    trial = Trial.objects.get(name=TRIAL_NAME)
    per_month = {}
    for arm in trial.arms.order_by("id"):
        cases = Case.objects.filter(trial_enrolment__arm=arm, status=CaseStatus.CLOSED)
        held = Meeting.objects.filter(case__in=cases, kind="jobsamtale", status=MeetingStatus.HELD).count()
        months = sum((c.closed_at - c.opened_at).days for c in cases) / 30.4
        per_month[arm.name] = held / months
    control, low = per_month.values()
    assert low > 1.3 * control, per_month

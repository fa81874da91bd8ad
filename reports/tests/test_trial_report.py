"""The trial report on a constructed trial, against hand-computed figures."""

import datetime
import math

import pytest

from reports.figures.trial import trial_report
from staff.tests.factories import CaseworkerFactory, TeamFactory
from trials.models import Trial, TrialArm, TrialEnrolment

from .conftest import make_case

pytestmark = pytest.mark.django_db

Z = 1.959963984540054
AS_OF = datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC)


def wilson(successes, n):
    p = successes / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return centre - half, centre + half


def enrol(*, trial, arm, caseworker, exits, open_count, excluded=()):
    """`exits`: (outcome, days in programme, count); open cases began 90 days before AS_OF."""
    for outcome, days, count in exits:
        for _ in range(count):
            opened = AS_OF - datetime.timedelta(days=120)
            case = make_case(
                caseworker=caseworker, opened=opened, closed=opened + datetime.timedelta(days=days), outcome=outcome
            )
            TrialEnrolment.objects.create(trial=trial, case=case, arm=arm, draw=0.5, drawn_at=opened)
    for _ in range(open_count):
        opened = AS_OF - datetime.timedelta(days=90)
        case = make_case(caseworker=caseworker, opened=opened)
        TrialEnrolment.objects.create(trial=trial, case=case, arm=arm, draw=0.5, drawn_at=opened)
    for reason, count in excluded:
        for _ in range(count):
            case = make_case(caseworker=caseworker, opened=AS_OF - datetime.timedelta(days=50))
            TrialEnrolment.objects.create(
                trial=trial, case=case, arm=None, excluded=reason, drawn_at=AS_OF - datetime.timedelta(days=50)
            )


@pytest.fixture
def trial(world):
    low_team = TeamFactory(jobcenter=world.jobcenter, name="Lærkevej", unit_type="trial")
    low_worker = CaseworkerFactory(team=low_team)
    trial = Trial.objects.create(
        name="Lærkevej 2026", jobcenter=world.jobcenter, programme="standard", starts_on=datetime.date(2025, 1, 1)
    )
    control = TrialArm.objects.create(trial=trial, name="Ordinary units")
    control.teams.set([world.team_a])
    low = TrialArm.objects.create(trial=trial, name="50 cases per caseworker")
    low.teams.set([low_team])
    # Control: 20 included; 5 job + 3 education (8 to job or education) and 6 other, exits on
    # days 30 (×7) and 60 (×7); 6 still open (censored at 90 days).
    enrol(
        trial=trial,
        arm=control,
        caseworker=world.a1,
        exits=[("job", 30, 5), ("education", 30, 2), ("education", 60, 1), ("other", 60, 6)],
        open_count=6,
        excluded=[("earlier_case", 6), ("too_young", 3)],
    )
    # Low caseload: 20 included; 10 job + 4 education, exits on days 10 (×7) and 20 (×7); 6 open.
    enrol(
        trial=trial,
        arm=low,
        caseworker=low_worker,
        exits=[("job", 10, 7), ("job", 20, 3), ("education", 20, 4)],
        open_count=6,
    )
    return trial


def test_trial_report_by_hand(trial):
    report = trial_report(trial=trial, as_of=AS_OF)
    control, low = report.arms
    assert report.reference == "Ordinary units"
    assert (control.included, low.included) == (20, 20)
    assert (control.still_open, low.still_open) == (6, 6)
    assert control.exits["job"] == 5 and control.exits["education"] is None and control.exits["other"] == 6
    assert low.exits["job"] == 10 and low.exits["education"] is None and low.exits["moved"] == 0
    # shares to job or education with Wilson intervals: 8/20 = 0.40 (0.2188–0.6134), 14/20 = 0.70
    assert control.job_or_education.share == 0.4
    assert (control.job_or_education.low, control.job_or_education.high) == pytest.approx(wilson(8, 20))
    assert (control.job_or_education.low, control.job_or_education.high) == pytest.approx((0.2188, 0.6134), abs=5e-5)
    assert (low.job_or_education.low, low.job_or_education.high) == pytest.approx(wilson(14, 20))
    # difference 0.70 − 0.40 = 0.30; Newcombe: 0.3 − √((0.7 − l₁)² + (u₂ − 0.4)²), 0.3 + √((u₁ − 0.7)² + (0.4 − l₂)²)
    (l1, u1), (l2, u2) = wilson(14, 20), wilson(8, 20)
    assert control.difference is None
    assert low.difference.difference == pytest.approx(0.3)
    assert low.difference.low == pytest.approx(0.3 - math.sqrt((0.7 - l1) ** 2 + (u2 - 0.4) ** 2))
    assert low.difference.high == pytest.approx(0.3 + math.sqrt((u1 - 0.7) ** 2 + (0.4 - l2) ** 2))
    # pooled z: p = 22/40; z = 0.3 / √(0.55 · 0.45 · (1/20 + 1/20)) = 1.9069; p = 0.0565
    z = 0.3 / math.sqrt(0.55 * 0.45 * 0.1)
    assert low.difference.p_value == pytest.approx(math.erfc(z / math.sqrt(2)))
    assert low.difference.p_value == pytest.approx(0.0565, abs=5e-4)
    assert report.excluded == {"earlier_case": 6, "too_young": None}


def test_kaplan_meier_per_arm_by_hand(trial):
    report = trial_report(trial=trial, as_of=AS_OF)
    control, low = report.arms
    # Control: S(30) = 13/20 = 0.65; S(60) = 0.65 · 6/13 = 0.30; median 60 days.
    assert [(p.day, p.at_risk) for p in control.survival.points] == [(0, 20), (30, 20), (60, 13)]
    assert [p.survival for p in control.survival.points] == pytest.approx([1, 0.65, 0.30])
    assert control.survival.median_days == 60
    assert (control.survival.total, control.survival.events) == (20, 14)
    # Low caseload: the same shape on days 10 and 20; the 6 open cases are censored at day 90.
    assert [p.day for p in low.survival.points] == [0, 10, 20]
    assert [p.survival for p in low.survival.points] == pytest.approx([1, 0.65, 0.3])
    assert low.survival.median_days == 20
    # Log-rank by hand, low arm: at days 10, 20, 30, 60 (7 exits each) the numbers at risk
    # (low, control) are (20, 20), (13, 20), (6, 20), (6, 13).
    expected = variance = 0.0
    for n_low, n_control in ((20, 20), (13, 20), (6, 20), (6, 13)):
        n = n_low + n_control
        expected += 7 * n_low / n
        variance += n_low * n_control * 7 * (n - 7) / (n * n * (n - 1))
    chi2, p = report.logrank
    assert chi2 == pytest.approx((14 - expected) ** 2 / variance)
    assert chi2 == pytest.approx(3.2014, abs=1e-4)
    assert p == pytest.approx(math.erfc(math.sqrt(chi2 / 2)))


def test_open_cases_closed_after_the_report_date_count_as_open(trial):
    earlier = AS_OF - datetime.timedelta(days=100)
    report = trial_report(trial=trial, as_of=earlier)
    control, low = report.arms
    # 100 days before AS_OF only the cases opened 120 days before it were drawn. Control's
    # first exits (day 30) lie after that date: all 14 open. Low's exits on days 10 and 20
    # (the latter exactly on that date) have happened.
    assert control.included == 14 and control.still_open == 14
    assert control.job_or_education.share == 0.0
    assert (low.included, low.exits["job"], low.still_open) == (14, 10, 0)


def test_arms_with_fewer_than_five_show_no_statistics(world):
    trial = Trial.objects.create(
        name="Tiny", jobcenter=world.jobcenter, programme="standard", starts_on=datetime.date(2025, 1, 1)
    )
    arm = TrialArm.objects.create(trial=trial, name="Only")
    enrol(trial=trial, arm=arm, caseworker=world.a1, exits=[("job", 5, 3)], open_count=0)
    (only,) = trial_report(trial=trial, as_of=AS_OF).arms
    assert (only.included, only.job_or_education, only.survival, only.exits["job"]) == (None, None, None, None)

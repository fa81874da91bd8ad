"""Django admin of trials: administrators define them; the draws are shown, never edited."""

import datetime

import pytest
from django.utils import timezone

from cases.models import Case, CaseStatus
from cases.tests.factories import CitizenFactory
from staff.tests.factories import JobcenterFactory, TeamFactory
from staff.tests.test_admin import admin_url, english  # noqa: F401
from trials.models import Trial, TrialArm, TrialEnrolment

pytestmark = pytest.mark.django_db


def _trial_with_a_draw() -> tuple[Trial, TrialEnrolment]:
    team = TeamFactory(unit_type="standard")
    trial = Trial.objects.create(
        name="Lærkevej", jobcenter=team.jobcenter, programme="standard", starts_on=datetime.date(2026, 1, 1)
    )
    arm = TrialArm.objects.create(trial=trial, name="Ordinary")
    arm.teams.set([team])
    citizen = CitizenFactory(jobcenter=team.jobcenter)
    now = timezone.now()
    case = Case.objects.create(
        citizen=citizen, jobcenter=citizen.jobcenter, programme="standard", status=CaseStatus.QUEUED, opened_at=now
    )
    return trial, TrialEnrolment.objects.create(trial=trial, case=case, arm=arm, draw=0.5, drawn_at=now)


def _arms(*arms) -> dict:
    data = {
        "arms-TOTAL_FORMS": str(len(arms)),
        "arms-INITIAL_FORMS": "0",
        "arms-MIN_NUM_FORMS": "2",
        "arms-MAX_NUM_FORMS": "1000",
    }
    for index, (name, teams) in enumerate(arms):
        data |= {f"arms-{index}-name": name, f"arms-{index}-ratio": "1", f"arms-{index}-teams": [t.pk for t in teams]}
    return data


def _trial_form(jobcenter, *arms) -> dict:
    return {
        "name": "Lærkevej",
        "hypothesis": "",
        "jobcenter": jobcenter.pk,
        "starts_on": "2026-01-01",
        "ends_on": "",
        "programme": "standard",
        "target_group": "",
        "min_age": "",
        "min_years_on_benefits": "",
    } | _arms(*arms)


def test_trial_pages_render_and_enrolments_are_read_only(admin_client):
    trial, enrolment = _trial_with_a_draw()
    for url in (admin_url(Trial, "changelist"), admin_url(Trial, "add"), admin_url(Trial, "change", trial.pk)):
        assert admin_client.get(url).status_code == 200, url
    assert admin_client.get(admin_url(TrialEnrolment, "changelist")).status_code == 200
    change = admin_client.get(admin_url(TrialEnrolment, "change", enrolment.pk))
    assert change.status_code == 200 and not change.context["has_change_permission"]
    assert admin_client.get(admin_url(TrialEnrolment, "add")).status_code == 403
    assert admin_client.post(admin_url(TrialEnrolment, "delete", enrolment.pk), {"post": "yes"}).status_code == 403


def test_a_trial_with_draws_keeps_who_could_be_drawn_and_cannot_be_deleted(admin_client):
    trial, _ = _trial_with_a_draw()
    change = admin_client.get(admin_url(Trial, "change", trial.pk))
    readonly = set(change.context["adminform"].readonly_fields)
    assert {"jobcenter", "programme", "target_group", "min_age", "min_years_on_benefits", "starts_on"} <= readonly
    assert admin_client.post(admin_url(Trial, "delete", trial.pk), {"post": "yes"}).status_code == 403
    assert Trial.objects.filter(pk=trial.pk).exists()


def test_a_trial_is_added_with_its_arms(admin_client):
    jobcenter = JobcenterFactory()
    ordinary, low = TeamFactory(jobcenter=jobcenter, unit_type="standard"), TeamFactory(jobcenter=jobcenter)
    response = admin_client.post(
        admin_url(Trial, "add"), _trial_form(jobcenter, ("Ordinary", [ordinary]), ("Low", [low]))
    )
    assert response.status_code == 302, response.context["errors"]
    trial = Trial.objects.get()
    assert [list(arm.teams.all()) for arm in trial.arms.all()] == [[ordinary], [low]]


def test_arms_across_unit_types_are_refused_in_danish(admin_client, settings):
    settings.LANGUAGE_CODE = "da"
    jobcenter = JobcenterFactory()
    ordinary = TeamFactory(jobcenter=jobcenter, unit_type="standard")
    low = TeamFactory(jobcenter=jobcenter, unit_type="trial")
    response = admin_client.post(
        admin_url(Trial, "add"), _trial_form(jobcenter, ("Mixed", [ordinary, low]), ("Low", [low]))
    )
    assert response.status_code == 200
    assert "Teams i en arm skal have samme enhedstype." in response.content.decode()
    assert "forsøgsarm" in response.content.decode().lower()
    assert not Trial.objects.exists()

"""The Celery tasks (eager here): names, reliability options, schedule, the sweep, the command."""

import datetime

import pytest

# The project's app (jobcenter.celery, the wiring above allocation), which the shared tasks bind to.
from celery import current_app as app
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.db import DatabaseError, OperationalError
from django.utils import timezone

from allocation import alerts, prompt_check, services, tasks
from allocation.models import Alert, AlertKind
from allocation.tests.factories import open_case
from cases.models import Case, CaseStatus
from staff.models import Caseworker
from staff.tests.factories import CaseworkerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def over_cap_team():
    team = TeamFactory()
    team.leaders.add(UserFactory())
    caseworker = CaseworkerFactory(team=team)
    open_case(team=team)
    open_case(team=team)
    services.caseworker_update(caseworker=caseworker, cap_override=1)
    CaseworkerFactory(team=team)
    return team, caseworker


def test_tasks_are_registered_under_explicit_names():
    app.loader.import_default_modules()
    for name in (
        "allocation.check_caseloads",
        "allocation.check_teams",
        "allocation.snapshot_caseloads",
        "allocation.remind_open_alerts",
    ):
        assert name in app.tasks


@pytest.mark.parametrize(
    "task", [tasks.check_caseloads, prompt_check.check_teams, tasks.snapshot_caseloads, tasks.remind_open_alerts]
)
def test_tasks_are_reliable(task):
    assert task.acks_late is True
    assert task.autoretry_for == (DatabaseError,)
    assert task.retry_backoff and task.retry_jitter
    # every retry waits less than the broker's visibility timeout
    assert task.retry_backoff_max < settings.REDIS_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert 0 < task.soft_time_limit < task.time_limit
    assert app.conf.task_serializer == "json" and app.conf.accept_content == ["json"]


def test_beat_runs_the_check_every_interval_and_the_snapshot_nightly():
    app.loader.import_default_modules()  # every app's tasks module, as the worker loads them
    schedule = settings.CELERY_BEAT_SCHEDULE
    check = schedule["check-caseloads"]
    assert check["task"] == "allocation.check_caseloads"
    assert check["schedule"] == settings.CASELOAD_CHECK_INTERVAL_SECONDS
    snapshot = schedule["snapshot-caseloads"]
    assert snapshot["task"] == "allocation.snapshot_caseloads"
    assert snapshot["schedule"].hour == {23}
    assert all(entry["task"] in app.tasks for entry in schedule.values())


def test_the_periodic_task_checks_every_team_and_mails_the_leaders():
    team, caseworker = over_cap_team()
    summary = tasks.check_caseloads.delay().get()
    assert summary == {"opened": 1, "resolved": 0, "open": 1, "drained": 0, "notified": 1}
    assert Alert.objects.get().caseworker_id == caseworker.pk
    assert len(mail.outbox) == 1


def test_the_periodic_task_sweeps_the_queue_first():
    # given capacity appeared without the queue being drained (a drain lost to a failure)
    now = timezone.now()
    team = TeamFactory()
    caseworker = CaseworkerFactory(team=team, cap_override=0)
    case = open_case(team=team)
    Case.objects.filter(pk=case.pk).update(queued_at=now - datetime.timedelta(hours=100))
    Caseworker.objects.filter(pk=caseworker.pk).update(cap=5)

    # when
    summary = tasks.check_caseloads.delay().get()

    # then the case is placed and no queue alert is raised for it
    case.refresh_from_db()
    assert (case.status, case.caseworker_id) == (CaseStatus.OPEN, caseworker.pk)
    assert summary["drained"] == 1
    assert not Alert.objects.filter(kind=AlertKind.QUEUE_WAITING).exists()


def test_the_prompt_task_checks_only_the_given_teams_and_pools():
    team, _ = over_cap_team()
    other, _ = over_cap_team()

    tasks.check_caseloads.delay(team_ids=[team.pk]).get()
    assert set(Alert.objects.values_list("team_id", flat=True)) == {team.pk}

    tasks.check_caseloads.delay(pools=[[other.jobcenter_id, other.unit_type]]).get()
    assert set(Alert.objects.values_list("team_id", flat=True)) == {team.pk, other.pk}


def test_a_queued_case_triggers_the_check_of_its_pool(django_capture_on_commit_callbacks, monkeypatch):
    team = TeamFactory()
    CaseworkerFactory(team=team, cap_override=0)
    sent = []
    monkeypatch.setattr(prompt_check, "enqueue", lambda **kwargs: sent.append(kwargs))

    with django_capture_on_commit_callbacks(execute=True):
        open_case(team=team)

    assert sent == [{"team_ids": [], "pools": [[team.jobcenter_id, team.unit_type]]}]


def test_lowering_a_cap_sends_the_check_of_the_team_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    worker = CaseworkerFactory(cap_override=3)
    sent = []
    monkeypatch.setattr(prompt_check, "enqueue", lambda **kwargs: sent.append(kwargs))

    with django_capture_on_commit_callbacks(execute=True):
        services.caseworker_update(caseworker=worker, cap_override=1)

    assert sent == [{"team_ids": [worker.team_id]}]


def test_the_prompt_check_task_checks_the_teams_it_is_given():
    team, _ = over_cap_team()
    prompt_check.check_teams.delay(team_ids=[team.pk]).get()
    assert Alert.objects.filter(team=team).count() == 1


def test_a_database_error_is_retried(monkeypatch):
    calls = []

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise OperationalError("connection lost")
        return alerts.CheckResult()

    monkeypatch.setattr(alerts, "caseloads_run", flaky)

    assert tasks.check_caseloads.apply(throw=False).get() == alerts.CheckResult().as_dict()
    assert len(calls) == 2


def test_enqueue_in_eager_mode_runs_the_check_at_once():
    team, _ = over_cap_team()
    assert prompt_check.enqueue(team_ids=[team.pk]) is True
    assert Alert.objects.filter(team=team).count() == 1


def test_the_command_runs_the_same_check_synchronously(capsys):
    over_cap_team()
    call_command("check_caseloads")
    call_command("check_caseloads")
    out = capsys.readouterr().out
    assert "1 alert(s) opened, 0 resolved, 1 open; 0 queued case(s) placed; 1 e-mail(s) sent." in out
    assert "0 alert(s) opened, 0 resolved, 1 open; 0 queued case(s) placed; 0 e-mail(s) sent." in out
    assert Alert.objects.count() == 1

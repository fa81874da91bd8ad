"""The `contacts_overdue` alert: open while an open case of the team is more than
CONTACT_ALERT_AFTER_DAYS past its contact plan's next due date; resolved when that clears,
a new alert when it returns; one e-mail to the leaders, counts only; a bounded query cost."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from allocation import alerts, services, tasks
from allocation.models import Alert, AlertKind
from allocation.tests.factories import open_case
from cases.models import Case, CaseStatus
from cases.tests.factories import CitizenFactory, synthetic_cpr
from casework import services as casework_services
from staff.tests.factories import CaseworkerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

FIRST_WITHIN_DAYS = 7  # the default contact rule: a first conversation within a week


def contact_alerts(**filters):
    return list(Alert.objects.filter(kind=AlertKind.CONTACTS_OVERDUE, **filters).order_by("id"))


def opened_days_ago(case, days, *, now=None):
    """Move the case's opening back: with no conversation held, it was due a week after."""
    now = now or timezone.now()
    Case.objects.filter(pk=case.pk).update(opened_at=now - datetime.timedelta(days=days))
    return case


def team_with_room(**fields):
    team = TeamFactory(**fields)
    CaseworkerFactory(team=team, cap_override=10)
    return team


def days_past_due(days_open: int) -> int:
    return days_open - FIRST_WITHIN_DAYS


def test_it_opens_only_for_more_than_the_threshold_past_due(settings):
    # given two cases exactly 14 days past due, and one 15 days past due
    assert settings.CONTACT_ALERT_AFTER_DAYS == 14
    team = team_with_room(name="Team Kontakt")
    opened_days_ago(open_case(team=team), 14 + FIRST_WITHIN_DAYS)
    opened_days_ago(open_case(team=team), 14 + FIRST_WITHIN_DAYS)
    alerts.caseloads_check()
    assert contact_alerts() == []

    # when one more is a day further behind
    late = opened_days_ago(open_case(team=team), 15 + FIRST_WITHIN_DAYS)
    result = alerts.caseloads_check()

    # then the team has one open alert, team-level, with counts only
    [alert] = contact_alerts()
    assert (alert.team_id, alert.caseworker_id, alert.subject, alert.resolved_at) == (team.pk, None, "", None)
    assert alert.details == {"team": "Team Kontakt", "overdue": 1, "after_days": 14, "most_days_over": 15}
    assert alert.message == (
        "Teamet Team Kontakt har 1 åben sag, der er mere end 14 dage over fristen for kontakt "
        "(den mest forsinkede med 15 dage)."
    )
    assert result.opened == 1
    assert late.citizen.name not in alert.message


def test_the_threshold_is_a_setting(settings):
    settings.CONTACT_ALERT_AFTER_DAYS = 3
    team = team_with_room()
    opened_days_ago(open_case(team=team), 4 + FIRST_WITHIN_DAYS)
    alerts.caseloads_check()
    [alert] = contact_alerts()
    assert alert.details["after_days"] == 3


def test_it_resolves_when_the_conversation_is_held_and_a_return_opens_a_new_alert():
    # given an open alert for a case three weeks past due
    team = team_with_room()
    case = opened_days_ago(open_case(team=team), 30)
    alerts.caseloads_check()
    [first] = contact_alerts(resolved_at__isnull=True)

    # when the jobsamtale is held (recorded afterwards, yesterday)
    meeting = casework_services.meeting_book(
        case=case,
        starts_at=timezone.now() - datetime.timedelta(days=1),
        kind="jobsamtale",
        channel="in_person",
    )
    casework_services.meeting_held(meeting=meeting)
    result = alerts.caseloads_check()

    # then the alert is resolved
    first.refresh_from_db()
    assert first.resolved_at is not None and result.resolved == 1
    assert contact_alerts(resolved_at__isnull=True) == []

    # and another case falling behind opens a new one, the old one staying resolved
    opened_days_ago(open_case(team=team), 30)
    alerts.caseloads_check()
    [second] = contact_alerts(resolved_at__isnull=True)
    assert second.pk != first.pk


def test_figures_stay_current_on_one_open_alert():
    team = team_with_room()
    opened_days_ago(open_case(team=team), 30)
    alerts.caseloads_check()
    opened_days_ago(open_case(team=team), 40)
    alerts.caseloads_check()
    [alert] = contact_alerts()
    assert (alert.details["overdue"], alert.details["most_days_over"]) == (2, days_past_due(40))


def test_queued_and_closed_cases_do_not_count():
    full = TeamFactory()
    CaseworkerFactory(team=full, cap_override=0)
    queued = opened_days_ago(open_case(team=full), 30)
    assert queued.status == CaseStatus.QUEUED
    team = team_with_room()
    closed = opened_days_ago(open_case(team=team), 30)
    services.case_close(case=closed, outcome="job")

    alerts.caseloads_check()

    assert contact_alerts() == []


def test_each_team_has_its_own_alert_and_a_scoped_check_touches_only_its_teams():
    north, south = team_with_room(), team_with_room()
    opened_days_ago(open_case(team=north), 30)
    south_case = opened_days_ago(open_case(team=south), 30)
    alerts.caseloads_check()
    assert {a.team_id for a in contact_alerts(resolved_at__isnull=True)} == {north.pk, south.pk}

    # a prompt check of the north team keeps its alert open and leaves the south alone
    Case.objects.filter(pk=south_case.pk).update(opened_at=timezone.now())
    alerts.caseloads_check(team_ids=[north.pk])
    assert {a.team_id for a in contact_alerts(resolved_at__isnull=True)} == {north.pk, south.pk}
    alerts.caseloads_check()
    assert {a.team_id for a in contact_alerts(resolved_at__isnull=True)} == {north.pk}


def test_the_leaders_get_one_e_mail_with_counts_and_no_personal_data():
    team = team_with_room(name="Team Øst")
    leader = UserFactory()
    team.leaders.add(leader)
    cpr = synthetic_cpr()
    citizen = CitizenFactory(jobcenter=team.jobcenter, name="Bodil Hemmelig", cpr=cpr)
    opened_days_ago(open_case(team=team, citizen=citizen), 30)

    alerts.caseloads_run()
    alerts.caseloads_run()

    [message] = mail.outbox
    assert message.to == [leader.email]
    assert message.subject == "Advarsel om sagsstamme for Team Øst: Kontakt over fristen"
    assert "Teamet Team Øst har 1 åben sag, der er mere end 14 dage over fristen for kontakt" in message.body
    assert "Team Team Øst has 1 open case more than 14 days past its contact deadline" in message.body
    assert "Teamoversigten viser, hvor mange af hver sagsbehandlers sager der er over fristen" in message.body
    for personal in ("Bodil", "Hemmelig", cpr, cpr.replace("-", ""), cpr[:6]):
        assert personal not in message.body
    assert not re.search(r"\d{6}[- ]?\d{4}", message.body)


def test_the_check_costs_the_same_queries_for_2_teams_as_for_20(django_assert_max_num_queries):
    def behind(count):
        for _ in range(count):
            team = team_with_room()
            for _ in range(3):
                opened_days_ago(open_case(team=team), 30)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            alerts.caseloads_check()
        return len(captured)

    behind(2)
    with django_assert_max_num_queries(12):
        two = queries()
    behind(18)
    with django_assert_max_num_queries(12):
        twenty = queries()
    assert twenty == two
    assert len(contact_alerts(resolved_at__isnull=True)) == 20


def test_the_command_and_the_periodic_task_run_it(capsys):
    team = team_with_room()
    opened_days_ago(open_case(team=team), 30)

    call_command("check_caseloads")
    assert "1 alert(s) opened" in capsys.readouterr().out
    assert len(contact_alerts()) == 1

    Alert.objects.all().delete()
    summary = tasks.check_caseloads.delay().get()
    assert summary["opened"] == 1
    assert len(contact_alerts()) == 1

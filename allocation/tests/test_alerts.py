"""The caseload check: which alerts open, resolve and re-open; its query budget; concurrency;
the e-mails to leaders."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from allocation import alerts, notifications, services
from allocation.models import Alert, AlertKind
from allocation.tests.factories import open_case
from cases.models import Case, CaseStatus
from staff.models import CaseworkerStatus
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def lead(team, username=None):
    leader = UserFactory(username=username) if username else UserFactory()
    team.leaders.add(leader)
    return leader


def over_cap_caseworker(team, *, cases=3, cap=1, **kwargs):
    """A caseworker holding `cases` cases whose cap is then lowered to `cap`."""
    caseworker = CaseworkerFactory(team=team, **kwargs)
    for _ in range(cases):
        case = open_case(team=team)
        assert case.caseworker_id == caseworker.pk
    return services.caseworker_update(caseworker=caseworker, cap_override=cap)


def queue_old_case(team, *, hours_ago, now):
    case = open_case(team=team)
    assert case.status == CaseStatus.QUEUED
    Case.objects.filter(pk=case.pk).update(queued_at=now - datetime.timedelta(hours=hours_ago))
    return case


def open_alerts(**filters):
    return list(Alert.objects.filter(resolved_at__isnull=True, **filters).order_by("id"))


# --- caseworker over cap -----------------------------------------------------------------


def test_caseworker_over_cap_opens_one_alert_with_figures():
    # given a team whose second caseworker has room, so that only the caseworker is over
    team = TeamFactory(name="Team Nord")
    caseworker = over_cap_caseworker(team, cases=3, cap=1, full_name="Karen Hansen")
    CaseworkerFactory(team=team)

    # when
    result = alerts.caseloads_check()

    # then
    [alert] = open_alerts()
    assert (alert.kind, alert.team_id, alert.caseworker_id, alert.subject) == (
        AlertKind.CASEWORKER_OVER_CAP,
        team.pk,
        caseworker.pk,
        str(caseworker.pk),
    )
    assert alert.details == {
        "caseworker": caseworker.pk,
        "caseworker_name": "Karen Hansen",
        "open_cases": 3,
        "cap": 1,
        "over_by": 2,
    }
    assert (result.opened, result.resolved, result.open) == (1, 0, 1)


def test_running_the_check_again_keeps_one_alert_and_refreshes_its_figures():
    team = TeamFactory()
    caseworker = over_cap_caseworker(team, cases=3, cap=2)
    CaseworkerFactory(team=team)
    alerts.caseloads_check()
    alerts.caseloads_check()
    [alert] = open_alerts()
    assert alert.details["over_by"] == 1

    services.caseworker_update(caseworker=caseworker, cap_override=0)
    result = alerts.caseloads_check()

    [again] = open_alerts()
    assert again.pk == alert.pk
    assert again.details["over_by"] == 3
    assert "3" in again.message
    assert (result.opened, result.resolved) == (0, 0)


def test_alert_resolves_when_the_condition_clears_and_a_return_opens_a_new_one():
    team = TeamFactory()
    caseworker = over_cap_caseworker(team, cases=2, cap=1)
    CaseworkerFactory(team=team)
    alerts.caseloads_check()
    [first] = open_alerts()

    # when the cap is raised again
    services.caseworker_update(caseworker=caseworker, cap_override=None)
    result = alerts.caseloads_check()

    # then
    first.refresh_from_db()
    assert first.resolved_at is not None
    assert open_alerts() == []
    assert result.resolved == 1

    # when the condition returns
    services.caseworker_update(caseworker=caseworker, cap_override=1)
    alerts.caseloads_check()

    # then a new alert, the old one stays resolved
    [second] = open_alerts()
    assert second.pk != first.pk
    assert Alert.objects.count() == 2


def test_a_caseworker_who_changes_team_moves_the_alert_to_the_new_team():
    team = TeamFactory()
    caseworker = over_cap_caseworker(team, cases=2, cap=1)
    CaseworkerFactory(team=team)
    other = TeamFactory(jobcenter=team.jobcenter)
    CaseworkerFactory(team=other, cap_override=100)
    alerts.caseloads_check()
    [old] = open_alerts()

    services.caseworker_update(caseworker=caseworker, team=other)
    alerts.caseloads_check()

    old.refresh_from_db()
    assert old.resolved_at is not None
    [new] = open_alerts(kind=AlertKind.CASEWORKER_OVER_CAP)
    assert new.team_id == other.pk


# --- team over capacity ------------------------------------------------------------------


def test_sending_a_caseworker_on_leave_puts_the_team_over_capacity():
    team = TeamFactory(name="Team Syd")
    away = CaseworkerFactory(team=team, cap_override=3)
    for _ in range(3):
        open_case(team=team)
    CaseworkerFactory(team=team, cap_override=2)
    open_case(team=team)  # 3 + 1 open against capacity 5: fine
    alerts.caseloads_check()
    assert open_alerts() == []

    services.caseworker_update(caseworker=away, status=CaseworkerStatus.ON_LEAVE)
    alerts.caseloads_check()

    [alert] = open_alerts()
    assert (alert.kind, alert.team_id, alert.caseworker_id, alert.subject) == (
        AlertKind.TEAM_OVER_CAPACITY,
        team.pk,
        None,
        "",
    )
    assert alert.details == {"team": "Team Syd", "open_cases": 4, "capacity": 2, "over_by": 2}


def test_a_single_over_cap_caseworker_also_puts_a_one_person_team_over_capacity():
    team = TeamFactory()
    over_cap_caseworker(team, cases=2, cap=1)
    alerts.caseloads_check()
    assert sorted(a.kind for a in open_alerts()) == [AlertKind.CASEWORKER_OVER_CAP, AlertKind.TEAM_OVER_CAPACITY]


# --- queue waiting -----------------------------------------------------------------------


def test_cases_queued_too_long_alert_every_team_of_that_unit_type_in_the_jobcenter(settings):
    settings.QUEUE_ALERT_AFTER_HOURS = 48
    now = timezone.now()
    jobcenter = JobcenterFactory()
    full = TeamFactory(jobcenter=jobcenter, unit_type="psychiatric")
    CaseworkerFactory(team=full, cap_override=0)
    also_full = TeamFactory(jobcenter=jobcenter, unit_type="psychiatric")
    other_programme = TeamFactory(jobcenter=jobcenter, unit_type="standard")
    elsewhere = TeamFactory(unit_type="psychiatric")
    oldest = queue_old_case(full, hours_ago=72, now=now)
    older = queue_old_case(full, hours_ago=50, now=now)
    queue_old_case(full, hours_ago=10, now=now)  # not waiting too long yet
    queue_old_case(elsewhere, hours_ago=10, now=now)

    alerts.caseloads_check(now=now)

    waiting = open_alerts(kind=AlertKind.QUEUE_WAITING)
    assert sorted(a.team_id for a in waiting) == sorted([full.pk, also_full.pk])
    assert other_programme.pk not in {a.team_id for a in open_alerts()}
    details = waiting[0].details
    assert details["case_ids"] == [oldest.pk, older.pk]
    assert (details["waiting"], details["oldest_hours"], details["threshold_hours"]) == (2, 72, 48)
    assert (details["jobcenter"], details["programme"]) == (jobcenter.pk, "psychiatric")


def test_queue_alert_resolves_when_the_queue_is_drained():
    now = timezone.now()
    team = TeamFactory()
    caseworker = CaseworkerFactory(team=team, cap_override=0)
    queue_old_case(team, hours_ago=60, now=now)
    alerts.caseloads_check(now=now)
    assert len(open_alerts(kind=AlertKind.QUEUE_WAITING)) == 1

    services.caseworker_update(caseworker=caseworker, cap_override=5)  # room: the queue drains
    alerts.caseloads_check(now=now)

    assert open_alerts(kind=AlertKind.QUEUE_WAITING) == []


def test_queue_alert_lists_a_bounded_number_of_cases(monkeypatch):
    monkeypatch.setattr(alerts, "CASE_IDS_LISTED", 2)
    now = timezone.now()
    team = TeamFactory()
    CaseworkerFactory(team=team, cap_override=0)
    cases = [queue_old_case(team, hours_ago=100 - i, now=now) for i in range(4)]

    alerts.caseloads_check(now=now)

    [alert] = open_alerts()
    assert alert.details["case_ids"] == [cases[0].pk, cases[1].pk]
    assert alert.details["waiting"] == 4


# --- scope -------------------------------------------------------------------------------


def test_scoped_check_touches_only_the_given_teams():
    team, other = TeamFactory(), TeamFactory()
    over_cap_caseworker(team, cases=2, cap=1)
    over_cap_caseworker(other, cases=2, cap=1)

    alerts.caseloads_check(team_ids=[team.pk])

    assert {a.team_id for a in open_alerts()} == {team.pk}
    # and a scoped check never resolves another team's alerts
    alerts.caseloads_check()
    alerts.caseloads_check(team_ids=[team.pk])
    assert {a.team_id for a in open_alerts()} == {team.pk, other.pk}


def test_pools_resolve_to_the_teams_of_that_jobcenter_and_unit_type():
    jobcenter = JobcenterFactory()
    a = TeamFactory(jobcenter=jobcenter, unit_type="trial")
    b = TeamFactory(jobcenter=jobcenter, unit_type="trial")
    TeamFactory(jobcenter=jobcenter, unit_type="standard")
    TeamFactory(unit_type="trial")
    assert sorted(alerts.teams_of_pools(pools=[[jobcenter.pk, "trial"]])) == sorted([a.pk, b.pk])
    assert alerts.teams_of_pools(pools=[]) == []


# --- the database guarantees one open alert ----------------------------------------------


def test_the_database_refuses_a_second_open_alert_for_the_same_subject():
    team = TeamFactory()
    Alert.objects.create(team=team, kind=AlertKind.TEAM_OVER_CAPACITY, subject="", message="x")
    Alert.objects.create(
        team=team, kind=AlertKind.TEAM_OVER_CAPACITY, subject="", message="x", resolved_at=timezone.now()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(team=team, kind=AlertKind.TEAM_OVER_CAPACITY, subject="", message="x")


def test_an_alert_inserted_by_a_concurrent_check_is_not_duplicated(monkeypatch):
    # given another check inserted the alert after this one read the open alerts
    team = TeamFactory()
    caseworker = over_cap_caseworker(team, cases=2, cap=1)
    CaseworkerFactory(team=team)
    real_open_new = alerts._open_new

    def racing_open_new(*, conditions):
        Alert.objects.create(team=team, kind=AlertKind.CASEWORKER_OVER_CAP, subject=str(caseworker.pk), message="first")
        real_open_new(conditions=conditions)

    monkeypatch.setattr(alerts, "_open_new", racing_open_new)

    alerts.caseloads_check()

    [alert] = open_alerts()
    assert alert.message == "first"


# --- a constant number of queries --------------------------------------------------------


def build_troubled_teams(count, *, now):
    """Teams that each have every kind of alert: a one-person team over cap with a queue."""
    for _ in range(count):
        team = TeamFactory(unit_type="flere_skal_med")
        over_cap_caseworker(team, cases=2, cap=0)
        queue_old_case(team, hours_ago=100, now=now)


def check_queries(now):
    with CaptureQueriesContext(connection) as queries:
        alerts.caseloads_check(now=now)
    return len(queries)


def test_the_check_costs_the_same_queries_for_2_teams_as_for_20(django_assert_max_num_queries):
    now = timezone.now()
    build_troubled_teams(2, now=now)
    with django_assert_max_num_queries(10):
        two = check_queries(now)
    assert len(open_alerts()) == 6

    build_troubled_teams(18, now=now)
    with django_assert_max_num_queries(10):
        twenty = check_queries(now)

    assert len(open_alerts()) == 60
    assert twenty == two


def test_an_unchanged_check_writes_nothing():
    now = timezone.now()
    build_troubled_teams(3, now=now)
    alerts.caseloads_check(now=now)
    with CaptureQueriesContext(connection) as queries:
        result = alerts.caseloads_check(now=now)
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert (result.opened, result.resolved, result.open) == (0, 0, 9)


# --- messages ----------------------------------------------------------------------------


def test_stored_message_is_danish_and_renders_in_english_from_the_details():
    team = TeamFactory()
    over_cap_caseworker(team, cases=3, cap=1, full_name="Ole Olsen")
    CaseworkerFactory(team=team)
    alerts.caseloads_check()
    [alert] = open_alerts()

    assert alert.message == "Ole Olsen har 3 åbne sager, men loftet er 1 (2 for mange)."
    with translation.override("en"):
        english = notifications.alert_message(kind=alert.kind, details=alert.details)
    assert english == "Ole Olsen has 3 open cases against a cap of 1 (2 too many)."


def test_every_kind_has_a_message_in_both_languages():
    details = {
        AlertKind.CASEWORKER_OVER_CAP: {"caseworker_name": "A", "open_cases": 1, "cap": 0, "over_by": 1},
        AlertKind.TEAM_OVER_CAPACITY: {"team": "T", "open_cases": 5, "capacity": 4, "over_by": 1},
        AlertKind.QUEUE_WAITING: {
            "waiting": 1,
            "programme": "psychiatric",
            "threshold_hours": 48,
            "oldest_hours": 49,
        },
    }
    for kind, values in details.items():
        with translation.override("da"):
            danish = notifications.alert_message(kind=kind, details=values)
        with translation.override("en"):
            english = notifications.alert_message(kind=kind, details=values)
        assert danish != english, kind
    with translation.override("da"):
        danish = notifications.alert_message(kind=AlertKind.QUEUE_WAITING, details=details[AlertKind.QUEUE_WAITING])
    assert danish.startswith("1 sag i ")
    assert danish.endswith("har ventet i køen i mere end 48 timer (den ældste i 49 timer).")


# --- e-mail to the leaders ---------------------------------------------------------------


def test_a_new_alert_e_mails_the_team_leaders_once():
    team = TeamFactory(name="Team Vest")
    lead(team, "leder1")
    lead(team, "leder2")
    over_cap_caseworker(team, cases=2, cap=1, full_name="Per Berg")
    CaseworkerFactory(team=team)
    bystander = TeamFactory()
    lead(bystander, "bystander")

    result = alerts.caseloads_run()
    alerts.caseloads_run()

    assert result.notified == 1
    [message] = mail.outbox
    assert sorted(message.to) == ["leder1@example.dk", "leder2@example.dk"]
    assert message.subject.startswith("Advarsel om sagsstamme for Team Vest: ")
    assert "Til lederne af Team Vest" in message.body
    assert "Per Berg har 2 åbne sager, men loftet er 1 (1 for mange)." in message.body
    assert "To the leaders of Team Vest" in message.body
    assert "Per Berg has 2 open cases against a cap of 1 (1 too many)." in message.body
    assert "&" not in message.body  # plain text, not HTML-escaped
    [alert] = open_alerts()
    assert alert.notified_at is not None


def test_queue_alert_e_mail_lists_the_waiting_cases():
    now = timezone.now()
    team = TeamFactory()
    lead(team)
    CaseworkerFactory(team=team, cap_override=0)
    case = queue_old_case(team, hours_ago=49, now=now)

    alerts.caseloads_run(now=now)

    [message] = mail.outbox
    assert f"Sager, der har ventet længst: {case.pk}" in message.body
    assert f"Longest-waiting cases: {case.pk}" in message.body


def test_names_are_not_html_escaped_in_e_mails():
    team = TeamFactory(name="Team Øst & Vest")
    lead(team)
    over_cap_caseworker(team, cases=2, cap=1, full_name="O'Hara")
    alerts.caseloads_run()
    assert all("&amp;" not in m.body and "&#x27;" not in m.body for m in mail.outbox)
    assert any("Team Øst & Vest" in m.subject for m in mail.outbox)


def test_a_team_without_reachable_leaders_is_marked_notified_without_mail():
    team = TeamFactory()
    nobody = UserFactory(email="")
    team.leaders.add(nobody)
    over_cap_caseworker(team, cases=2, cap=1)

    notified = alerts.caseloads_run().notified

    assert notified == 0
    assert mail.outbox == []
    assert all(a.notified_at for a in open_alerts())


def test_a_failed_send_is_retried_on_the_next_run(settings):
    team = TeamFactory()
    lead(team)
    over_cap_caseworker(team, cases=2, cap=1)
    CaseworkerFactory(team=team)
    settings.EMAIL_BACKEND = "allocation.tests.test_alerts.RefusingBackend"

    assert alerts.caseloads_run().notified == 0
    assert open_alerts()[0].notified_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert alerts.caseloads_run().notified == 1
    assert len(mail.outbox) == 1


class RefusingBackend:
    """The mail server is outside the system: this one refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_resolved_alerts_are_never_e_mailed():
    team = TeamFactory()
    lead(team)
    Alert.objects.create(
        team=team, kind=AlertKind.TEAM_OVER_CAPACITY, message="x", resolved_at=timezone.now(), details={}
    )
    assert notifications.alerts_notify() == 0
    assert mail.outbox == []


def test_a_daily_reminder_lists_the_alerts_still_open_once_a_day():
    team = TeamFactory(name="Team Midt")
    lead(team)
    over_cap_caseworker(team, cases=2, cap=1)
    now = timezone.now()
    alerts.caseloads_run(now=now - datetime.timedelta(days=2))
    Alert.objects.update(created_at=now - datetime.timedelta(days=2))
    mail.outbox.clear()

    assert notifications.alerts_remind(now=now) == 1
    assert notifications.alerts_remind(now=now + datetime.timedelta(hours=3)) == 0
    assert notifications.alerts_remind(now=now + datetime.timedelta(days=1)) == 1

    first = mail.outbox[0]
    assert first.subject == "Påmindelse: Team Midt har 2 åbne advarsler om sagsstamme"
    assert "(åben i 2 dage)" in first.body and "(open for 2 days)" in first.body


def test_no_reminder_for_an_alert_opened_today():
    team = TeamFactory()
    lead(team)
    over_cap_caseworker(team, cases=2, cap=1)
    alerts.caseloads_run()
    mail.outbox.clear()
    assert notifications.alerts_remind() == 0


# --- the prompt check after a change -----------------------------------------------------


def test_lowering_a_cap_checks_the_team_after_commit(django_capture_on_commit_callbacks):
    team = TeamFactory()
    lead(team)
    caseworker = CaseworkerFactory(team=team)
    CaseworkerFactory(team=team)
    open_case(team=team)
    open_case(team=team)
    caseworker.refresh_from_db()
    assert caseworker.open_cases == 1

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.caseworker_update(caseworker=caseworker, cap_override=0)

    assert len(callbacks) == 1
    [alert] = open_alerts()
    assert alert.caseworker_id == caseworker.pk
    assert len(mail.outbox) == 1


def test_lowering_a_policy_checks_the_teams_of_that_role(django_capture_on_commit_callbacks):
    team = TeamFactory(unit_type="trial")
    caseworker = CaseworkerFactory(team=team, fte=Decimal("0.10"))  # cap 5
    for _ in range(3):
        open_case(team=team)

    with django_capture_on_commit_callbacks(execute=True):
        services.policy_set_cap(role="trial", cap=10)  # cap 1

    assert {a.kind for a in open_alerts()} == {AlertKind.CASEWORKER_OVER_CAP, AlertKind.TEAM_OVER_CAPACITY}
    assert open_alerts(kind=AlertKind.CASEWORKER_OVER_CAP)[0].caseworker_id == caseworker.pk


def test_nothing_is_enqueued_when_the_change_rolls_back(django_capture_on_commit_callbacks):
    team = TeamFactory()
    caseworker = over_cap_caseworker(team, cases=2, cap=2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                services.caseworker_update(caseworker=caseworker, cap_override=0)
                raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert open_alerts() == []


# --- concurrency, for real, on PostgreSQL ------------------------------------------------


def run_in_threads(fn, count):
    barrier = threading.Barrier(count)
    errors = []

    def work():
        try:
            barrier.wait()
            fn()
        except Exception as error:  # collected and asserted on below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_checks_keep_one_open_alert_per_subject_and_send_one_mail_each():
    now = timezone.now()
    for _ in range(3):
        team = TeamFactory()
        lead(team)
        over_cap_caseworker(team, cases=2, cap=0)
        queue_old_case(team, hours_ago=100, now=now)

    errors = run_in_threads(lambda: alerts.caseloads_run(now=now), 8)

    assert errors == []
    keys = list(Alert.objects.values_list("team_id", "kind", "subject"))
    assert len(keys) == len(set(keys)) == 9
    assert Alert.objects.filter(resolved_at__isnull=True).count() == 9
    assert len(mail.outbox) == 9
    assert not Alert.objects.filter(notified_at__isnull=True).exists()


def test_an_alert_without_figures_still_renders():
    from django.utils import translation

    from allocation.notifications import alert_message

    with translation.override("en"):
        assert alert_message(kind="caseworker_over_cap", details={}) == "Caseworker over cap"
        assert alert_message(kind="queue_waiting", details={"programme": "nonsense"}) == "Cases waiting in the queue"
        assert alert_message(kind="unknown", details={}) == "Caseload alert"

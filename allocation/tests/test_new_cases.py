"""The new-cases digest: one e-mail per caseworker per allocation, never one per case; what
it says (and never says); who gets it; the claim; the task, the trigger and the sweep.

The batching tests run with real commits (`transaction=True`) and eager Celery, as a web
request and a worker would: a queue drain commits once per case, so a digest sent per
transaction instead of per operation would send three mails where these expect one.
"""

from __future__ import annotations

import datetime
import re
import threading

import pytest
from celery import current_app as app
from django.conf import settings
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from allocation import broker, new_cases, rebalancing, services, tasks
from allocation.models import CaseAssignment
from allocation.tests.factories import open_case
from cases.models import Case, CaseStatus
from cases.tests.factories import CitizenFactory, synthetic_cpr
from staff.models import Caseworker
from staff.tests.factories import CaseworkerFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

CPR_SHAPED = re.compile(r"\d{6}[- ]?\d{4}")


@pytest.fixture(autouse=True)
def _broker_reachable():
    broker.broker_backoff_reset()
    yield
    broker.broker_backoff_reset()


def worker(team, name, *, cap, email=True, **fields):
    username = name.lower().replace(" ", ".")
    return CaseworkerFactory(
        team=team,
        full_name=name,
        username=username,
        cap_override=cap,
        email=f"{username}@jobcenter.example.dk" if email else "",
        **fields,
    )


def mails_to(caseworker) -> list:
    return [m for m in mail.outbox if m.to == [caseworker.user.email]]


def case_numbers(message) -> set[int]:
    """The case numbers a digest lists (its Danish part: each case once per language)."""
    danish = message.body.split("— — —")[0]
    return {int(n) for n in re.findall(r"Sag (\d+), ", danish)}


def untold() -> int:
    return CaseAssignment.objects.filter(notified_at__isnull=True).count()


# --- batching: one mail per caseworker per operation ---------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_rebalance_moving_five_cases_to_two_caseworkers_sends_exactly_two_mails():
    # given a caseworker holding five cases, and two colleagues who could not take any yet
    team = TeamFactory(name="Team Syd")
    giver = worker(team, "Anna Giver", cap=5, email=False)
    first = worker(team, "Bo Modtager", cap=0)
    second = worker(team, "Cille Modtager", cap=0)
    cases = [open_case(team=team) for _ in range(5)]
    assert {c.caseworker_id for c in cases} == {giver.pk}
    services.caseworker_update(caseworker=first, cap_override=3)
    services.caseworker_update(caseworker=second, cap_override=3)
    services.caseworker_update(caseworker=giver, cap_override=0)
    mail.outbox.clear()

    # when the leader rebalances (its transaction commits; the digest follows the commit)
    plan = rebalancing.rebalance_apply(team=team, by=UserFactory())

    # then each receiver gets one mail naming exactly the cases that came to them
    assert len(plan.moves) == 5
    assert len(mail.outbox) == 2
    received = {m.to_caseworker_id for m in plan.moves}
    assert received == {first.pk, second.pk}
    for receiver in (first, second):
        [message] = mails_to(receiver)
        assert case_numbers(message) == {m.case_id for m in plan.moves if m.to_caseworker_id == receiver.pk}
        assert "Omfordeling" in message.body and "Rebalancing" in message.body
    assert untold() == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["raised cap", "periodic sweep"])
def test_a_queue_drain_of_three_cases_to_one_caseworker_sends_one_mail(how):
    # given three queued cases and a caseworker without room
    team = TeamFactory()
    caseworker = worker(team, "Dorte Kø", cap=0)
    queued = [open_case(team=team) for _ in range(3)]
    assert {c.status for c in queued} == {CaseStatus.QUEUED}
    mail.outbox.clear()

    # when room appears and the queue drains (three transactions, one per case)
    if how == "raised cap":
        services.caseworker_update(caseworker=caseworker, cap_override=3)
    else:
        Caseworker.objects.filter(pk=caseworker.pk).update(cap=3)  # room the services never saw
        tasks.check_caseloads.delay().get()

    # then one mail lists all three
    assert Case.objects.filter(caseworker=caseworker, status=CaseStatus.OPEN).count() == 3
    [message] = mail.outbox
    assert message.to == [caseworker.user.email]
    assert case_numbers(message) == {c.pk for c in queued}
    assert message.subject == "3 nye sager er kommet til dig"
    assert "Fra køen" in message.body and "From the queue" in message.body


def test_a_drain_sends_the_digest_once_after_its_last_case(django_capture_on_commit_callbacks, digests):
    team = TeamFactory()
    caseworker = worker(team, "Egon Kø", cap=0)
    for _ in range(3):
        open_case(team=team)

    with django_capture_on_commit_callbacks(execute=True):
        services.caseworker_update(caseworker=caseworker, cap_override=3)

    assert digests == ["digest"]


@pytest.fixture
def digests(monkeypatch):
    """The digests the services send (after commit), instead of sending them."""
    sent = []
    monkeypatch.setattr(new_cases, "enqueue", lambda: sent.append("digest"))
    return sent


def test_an_intake_sends_one_digest(django_capture_on_commit_callbacks, digests):
    team = TeamFactory()
    worker(team, "Frida Visiteret", cap=1)
    with django_capture_on_commit_callbacks(execute=True):
        open_case(team=team)
    assert digests == ["digest"]


def test_a_reassignment_sends_one_digest(django_capture_on_commit_callbacks, digests):
    team = TeamFactory()
    a, b = worker(team, "Gert A", cap=1), worker(team, "Gitte B", cap=1)
    case = open_case(team=team)
    target = b if case.caseworker_id == a.pk else a
    with django_capture_on_commit_callbacks(execute=True):
        services.case_reassign(case=case, caseworker=target)
    assert digests == ["digest"]


def test_a_close_that_drains_the_queue_sends_one_digest(django_capture_on_commit_callbacks, digests):
    team = TeamFactory()
    worker(team, "Hans Lukker", cap=1)
    case, waiting = open_case(team=team), open_case(team=team)
    assert waiting.status == CaseStatus.QUEUED
    with django_capture_on_commit_callbacks(execute=True):
        services.case_close(case=case, outcome="job")
    assert digests == ["digest"]
    assert Case.objects.get(pk=waiting.pk).status == CaseStatus.OPEN


def test_a_rebalance_sends_one_digest(django_capture_on_commit_callbacks, digests):
    team = TeamFactory()
    giver, receiver = worker(team, "Inge Giver", cap=2), worker(team, "Ib Modtager", cap=0)
    for _ in range(2):
        open_case(team=team)
    services.caseworker_update(caseworker=receiver, cap_override=2)
    services.caseworker_update(caseworker=giver, cap_override=0)
    with django_capture_on_commit_callbacks(execute=True):
        plan = rebalancing.rebalance_apply(team=team)
    assert len(plan.moves) == 2
    assert digests == ["digest"]


def test_a_raised_policy_that_drains_the_queue_sends_one_digest(django_capture_on_commit_callbacks, digests):
    team = TeamFactory(unit_type="flere_skal_med")
    CaseworkerFactory(team=team, email="jonna@jobcenter.example.dk")  # the policy's cap
    services.policy_set_cap(role="flere_skal_med", cap=0)
    for _ in range(3):
        assert open_case(team=team).status == CaseStatus.QUEUED
    with django_capture_on_commit_callbacks(execute=True):
        services.policy_set_cap(role="flere_skal_med", cap=45)
    assert digests == ["digest"]
    assert not Case.objects.filter(status=CaseStatus.QUEUED).exists()


def test_nothing_is_sent_when_nothing_was_assigned(django_capture_on_commit_callbacks, digests):
    team = TeamFactory()
    worker(team, "Hanne Fuld", cap=0)
    with django_capture_on_commit_callbacks(execute=True):
        open_case(team=team)  # queued
        rebalancing.rebalance_apply(team=team)  # nothing to move
    assert digests == []


# --- what the mail says, and never says --------------------------------------------------


def test_the_mail_names_case_programme_reason_and_link_but_never_the_citizen():
    team = TeamFactory(unit_type="flere_skal_med")
    first = worker(team, "Ida Første", cap=1)
    second = worker(team, "Jens Anden", cap=1)
    cpr = synthetic_cpr()
    citizen = CitizenFactory(jobcenter=team.jobcenter, name="Karen Ærlig Sørensen", cpr=cpr)
    case = services.case_create(citizen=citizen, programme="flere_skal_med")
    other = second if case.caseworker_id == first.pk else first
    new_cases.new_cases_notify()
    # a reassignment note is free text and may name the citizen: it never goes into a mail
    services.case_reassign(case=case, caseworker=other, reason="Karen Ærlig Sørensen bad selv om det")
    mail.outbox.clear()

    assert new_cases.new_cases_notify() == 1

    [message] = mail.outbox
    assert message.to == [other.user.email]
    assert message.subject == "En ny sag er kommet til dig"
    body = message.body
    assert f"Hej {other.full_name}," in body and f"Hello {other.full_name}," in body
    assert f"Sag {case.pk}, Flere skal med: Flytning" in body
    assert f"Case {case.pk}, Flere skal med: Reassignment" in body
    assert f"{settings.SITE_URL}/cases/{case.pk}/" in body
    assert body.index("En sag er kommet til dig") < body.index("A case has come to you")  # Danish first
    for personal in ("Karen", "Sørensen", "bad selv", cpr, cpr.replace("-", ""), cpr[:6]):
        assert personal not in body and personal not in message.subject
    assert not CPR_SHAPED.search(body)


def test_the_mail_is_in_every_language_danish_first_whatever_the_active_language():
    team = TeamFactory()
    caseworker = worker(team, "Lars Sprog", cap=1)
    open_case(team=team)
    with translation.override("en"):
        new_cases.new_cases_notify()
    [message] = mail.outbox
    danish, english = message.body.split("— — —")
    assert "Visitation" in danish and "Intake" in english
    assert message.subject == "En ny sag er kommet til dig"
    assert message.to == [caseworker.user.email]


# --- who is told ---------------------------------------------------------------------------


def test_a_caseworker_who_chose_no_mail_or_has_no_address_is_marked_but_not_mailed():
    team = TeamFactory()
    quiet = worker(team, "Mette Stille", cap=1)
    Caseworker.objects.filter(pk=quiet.pk).update(notify_new_cases=False)
    open_case(team=team)
    other_team = TeamFactory()
    worker(other_team, "Niels Uden", cap=1, email=False)
    open_case(team=other_team)

    assert new_cases.new_cases_notify() == 0
    assert mail.outbox == [] and untold() == 0

    # and turning the mail on later does not bring old news
    Caseworker.objects.filter(pk=quiet.pk).update(notify_new_cases=True)
    assert new_cases.new_cases_notify() == 0


def test_a_case_that_moved_on_before_the_digest_is_not_announced():
    team = TeamFactory()
    first = worker(team, "Ole Først", cap=1)
    second = worker(team, "Pia Senere", cap=0)
    case = open_case(team=team)
    assert case.caseworker_id == first.pk
    services.caseworker_update(caseworker=second, cap_override=1)
    services.case_reassign(case=case, caseworker=second)

    assert new_cases.new_cases_notify() == 1

    [message] = mail.outbox
    assert message.to == [second.user.email]
    assert untold() == 0


def test_old_news_is_marked_without_a_mail():
    team = TeamFactory()
    worker(team, "Rikke Gammel", cap=2)
    old, fresh = open_case(team=team), open_case(team=team)
    long_ago = timezone.now() - new_cases.NEWS_FOR - datetime.timedelta(hours=1)
    CaseAssignment.objects.filter(case=old).update(assigned_at=long_ago)

    assert new_cases.new_cases_notify() == 1

    assert case_numbers(mail.outbox[0]) == {fresh.pk}
    assert untold() == 0


# --- the claim -----------------------------------------------------------------------------


class RefusingBackend(EmailBackend):
    """The mail server refuses every message."""

    def send_messages(self, messages):
        raise ConnectionRefusedError("the mail server is down")


def test_a_refused_mail_leaves_the_cases_untold_for_the_next_run(settings):
    team = TeamFactory()
    worker(team, "Søren Senere", cap=2)
    open_case(team=team)
    open_case(team=team)
    settings.EMAIL_BACKEND = "allocation.tests.test_new_cases.RefusingBackend"

    assert new_cases.new_cases_notify() == 0
    assert untold() == 2

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert new_cases.new_cases_notify() == 1
    assert len(case_numbers(mail.outbox[0])) == 2
    assert untold() == 0


def test_a_second_run_sends_nothing_again():
    team = TeamFactory()
    worker(team, "Tove To", cap=2)
    open_case(team=team)
    assert new_cases.new_cases_notify() == 1
    assert new_cases.new_cases_notify() == 0
    assert len(mail.outbox) == 1


def test_the_digest_costs_queries_per_caseworker_not_per_case():
    def run_with(cases):
        CaseAssignment.objects.update(notified_at=timezone.now())
        team = TeamFactory()
        worker(team, f"Uffe {cases}", cap=cases)
        for _ in range(cases):
            open_case(team=team)
        with CaptureQueriesContext(connection) as queries:
            assert new_cases.new_cases_notify() == 1
        return len(queries)

    assert run_with(2) == run_with(12)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_tell_each_caseworker_once():
    # given twelve caseworkers with a new case each
    for n in range(12):
        team = TeamFactory()
        worker(team, f"Vibeke {n}", cap=1)
        open_case(team=team)
    mail.outbox.clear()
    CaseAssignment.objects.update(notified_at=None)
    start = threading.Barrier(2)
    counts = []

    def run():
        try:
            start.wait()
            counts.append(new_cases.new_cases_notify())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(counts) == 12
    assert sorted(m.to[0] for m in mail.outbox) == sorted(set(m.to[0] for m in mail.outbox))
    assert untold() == 0


# --- the task, the trigger and the sweep --------------------------------------------------


def test_the_task_is_registered_reliable_and_swept_by_beat():
    app.loader.import_default_modules()
    task = app.tasks["allocation.notify_new_cases"]
    assert task.acks_late and task.retry_backoff and 0 < task.soft_time_limit < task.time_limit
    sweep = settings.CELERY_BEAT_SCHEDULE["notify-new-cases"]
    assert sweep["task"] == "allocation.notify_new_cases"
    assert sweep["schedule"] == settings.NEW_CASES_SWEEP_SECONDS
    assert sweep["kwargs"] == {"settled_seconds": settings.NEW_CASES_SETTLE_SECONDS}


def test_the_task_tells_and_returns_the_mails_sent():
    team = TeamFactory()
    worker(team, "Yrsa Opgave", cap=2)
    open_case(team=team)
    assert new_cases.notify_new_cases.delay().get() == 1
    assert new_cases.notify_new_cases.delay().get() == 0


def test_the_sweep_leaves_what_was_just_assigned_to_its_own_digest():
    team = TeamFactory()
    worker(team, "Zenia Fejer", cap=2)
    earlier, just_now = open_case(team=team), open_case(team=team)
    CaseAssignment.objects.filter(case=earlier).update(assigned_at=timezone.now() - datetime.timedelta(minutes=10))

    assert new_cases.notify_new_cases.delay(settled_seconds=settings.NEW_CASES_SETTLE_SECONDS).get() == 1
    assert case_numbers(mail.outbox[0]) == {earlier.pk}
    assert CaseAssignment.objects.get(case=just_now).notified_at is None

    assert new_cases.notify_new_cases.delay().get() == 1
    assert case_numbers(mail.outbox[1]) == {just_now.pk}


def test_enqueue_in_eager_mode_sends_the_digest_at_once():
    team = TeamFactory()
    worker(team, "Åge Straks", cap=1)
    open_case(team=team)
    assert new_cases.enqueue() is True
    assert len(mail.outbox) == 1


def test_a_dead_broker_costs_the_digest_nothing_but_time(monkeypatch):
    def refuse(**kwargs):
        raise ConnectionRefusedError("no broker")

    monkeypatch.setattr(new_cases.notify_new_cases, "apply_async", refuse)
    team = TeamFactory()
    worker(team, "Ærbar Venter", cap=1)
    open_case(team=team)

    assert new_cases.enqueue() is False
    assert mail.outbox == [] and untold() == 1
    # the sweep catches up
    assert new_cases.notify_new_cases.apply(kwargs={"settled_seconds": 0}).get() == 1


# --- the migration -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_assignments_from_before_the_digest_count_as_told():
    # given assignments as they were before the digest existed (nobody told)
    team = TeamFactory()
    worker(team, "Øjvind Før", cap=2)
    open_case(team=team)
    open_case(team=team)
    executor = MigrationExecutor(connection)
    executor.migrate([("allocation", "0004_alert_kind_contacts_overdue_caseassignment_notified_at")])
    CaseAssignment.objects.update(notified_at=None)
    mail.outbox.clear()

    # when the migrations that add the digest run
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    # then they count as told, and the first digest mails nobody
    assert untold() == 0
    assert new_cases.new_cases_notify() == 0
    assert mail.outbox == []

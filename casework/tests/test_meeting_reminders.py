"""The meeting reminder: on the working day before, ONE e-mail per caseworker listing their
planned meetings up to the next working day; never twice; never a name or a CPR number."""

from __future__ import annotations

import datetime
import re
import threading
from zoneinfo import ZoneInfo

import pytest
from celery import current_app as app
from django.conf import settings
from django.core import mail
from django.db import connection
from django.utils import timezone

from allocation import services as allocation_services
from cases.tests.factories import CitizenFactory, synthetic_cpr
from casework import notifications, services, tasks
from casework.models import Meeting, MeetingStatus
from staff.models import Caseworker
from staff.tests.factories import CaseworkerFactory, TeamFactory

from .factories import open_case

pytestmark = pytest.mark.django_db

CPH = ZoneInfo("Europe/Copenhagen")
FRIDAY = datetime.date(2027, 1, 8)
MONDAY = datetime.date(2027, 1, 11)
TUESDAY = datetime.date(2027, 1, 12)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), CPH)


def morning(day: datetime.date) -> datetime.datetime:
    return at(day, 7)


def caseworker(name: str, *, email: bool = True, **fields):
    username = name.lower().replace(" ", ".")
    worker = CaseworkerFactory(
        team=TeamFactory(), full_name=name, username=username, email=f"{username}@jobcenter.example.dk" if email else ""
    )
    if fields:
        Caseworker.objects.filter(pk=worker.pk).update(**fields)
    return worker


def book(worker, starts_at, *, case=None, kind="jobsamtale", channel="in_person", location="", minutes=45):
    case = case or open_case(caseworker=worker)
    return services.meeting_book(
        case=case, starts_at=starts_at, kind=kind, channel=channel, location=location, duration_minutes=minutes
    )


def danish(message) -> str:
    return message.body.split("— — —")[0]


# --- which meetings, which day ---------------------------------------------------------------


def test_on_friday_each_caseworker_gets_one_mail_with_mondays_meetings():
    # given meetings today, on Monday (two) and on Tuesday, and a colleague's on Monday
    karen = caseworker("Karen Berg")
    today = book(karen, at(FRIDAY, 14))
    first = book(karen, at(MONDAY, 9), location="Jobcenter Nord, lokale 3")
    second = book(karen, at(MONDAY, 13, 30), kind="other", channel="phone", minutes=30)
    tuesday = book(karen, at(TUESDAY, 10))
    ole = caseworker("Ole Dahl")
    colleague = book(ole, at(MONDAY, 8), channel="video")

    # when the morning run on Friday
    sent = notifications.meeting_reminders_send(now=morning(FRIDAY))

    # then two mails, each listing that caseworker's Monday meetings only
    assert sent == 2
    [to_karen] = [m for m in mail.outbox if m.to == [karen.user.email]]
    [to_ole] = [m for m in mail.outbox if m.to == [ole.user.email]]
    assert to_karen.subject == "Påmindelse: 2 møder til og med mandag 11. januar 2027"
    body = danish(to_karen)
    assert "Hej Karen Berg," in body
    assert "Dine 2 planlagte møder til og med mandag 11. januar 2027:" in body
    assert (
        f"- mandag 11. januar 2027, 09:00–09:45: Jobsamtale, Fremmøde, Jobcenter Nord, lokale 3. Sag {first.case_id}"
        in body
    )
    assert f"- mandag 11. januar 2027, 13:30–14:00: Anden samtale, Telefon. Sag {second.case_id}" in body
    assert f"{settings.SITE_URL}/cases/{first.case_id}/" in body
    assert body.index("09:00") < body.index("13:30")
    for absent in (today, tuesday):
        assert f"Sag {absent.case_id}" not in to_karen.body
    assert f"Sag {colleague.case_id}" in danish(to_ole) and "Video" in danish(to_ole)
    english = to_karen.body.split("— — —")[1]
    assert "Your 2 planned meetings up to and including Monday" in english
    assert "Job interview (jobsamtale), In person, Jobcenter Nord, lokale 3." in english
    # marked: these and only these
    reminded = set(Meeting.objects.filter(reminded_at__isnull=False).values_list("pk", flat=True))
    assert reminded == {first.pk, second.pk, colleague.pk}


def test_a_rerun_sends_nothing_twice():
    worker = caseworker("Lise Igen")
    book(worker, at(MONDAY, 9))
    assert notifications.meeting_reminders_send(now=morning(FRIDAY)) == 1
    assert notifications.meeting_reminders_send(now=morning(FRIDAY) + datetime.timedelta(hours=3)) == 0
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("day", [datetime.date(2027, 1, 9), datetime.date(2027, 1, 10), datetime.date(2027, 3, 25)])
def test_nothing_is_sent_on_a_day_off(day):
    worker = caseworker("Mads Fri")
    book(worker, at(MONDAY, 9))
    book(worker, at(datetime.date(2027, 3, 30), 9))
    assert notifications.meeting_reminders_send(now=morning(day)) == 0
    assert mail.outbox == []


def test_before_easter_the_mail_covers_every_day_up_to_the_tuesday_after():
    wednesday = datetime.date(2027, 3, 24)
    worker = caseworker("Nina Påske")
    maundy = book(worker, at(datetime.date(2027, 3, 25), 10))  # booked on a holiday: rare, but reminded
    after = book(worker, at(datetime.date(2027, 3, 30), 9))
    later = book(worker, at(datetime.date(2027, 3, 31), 9))

    assert notifications.meeting_reminders_send(now=morning(wednesday)) == 1

    [message] = mail.outbox
    assert message.subject == "Påmindelse: 2 møder til og med tirsdag 30. marts 2027"
    assert f"Sag {maundy.case_id}" in message.body and f"Sag {after.case_id}" in message.body
    assert f"Sag {later.case_id}" not in message.body


def test_the_window_follows_copenhagen_time_not_utc():
    worker = caseworker("Otto Midnat")
    just_after_midnight = book(worker, at(MONDAY, 0, 15), minutes=15)
    tuesday_at_midnight = book(worker, at(TUESDAY, 0, 0), minutes=15)
    notifications.meeting_reminders_send(now=morning(FRIDAY))
    [message] = mail.outbox
    assert f"Sag {just_after_midnight.case_id}" in message.body
    assert f"Sag {tuesday_at_midnight.case_id}" not in message.body


def test_only_planned_meetings_of_caseworkers_who_want_reminders_and_have_an_address():
    wants = caseworker("Pia Planlagt")
    cancelled = book(wants, at(MONDAY, 9))
    services.meeting_cancel(meeting=cancelled)
    quiet = caseworker("Rasmus Stille", meeting_reminders=False)
    book(quiet, at(MONDAY, 9))
    no_address = caseworker("Sara Uden", email=False)
    book(no_address, at(MONDAY, 9))

    assert notifications.meeting_reminders_send(now=morning(FRIDAY)) == 0
    assert mail.outbox == []


def test_a_meeting_that_came_onto_booked_time_says_so():
    worker = caseworker("Tina Dobbelt")
    mine = book(worker, at(MONDAY, 9))
    moved = book(worker, at(MONDAY, 10))  # as if it had come with a reassigned case onto booked time
    Meeting.objects.filter(pk=moved.pk).update(moved_onto_booked_time=True)
    notifications.meeting_reminders_send(now=morning(FRIDAY))
    body = danish(mail.outbox[0])
    assert f"Sag {moved.case_id} (overlapper et andet af dine møder)" in body
    assert f"Sag {mine.case_id}\n" in body


def test_the_mail_never_carries_the_citizens_name_or_cpr():
    worker = caseworker("Ulla Diskret")
    cpr = synthetic_cpr()
    citizen = CitizenFactory(jobcenter=worker.team.jobcenter, name="Viggo Hemmeligsen", cpr=cpr)
    case = allocation_services.case_create(citizen=citizen, programme=worker.team.unit_type)
    assert case.caseworker_id == worker.pk
    services.journal_write(case=case, kind="note", text="Viggo fortalte om sin ryg", by=worker.user)
    book(worker, at(MONDAY, 9), case=case, location="Mødelokale 2")

    notifications.meeting_reminders_send(now=morning(FRIDAY))

    [message] = mail.outbox
    for personal in ("Viggo", "Hemmeligsen", "ryg", cpr, cpr.replace("-", ""), cpr[:6]):
        assert personal not in message.body and personal not in message.subject
    assert not re.search(r"\d{6}[- ]?\d{4}", message.body)


# --- the claim ---------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_send_each_caseworker_one_mail():
    for n in range(8):
        book(caseworker(f"Willy {n}"), at(MONDAY, 9))
    mail.outbox.clear()  # the digests of their new cases (real commits here)
    start = threading.Barrier(2)
    counts = []

    def run():
        try:
            start.wait()
            counts.append(notifications.meeting_reminders_send(now=morning(FRIDAY)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(counts) == 8
    assert len({m.to[0] for m in mail.outbox}) == len(mail.outbox) == 8
    assert not Meeting.objects.filter(status=MeetingStatus.PLANNED, reminded_at__isnull=True).exists()


# --- the task ----------------------------------------------------------------------------


def test_the_task_is_registered_reliable_and_scheduled_each_morning():
    app.loader.import_default_modules()
    task = app.tasks["casework.remind_meetings"]
    assert task.acks_late and task.retry_backoff and 0 < task.soft_time_limit < task.time_limit
    entry = settings.CELERY_BEAT_SCHEDULE["remind-meetings"]
    assert entry["task"] == "casework.remind_meetings"
    assert entry["schedule"].hour == {7} and entry["schedule"].minute == {0}
    assert settings.CELERY_TIMEZONE == "Europe/Copenhagen"


def test_the_task_reminds_once(monkeypatch):
    worker = caseworker("Yvonne Opgave")
    book(worker, at(MONDAY, 9))
    monkeypatch.setattr(timezone, "now", lambda: morning(FRIDAY))

    assert tasks.remind_meetings.delay().get() == 1
    assert tasks.remind_meetings.delay().get() == 0
    assert len(mail.outbox) == 1

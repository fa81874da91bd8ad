from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from allocation import services as allocation_services
from casework import selectors, services
from casework.errors import (
    CorrectsAnotherCase,
    JournalAppendOnly,
    MeetingCaseNotOpen,
    MeetingNotPlanned,
    MeetingNotStarted,
    MeetingOverlaps,
)
from casework.models import JournalEntry, Meeting, MeetingStatus
from staff.tests.factories import CaseworkerFactory, UserFactory

from .factories import open_case

pytestmark = pytest.mark.django_db


def _book(case, starts_at, **kw):
    kw.setdefault("kind", "jobsamtale")
    kw.setdefault("channel", "in_person")
    return services.meeting_book(case=case, starts_at=starts_at, **kw)


def test_journal_is_trimmed_and_corrections_point_back():
    case = open_case()
    author = UserFactory()
    first = services.journal_write(case=case, kind="note", text="  Samtale om job.  ", by=author)
    assert first.text == "Samtale om job."
    correction = services.journal_write(case=case, kind="note", text="Rettelse", by=author, corrects=first)
    assert correction.corrects_id == first.pk
    assert list(selectors.journal_of_case(case)) == [correction, first]


@pytest.mark.parametrize("text", ["", "   \n\t ", "x" * 20_001])
def test_journal_text_must_be_1_to_20000_characters(text):
    with pytest.raises(ValidationError) as raised:
        services.journal_write(case=open_case(), kind="note", text=text, by=UserFactory())
    assert "text" in raised.value.message_dict


def test_a_correction_names_an_entry_of_the_same_case():
    author = UserFactory()
    other = services.journal_write(case=open_case(), kind="note", text="a", by=author)
    with pytest.raises(CorrectsAnotherCase):
        services.journal_write(case=open_case(), kind="note", text="b", by=author, corrects=other)


def test_the_database_refuses_to_change_a_journal_entry():
    entry = services.journal_write(case=open_case(), kind="note", text="a", by=UserFactory())
    with pytest.raises(JournalAppendOnly):
        entry.save()
    with pytest.raises(JournalAppendOnly):
        entry.delete()
    # Past the model too: the trigger.
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).update(text="changed")
    assert JournalEntry.objects.get(pk=entry.pk).text == "a"


@pytest.mark.postgres
def test_on_postgresql_the_database_refuses_to_delete_a_journal_entry():
    entry = services.journal_write(case=open_case(), kind="note", text="a", by=UserFactory())
    with pytest.raises(IntegrityError), transaction.atomic():
        JournalEntry.objects.filter(pk=entry.pk).delete()
    # A reviewed retention deletion says so, in its own transaction.
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL casework.retention_deletion = 'on'")
        JournalEntry.objects.filter(pk=entry.pk).delete()
    assert not JournalEntry.objects.filter(pk=entry.pk).exists()


def test_a_meeting_is_booked_with_the_holder_and_ends_after_its_duration():
    case = open_case()
    starts = timezone.now() + timedelta(days=1)
    meeting = _book(case, starts, duration_minutes=30, location=" Rådhuset ")
    assert (meeting.caseworker_id, meeting.status, meeting.location) == (case.caseworker_id, "planned", "Rådhuset")
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=30)
    assert _book(case, starts + timedelta(minutes=30)).ends_at - starts == timedelta(minutes=75)  # default 45


@pytest.mark.parametrize("minutes", [4, 481])
def test_duration_is_5_to_480_minutes(minutes):
    with pytest.raises(ValidationError):
        _book(open_case(), timezone.now(), duration_minutes=minutes)


def test_no_double_booking_of_a_caseworker():
    caseworker = CaseworkerFactory()
    first, second = open_case(caseworker=caseworker), open_case(caseworker=caseworker)
    starts = timezone.now() + timedelta(days=1)
    _book(first, starts, duration_minutes=60)
    with pytest.raises(MeetingOverlaps):
        _book(second, starts + timedelta(minutes=59))
    _book(second, starts + timedelta(minutes=60))  # back to back is fine


def test_a_cancelled_meeting_frees_its_time():
    case = open_case()
    starts = timezone.now() + timedelta(days=1)
    services.meeting_cancel(meeting=_book(case, starts))
    assert _book(case, starts).status == "planned"


@pytest.mark.postgres
def test_on_postgresql_the_database_forbids_overlapping_planned_meetings():
    case = open_case()
    meeting = _book(case, timezone.now() + timedelta(days=1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(
            case=case,
            caseworker_id=case.caseworker_id,
            starts_at=meeting.starts_at + timedelta(minutes=10),
            ends_at=meeting.ends_at + timedelta(minutes=10),
            kind="other",
            channel="phone",
        )


def test_meetings_only_on_open_cases():
    case = open_case()
    allocation_services.case_close(case=case, outcome="job")
    with pytest.raises(MeetingCaseNotOpen):
        _book(case, timezone.now())


def test_status_changes_only_from_planned_and_held_only_once_started():
    case = open_case()
    future = _book(case, timezone.now() + timedelta(hours=2))
    with pytest.raises(MeetingNotStarted):
        services.meeting_held(meeting=future)
    with pytest.raises(MeetingNotStarted):
        services.meeting_no_show(meeting=future)
    past = _book(case, timezone.now() - timedelta(days=3))
    held = services.meeting_held(meeting=past)
    assert held.status == "held" and held.held_at is not None
    with pytest.raises(MeetingNotPlanned):
        services.meeting_cancel(meeting=past)
    assert services.meeting_cancel(meeting=future).status == "cancelled"


def test_closing_cancels_planned_meetings_that_have_not_started():
    case = open_case()
    started = _book(case, timezone.now() - timedelta(minutes=10))
    coming = _book(case, timezone.now() + timedelta(days=2))
    allocation_services.case_close(case=case, outcome="job")
    started.refresh_from_db()
    coming.refresh_from_db()
    assert (started.status, coming.status) == (MeetingStatus.PLANNED, MeetingStatus.CANCELLED)


def test_a_reassigned_case_takes_its_planned_meetings_along():
    case = open_case()
    target = CaseworkerFactory(team=case.caseworker.team)
    planned = _book(case, timezone.now() + timedelta(days=1))
    held = services.meeting_held(meeting=_book(case, timezone.now() - timedelta(days=1)))
    allocation_services.case_reassign(case=case, caseworker=target)
    planned.refresh_from_db()
    held.refresh_from_db()
    assert planned.caseworker_id == target.pk
    assert held.caseworker_id != target.pk  # history stays with who held it
    assert not planned.moved_onto_booked_time


def test_a_meeting_that_moves_onto_booked_time_keeps_it_and_says_so():
    case = open_case()
    target = CaseworkerFactory(team=case.caseworker.team)
    starts = timezone.now() + timedelta(days=1)
    moving = _book(case, starts)
    _book(open_case(caseworker=target), starts)
    allocation_services.case_reassign(case=case, caseworker=target)
    moving.refresh_from_db()
    assert (moving.caseworker_id, moving.starts_at, moving.moved_onto_booked_time) == (target.pk, starts, True)
    # A new booking on that time is still refused.
    with pytest.raises(MeetingOverlaps):
        _book(open_case(caseworker=target), starts)

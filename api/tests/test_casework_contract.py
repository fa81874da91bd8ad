"""The contract's "Casework (version 1, second part)", clause by clause: the journal, meetings,
the contact rules and plan, a caseworker's day, and the access log of every read.

The world (conftest): team A's caseworker holds A's case, opened today; A's leader sees it;
B's caseworker and leader, in another jobcenter, do not.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.utils import timezone

from allocation import services as allocation_services
from allocation.tests.factories import open_case
from cases.models import AccessAction, Case, CitizenAccess, Programme
from casework import services as casework_services
from casework.models import ContactRule, JournalEntry, Meeting
from casework.tests.factories import open_case as case_of
from staff.tests.factories import CaseworkerFactory

from .conftest import client_for

pytestmark = pytest.mark.django_db

ENTRY_FIELDS = {"id", "case", "kind", "text", "written_by", "written_at", "corrects"}
MEETING_FIELDS = {
    "id",
    "case",
    "caseworker",
    "starts_at",
    "ends_at",
    "kind",
    "channel",
    "location",
    "status",
    "held_at",
}


def _today() -> date:
    return timezone.localdate()


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def _journal(case) -> str:
    return f"/api/v1/cases/{case.pk}/journal/"


def _write(case, text="Samtale om job.", *, by, kind="note", corrects=None) -> JournalEntry:
    return casework_services.journal_write(case=case, kind=kind, text=text, by=by, corrects=corrects)


def _meeting(case, starts_at: datetime, *, kind="jobsamtale", held=False, minutes=45) -> Meeting:
    meeting = casework_services.meeting_book(
        case=case, starts_at=starts_at, kind=kind, channel="in_person", duration_minutes=minutes
    )
    return casework_services.meeting_held(meeting=meeting) if held else meeting


def _book(client, case_id, starts_at, **fields):
    body = {"case": case_id, "starts_at": starts_at.isoformat(), "kind": "jobsamtale", "channel": "phone", **fields}
    return client.post("/api/v1/meetings/", body, format="json")


def _plan(client, case) -> dict:
    response = client.get(f"/api/v1/cases/{case.pk}/contact-plan/")
    assert response.status_code == 200, response.content
    return response.json()


def _clients(world) -> dict:
    return {
        "caseworker": client_for(world.a.caseworker.user),
        "leader": client_for(world.a.leader),
        "admin": client_for(world.admin),
        "caseworker_b": client_for(world.b.caseworker.user),
        "leader_b": client_for(world.b.leader),
    }


SEES = ("caseworker", "leader", "admin")
DOES_NOT_SEE = ("caseworker_b", "leader_b")


@pytest.fixture(autouse=True)
def contact_rules(db):
    """The rows migration 0002 gives every programme (a flush by a transactional test drops them)."""
    for programme in Programme.values:
        ContactRule.objects.get_or_create(programme=programme)


# --- Journal ------------------------------------------------------------------------------------


def test_the_journal_lists_the_cases_entries_newest_first_paginated(world, as_caseworker_a):
    case, author = world.a.case, world.a.caseworker.user
    first = _write(case, "Første", by=author)
    second = _write(case, "Anden", by=author, kind="phone")
    _write(world.b.case, "Someone else's", by=world.b.caseworker.user)

    body = as_caseworker_a.get(_journal(case)).json()

    assert {"count", "next", "previous", "results"} <= set(body)
    assert [row["id"] for row in body["results"]] == [second.pk, first.pk]
    assert body["results"][1] == {
        "id": first.pk,
        "case": case.pk,
        "kind": "note",
        "text": "Første",
        "written_by": author.pk,
        "written_at": body["results"][1]["written_at"],
        "corrects": None,
    }
    assert datetime.fromisoformat(body["results"][1]["written_at"]) == first.written_at


def test_the_journal_pages_past_fifty(world, as_caseworker_a):
    for i in range(51):
        _write(world.a.case, f"Note {i}", by=world.a.caseworker.user)
    body = as_caseworker_a.get(_journal(world.a.case)).json()
    assert (body["count"], len(body["results"]), bool(body["next"])) == (51, 50, True)
    assert body["results"][0]["text"] == "Note 50"


@pytest.mark.parametrize("kind", ["meeting", "phone", "letter", "note", "decision"])
def test_an_entry_has_one_of_the_five_kinds(world, as_caseworker_a, kind):
    response = as_caseworker_a.post(_journal(world.a.case), {"kind": kind, "text": "x"}, format="json")
    assert (response.status_code, response.json()["kind"]) == (201, kind)


@pytest.mark.parametrize("kind", ["email", "", None, 1])
def test_another_kind_is_a_400_on_kind(world, as_caseworker_a, kind):
    response = as_caseworker_a.post(_journal(world.a.case), {"kind": kind, "text": "x"}, format="json")
    assert (response.status_code, list(response.json())) == (400, ["kind"])
    assert not JournalEntry.objects.exists()


def test_one_entry_is_read_by_its_id_within_its_case(world, as_caseworker_a, as_admin):
    entry = _write(world.a.case, "Første", by=world.a.caseworker.user)
    response = as_caseworker_a.get(f"{_journal(world.a.case)}{entry.pk}/")
    assert response.status_code == 200
    assert set(response.json()) == ENTRY_FIELDS and response.json()["text"] == "Første"
    # the same entry under another case's address is no entry at all
    assert as_admin.get(f"{_journal(world.b.case)}{entry.pk}/").status_code == 404
    assert as_caseworker_a.get(f"{_journal(world.a.case)}999999/").status_code == 404


def test_writing_answers_201_with_the_entry_and_its_author(world, as_leader_a):
    response = as_leader_a.post(_journal(world.a.case), {"kind": "decision", "text": "Bevilget kursus."}, format="json")
    assert response.status_code == 201
    data = response.json()
    assert set(data) == ENTRY_FIELDS
    assert (data["case"], data["kind"], data["written_by"], data["corrects"]) == (
        world.a.case.pk,
        "decision",
        world.a.leader.pk,
        None,
    )
    assert JournalEntry.objects.get(pk=data["id"]).text == "Bevilget kursus."


def test_text_is_stored_trimmed(world, as_caseworker_a):
    response = as_caseworker_a.post(
        _journal(world.a.case), {"kind": "note", "text": "  \n Ringede. \t "}, format="json"
    )
    assert response.json()["text"] == "Ringede."
    assert JournalEntry.objects.get().text == "Ringede."


@pytest.mark.parametrize(
    "text, accepted",
    [
        ("x", True),
        ("x" * 20_000, True),
        ("   " + "x" * 20_000 + "\n\n", True),  # 20,000 once trimmed
        ("x" * 20_001, False),
        ("", False),
        ("   \n\t ", False),
        (None, False),
        (5, False),
    ],
)
def test_text_is_1_to_20000_characters_once_trimmed(world, as_caseworker_a, text, accepted):
    response = as_caseworker_a.post(_journal(world.a.case), {"kind": "note", "text": text}, format="json")
    if accepted:
        assert response.status_code == 201
        assert len(response.json()["text"]) == len(text.strip())
    else:
        assert (response.status_code, list(response.json())) == (400, ["text"])
        assert not JournalEntry.objects.exists()


def test_text_is_required(world, as_caseworker_a):
    response = as_caseworker_a.post(_journal(world.a.case), {"kind": "note"}, format="json")
    assert (response.status_code, list(response.json())) == (400, ["text"])


def test_a_correction_names_an_earlier_entry_and_both_stay_readable(world, as_caseworker_a):
    wrong = _write(world.a.case, "Borgeren mødte ikke op.", by=world.a.caseworker.user)
    body = {"kind": "note", "text": "Rettelse: borgeren mødte op.", "corrects": wrong.pk}
    response = as_caseworker_a.post(_journal(world.a.case), body, format="json")
    assert (response.status_code, response.json()["corrects"]) == (201, wrong.pk)
    listed = as_caseworker_a.get(_journal(world.a.case)).json()["results"]
    assert [(row["id"], row["corrects"]) for row in listed] == [(response.json()["id"], wrong.pk), (wrong.pk, None)]
    assert listed[1]["text"] == "Borgeren mødte ikke op."


@pytest.mark.parametrize("which", ["other-case", "invisible-case", "missing", "not-an-id"])
def test_corrects_must_name_an_entry_of_the_same_case(world, as_leader_a, which):
    # A's leader sees A's other cases, not B's: an entry they cannot see is one that does not exist
    other = open_case(team=world.a.team)
    named = {
        "other-case": lambda: _write(other, "a", by=world.admin).pk,
        "invisible-case": lambda: _write(world.b.case, "b", by=world.admin).pk,
        "missing": lambda: 987654,
        "not-an-id": lambda: "1",
    }[which]()
    response = as_leader_a.post(_journal(world.a.case), {"kind": "note", "text": "x", "corrects": named}, format="json")
    assert (response.status_code, list(response.json())) == (400, ["corrects"])
    assert not JournalEntry.objects.filter(case=world.a.case).exists()


def test_whoever_may_see_the_case_writes_its_journal_and_others_get_404(world):
    clients = _clients(world)
    for role in SEES:
        response = clients[role].post(_journal(world.a.case), {"kind": "note", "text": role}, format="json")
        assert response.status_code == 201, role
    for role in DOES_NOT_SEE:
        response = clients[role].post(_journal(world.a.case), {"kind": "note", "text": role}, format="json")
        assert response.status_code == 404, role
        assert clients[role].get(_journal(world.a.case)).status_code == 404, role
    assert sorted(JournalEntry.objects.values_list("text", flat=True)) == sorted(SEES)


def test_a_closed_case_takes_entries_from_its_last_caseworker(world, as_caseworker_a):
    allocation_services.case_close(case=world.a.case, outcome="job")
    response = as_caseworker_a.post(
        _journal(world.a.case), {"kind": "letter", "text": "Afslutningsbrev."}, format="json"
    )
    assert response.status_code == 201


def test_a_previous_caseworker_no_longer_reaches_the_journal(world, as_caseworker_a):
    allocation_services.case_reassign(case=world.a.case, caseworker=world.a.other_caseworker)
    assert as_caseworker_a.post(_journal(world.a.case), {"kind": "note", "text": "x"}, format="json").status_code == 404
    assert client_for(world.a.other_caseworker.user).get(_journal(world.a.case)).status_code == 200


def test_the_journal_is_append_only_put_patch_delete_are_405(world, as_admin):
    entry = _write(world.a.case, "Første", by=world.a.caseworker.user)
    url = f"{_journal(world.a.case)}{entry.pk}/"
    assert as_admin.put(url, {"kind": "note", "text": "changed"}, format="json").status_code == 405
    assert as_admin.patch(url, {"text": "changed"}, format="json").status_code == 405
    assert as_admin.delete(url).status_code == 405
    assert as_admin.delete(_journal(world.a.case)).status_code == 405
    assert JournalEntry.objects.get(pk=entry.pk).text == "Første"


# --- Meetings -----------------------------------------------------------------------------------


def test_a_meeting_reads_as_the_contract_says(world, as_caseworker_a):
    meeting = _meeting(world.a.case, _at(_today() + timedelta(days=3)))
    data = as_caseworker_a.get(f"/api/v1/meetings/{meeting.pk}/").json()
    assert data == {
        "id": meeting.pk,
        "case": world.a.case.pk,
        "caseworker": world.a.caseworker.pk,
        "starts_at": data["starts_at"],
        "ends_at": data["ends_at"],
        "kind": "jobsamtale",
        "channel": "in_person",
        "location": "",
        "status": "planned",
        "held_at": None,
    }
    assert datetime.fromisoformat(data["starts_at"]) == meeting.starts_at


def test_meetings_are_visible_to_whoever_may_see_the_case(world):
    mine = _meeting(world.a.case, _at(_today() + timedelta(days=3)))
    theirs = _meeting(world.b.case, _at(_today() + timedelta(days=3)))
    clients = _clients(world)
    for role in SEES:
        listed = {row["id"] for row in clients[role].get("/api/v1/meetings/").json()["results"]}
        assert mine.pk in listed, role
        assert clients[role].get(f"/api/v1/meetings/{mine.pk}/").status_code == 200, role
    for role in DOES_NOT_SEE:
        listed = {row["id"] for row in clients[role].get("/api/v1/meetings/").json()["results"]}
        assert listed == {theirs.pk}, role
        assert clients[role].get(f"/api/v1/meetings/{mine.pk}/").status_code == 404, role


def test_meetings_filter_on_case_caseworker_status_and_start(world, as_admin):
    monday = _today() + timedelta(days=10)
    early = _meeting(world.a.case, _at(monday, 9))
    late = _meeting(world.a.case, _at(monday, 14))
    other = _meeting(world.b.case, _at(monday, 9))
    cancelled = _meeting(world.a.case, _at(monday, 16))
    casework_services.meeting_cancel(meeting=cancelled)

    def ids(**params):
        response = as_admin.get("/api/v1/meetings/", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [early.pk, other.pk, late.pk, cancelled.pk]  # earliest first
    assert ids(case=world.a.case.pk) == [early.pk, late.pk, cancelled.pk]
    assert ids(caseworker=world.b.caseworker.pk) == [other.pk]
    assert ids(status="cancelled") == [cancelled.pk]
    assert ids(status="planned", case=world.a.case.pk) == [early.pk, late.pk]
    # starts_after is inclusive, starts_before exclusive: days tile without a gap or an overlap
    assert ids(starts_after=_at(monday, 14).isoformat()) == [late.pk, cancelled.pk]
    assert ids(starts_before=_at(monday, 14).isoformat()) == [early.pk, other.pk]
    assert ids(starts_after=_at(monday, 10).isoformat(), starts_before=_at(monday, 15).isoformat()) == [late.pk]


@pytest.mark.parametrize(
    "params",
    [
        {"case": "abc"},
        {"case": "0"},
        {"caseworker": "-1"},
        {"caseworker": "99999999999999999999999"},
        {"status": "maybe"},
        {"status": "\x00"},
        {"starts_after": "tomorrow"},
        {"starts_after": "2026-13-01T10:00:00"},
        {"starts_before": "9999-12-31T23:59:59-12:00"},  # beyond the calendar once in UTC
        {"starts_after": "0001-01-01T00:00:00+14:00"},
    ],
)
def test_a_bad_meeting_filter_is_a_400(world, as_admin, params):
    response = as_admin.get("/api/v1/meetings/", params)
    assert (response.status_code, list(response.json())) == (400, list(params))


def test_booking_answers_201_planned_with_the_cases_caseworker(world, as_leader_a):
    starts = _at(_today() + timedelta(days=2), 9, 30)
    response = _book(as_leader_a, world.a.case.pk, starts, kind="other", channel="video", location=" Lokale 3 ")
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == MEETING_FIELDS
    assert (data["status"], data["caseworker"], data["kind"], data["channel"], data["location"]) == (
        "planned",
        world.a.caseworker.pk,
        "other",
        "video",
        "Lokale 3",
    )
    assert data["held_at"] is None


def test_the_location_may_be_left_out_or_blank(world, as_caseworker_a):
    starts = _at(_today() + timedelta(days=2))
    assert _book(as_caseworker_a, world.a.case.pk, starts).json()["location"] == ""
    later = starts + timedelta(hours=2)
    assert _book(as_caseworker_a, world.a.case.pk, later, location="").json()["location"] == ""


@pytest.mark.parametrize("minutes, ends_after", [(None, 45), (5, 5), (480, 480), (90, 90)])
def test_duration_is_5_to_480_minutes_default_45_and_sets_ends_at(world, as_caseworker_a, minutes, ends_after):
    starts = _at(_today() + timedelta(days=2), 8)
    fields = {} if minutes is None else {"duration_minutes": minutes}
    data = _book(as_caseworker_a, world.a.case.pk, starts, **fields).json()
    assert datetime.fromisoformat(data["ends_at"]) - datetime.fromisoformat(data["starts_at"]) == timedelta(
        minutes=ends_after
    )


@pytest.mark.parametrize("minutes", [4, 481, 0, -45, "45", 45.5, None])
def test_a_duration_outside_5_to_480_is_a_400(world, as_caseworker_a, minutes):
    response = _book(as_caseworker_a, world.a.case.pk, _at(_today() + timedelta(days=2)), duration_minutes=minutes)
    assert (response.status_code, list(response.json())) == (400, ["duration_minutes"])
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    "field, value",
    [
        ("kind", "coffee"),
        ("channel", "letter"),
        ("starts_at", "soon"),
        ("starts_at", "9999-12-31T23:00:00-05:00"),
        ("starts_at", "1850-01-01T10:00:00+01:00"),
        ("starts_at", "3000-01-01T10:00:00+01:00"),
        ("location", "x" * 201),
        ("case", "1"),
        ("case", 0),
    ],
)
def test_bad_meeting_fields_are_a_400_per_field(world, as_admin, field, value):
    body = {"case": world.a.case.pk, "starts_at": "2031-03-03T10:00:00+01:00", "kind": "jobsamtale", "channel": "phone"}
    response = as_admin.post("/api/v1/meetings/", {**body, field: value}, format="json")
    assert (response.status_code, list(response.json())) == (400, [field])


@pytest.mark.parametrize("missing", ["case", "starts_at", "kind", "channel"])
def test_meeting_fields_are_required(world, as_admin, missing):
    body = {"case": world.a.case.pk, "starts_at": "2031-03-03T10:00:00+01:00", "kind": "jobsamtale", "channel": "phone"}
    del body[missing]
    response = as_admin.post("/api/v1/meetings/", body, format="json")
    assert (response.status_code, list(response.json())) == (400, [missing])


def test_a_meeting_may_lie_in_the_past_even_before_the_case_opened_and_counts(world, as_caseworker_a):
    before_opening = world.a.case.opened_at - timedelta(days=400)
    response = _book(as_caseworker_a, world.a.case.pk, before_opening)
    assert response.status_code == 201
    held = as_caseworker_a.post(f"/api/v1/meetings/{response.json()['id']}/held/")
    assert held.status_code == 200
    plan = _plan(as_caseworker_a, world.a.case)
    assert (plan["held"], plan["last_held_on"]) == (1, timezone.localdate(before_opening).isoformat())


def test_booking_on_a_case_one_may_not_see_is_a_404(world):
    # The contract's own answer for meetings: a 404, where other ids in a body are a 400.
    starts = _at(_today() + timedelta(days=2))
    for role in DOES_NOT_SEE:
        client = _clients(world)[role]
        assert _book(client, world.a.case.pk, starts).status_code == 404, role
        assert _book(client, 987654321, starts).status_code == 404, role  # as one that does not exist
    assert not Meeting.objects.exists()


def test_whoever_may_see_the_case_books_its_meetings(world):
    clients = _clients(world)
    for hour, role in enumerate(SEES):
        response = _book(clients[role], world.a.case.pk, _at(_today() + timedelta(days=2), 9 + hour))
        assert response.status_code == 201, role


def test_a_case_that_is_not_open_takes_no_meeting_409(world, as_admin):
    queued = open_case(jobcenter=world.a.jobcenter, programme="standard")  # no standard unit: queued
    assert queued.status == "queued"
    closed = world.a.case
    allocation_services.case_close(case=closed, outcome="job")
    for case in (queued, closed):
        response = _book(as_admin, case.pk, _at(_today() + timedelta(days=2)))
        assert response.status_code == 409, case.status
        assert set(response.json()) == {"detail", "code"}
    assert not Meeting.objects.exists()


def test_an_overlapping_planned_meeting_of_the_same_caseworker_is_a_409_with_detail(world, as_caseworker_a):
    day = _today() + timedelta(days=2)
    other_case = case_of(caseworker=world.a.caseworker)
    assert _book(as_caseworker_a, world.a.case.pk, _at(day, 10)).status_code == 201

    clash = _book(as_caseworker_a, other_case.pk, _at(day, 10, 30))

    assert clash.status_code == 409
    assert clash.json()["code"] == "double_booked"
    assert world.a.caseworker.full_name in clash.json()["detail"]
    # back to back is no overlap; a colleague may meet at the same time
    assert _book(as_caseworker_a, other_case.pk, _at(day, 10, 45)).status_code == 201
    colleague_case = case_of(caseworker=world.a.other_caseworker)
    assert _book(client_for(world.a.other_caseworker.user), colleague_case.pk, _at(day, 10)).status_code == 201


def test_a_cancelled_meeting_frees_its_time(world, as_caseworker_a):
    starts = _at(_today() + timedelta(days=2), 10)
    first = _book(as_caseworker_a, world.a.case.pk, starts).json()
    assert as_caseworker_a.post(f"/api/v1/meetings/{first['id']}/cancel/").status_code == 200
    assert _book(as_caseworker_a, world.a.case.pk, starts).status_code == 201


@pytest.mark.parametrize("action, status", [("held", "held"), ("no-show", "no_show"), ("cancel", "cancelled")])
def test_marking_a_started_meeting_answers_200_with_it(world, as_caseworker_a, action, status):
    meeting = _meeting(world.a.case, timezone.now() - timedelta(minutes=5))
    response = as_caseworker_a.post(f"/api/v1/meetings/{meeting.pk}/{action}/")
    assert response.status_code == 200
    data = response.json()
    assert set(data) == MEETING_FIELDS and data["status"] == status
    # held_at: when it was recorded as held (now), null otherwise
    if status == "held":
        assert timezone.now() - datetime.fromisoformat(data["held_at"]) < timedelta(minutes=1)
    else:
        assert data["held_at"] is None


@pytest.mark.parametrize("action", ["held", "no-show"])
def test_a_meeting_that_has_not_started_cannot_be_held_or_a_no_show_409(world, as_caseworker_a, action):
    meeting = _meeting(world.a.case, timezone.now() + timedelta(hours=1))
    response = as_caseworker_a.post(f"/api/v1/meetings/{meeting.pk}/{action}/")
    assert (response.status_code, response.json()["code"]) == (409, "meeting_not_started")
    assert Meeting.objects.get(pk=meeting.pk).status == "planned"


def test_a_meeting_that_has_not_started_can_be_cancelled(world, as_caseworker_a):
    meeting = _meeting(world.a.case, timezone.now() + timedelta(hours=1))
    assert as_caseworker_a.post(f"/api/v1/meetings/{meeting.pk}/cancel/").json()["status"] == "cancelled"


@pytest.mark.parametrize("first", ["held", "no-show", "cancel"])
@pytest.mark.parametrize("then", ["held", "no-show", "cancel"])
def test_only_a_planned_meeting_changes_status_409(world, as_caseworker_a, first, then):
    meeting = _meeting(world.a.case, timezone.now() - timedelta(minutes=5))
    assert as_caseworker_a.post(f"/api/v1/meetings/{meeting.pk}/{first}/").status_code == 200
    response = as_caseworker_a.post(f"/api/v1/meetings/{meeting.pk}/{then}/")
    assert (response.status_code, response.json()["code"]) == (409, "meeting_not_planned")


def test_the_same_people_as_booking_mark_meetings(world):
    clients = _clients(world)
    for role in SEES:
        meeting = _meeting(world.a.case, timezone.now() - timedelta(hours=len(role)))
        assert clients[role].post(f"/api/v1/meetings/{meeting.pk}/held/").status_code == 200, role
    meeting = _meeting(world.a.case, timezone.now() - timedelta(minutes=5))
    for role in DOES_NOT_SEE:
        for action in ("held", "no-show", "cancel"):
            assert clients[role].post(f"/api/v1/meetings/{meeting.pk}/{action}/").status_code == 404, role
    assert Meeting.objects.get(pk=meeting.pk).status == "planned"


def test_meetings_are_never_deleted_405(world, as_admin):
    meeting = _meeting(world.a.case, _at(_today() + timedelta(days=3)))
    url = f"/api/v1/meetings/{meeting.pk}/"
    assert as_admin.delete(url).status_code == 405
    assert as_admin.put(url, {"location": "x"}, format="json").status_code == 405
    assert as_admin.patch(url, {"location": "x"}, format="json").status_code == 405
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_closing_a_case_cancels_its_planned_meetings_that_have_not_started(world, as_caseworker_a):
    coming = _meeting(world.a.case, timezone.now() + timedelta(days=3))
    started = _meeting(world.a.case, timezone.now() - timedelta(minutes=10))
    held = _meeting(world.a.case, timezone.now() - timedelta(days=3), held=True)
    assert as_caseworker_a.post(f"/api/v1/cases/{world.a.case.pk}/close/", {"outcome": "job"}).status_code == 200
    statuses = dict(Meeting.objects.values_list("pk", "status"))
    assert statuses == {coming.pk: "cancelled", started.pk: "planned", held.pk: "held"}


def test_a_reassigned_cases_planned_meetings_go_with_it(world, as_leader_a):
    coming = _meeting(world.a.case, timezone.now() + timedelta(days=3))
    held = _meeting(world.a.case, timezone.now() - timedelta(days=3), held=True)
    url = f"/api/v1/cases/{world.a.case.pk}/reassign/"
    assert as_leader_a.post(url, {"caseworker": world.a.other_caseworker.pk}, format="json").status_code == 200
    listed = {row["id"]: row["caseworker"] for row in as_leader_a.get("/api/v1/meetings/").json()["results"]}
    assert listed == {coming.pk: world.a.other_caseworker.pk, held.pk: world.a.caseworker.pk}


# --- Contact rules ------------------------------------------------------------------------------

DEFAULT = {"first_within_days": 7, "first_period_days": 183, "first_period_meetings": 4, "then_every_days": 91}


def test_every_programme_has_the_default_rule(world, as_caseworker_a):
    body = as_caseworker_a.get("/api/v1/contact-rules/").json()
    assert [row["programme"] for row in body["results"]] == ["flere_skal_med", "psychiatric", "standard", "trial"]
    assert all(row == {"programme": row["programme"], **DEFAULT} for row in body["results"])
    assert as_caseworker_a.get("/api/v1/contact-rules/trial/").json() == {"programme": "trial", **DEFAULT}


def test_a_programme_without_a_row_reads_and_patches_as_the_default(world, as_admin):
    ContactRule.objects.filter(programme="psychiatric").delete()
    assert as_admin.get("/api/v1/contact-rules/psychiatric/").json() == {"programme": "psychiatric", **DEFAULT}
    response = as_admin.patch("/api/v1/contact-rules/psychiatric/", {"then_every_days": 30}, format="json")
    assert response.json() == {"programme": "psychiatric", **DEFAULT, "then_every_days": 30}
    assert ContactRule.objects.get(programme="psychiatric").then_every_days == 30


def test_an_unknown_programme_is_a_404(world, as_admin):
    assert as_admin.get("/api/v1/contact-rules/office/").status_code == 404
    assert as_admin.patch("/api/v1/contact-rules/office/", {"first_within_days": 1}, format="json").status_code == 404


def test_any_signed_in_user_reads_the_rules_and_anonymous_clients_do_not(world, anonymous):
    for role, client in _clients(world).items():
        assert client.get("/api/v1/contact-rules/").status_code == 200, role
        assert client.get("/api/v1/contact-rules/standard/").status_code == 200, role
    assert anonymous.get("/api/v1/contact-rules/").status_code == 401


def test_an_admin_patches_a_rule_and_the_plan_follows(world, as_admin):
    body = {"first_within_days": 0, "first_period_days": 90, "first_period_meetings": 3, "then_every_days": None}
    response = as_admin.patch("/api/v1/contact-rules/flere_skal_med/", body, format="json")
    assert response.status_code == 200
    assert response.json() == {"programme": "flere_skal_med", **body}
    assert _plan(as_admin, world.a.case)["next_due"] == timezone.localdate(world.a.case.opened_at).isoformat()


def test_a_patch_changes_only_the_fields_it_names(world, as_admin):
    response = as_admin.patch("/api/v1/contact-rules/standard/", {"first_period_meetings": 6}, format="json")
    assert response.json() == {"programme": "standard", **DEFAULT, "first_period_meetings": 6}


@pytest.mark.parametrize(
    "field, value",
    [
        ("first_within_days", -1),
        ("first_period_days", 0),
        ("first_period_meetings", 0),
        ("then_every_days", 0),
        ("first_within_days", None),
        ("first_period_days", 1.5),
        ("first_period_meetings", "4"),
        ("then_every_days", True),
        ("first_within_days", 36_501),
        ("then_every_days", 2**40),
    ],
)
def test_a_rule_takes_whole_days_within_bounds_else_400(world, as_admin, field, value):
    response = as_admin.patch("/api/v1/contact-rules/standard/", {field: value}, format="json")
    assert (response.status_code, list(response.json())) == (400, [field])
    assert ContactRule.objects.get(programme="standard").first_within_days == 7


@pytest.mark.parametrize("role", ["caseworker", "leader", "caseworker_b", "leader_b"])
def test_only_an_admin_patches_a_rule_others_403(world, role):
    response = _clients(world)[role].patch("/api/v1/contact-rules/standard/", {"first_within_days": 1}, format="json")
    assert response.status_code == 403
    assert ContactRule.objects.get(programme="standard").first_within_days == 7


def test_contact_rules_are_not_created_or_deleted_405(world, as_admin):
    assert as_admin.post("/api/v1/contact-rules/", {"programme": "standard"}, format="json").status_code == 405
    assert as_admin.delete("/api/v1/contact-rules/standard/").status_code == 405
    assert as_admin.put("/api/v1/contact-rules/standard/", DEFAULT, format="json").status_code == 405


# --- The contact plan ---------------------------------------------------------------------------


def test_the_plan_reads_next_due_status_held_and_last_held_on(world, as_caseworker_a):
    plan = _plan(as_caseworker_a, world.a.case)
    opened = timezone.localdate(world.a.case.opened_at)
    assert plan == {
        "next_due": (opened + timedelta(days=7)).isoformat(),
        "status": "due_soon",
        "held": 0,
        "last_held_on": None,
    }


def test_with_none_held_the_first_is_due_first_within_days_after_opening(world, as_caseworker_a):
    ContactRule.objects.filter(programme="flere_skal_med").update(first_within_days=30)
    opened = timezone.localdate(world.a.case.opened_at)
    assert _plan(as_caseworker_a, world.a.case)["next_due"] == (opened + timedelta(days=30)).isoformat()


def test_in_the_first_period_the_next_is_due_its_share_of_the_period_after_the_last(world, as_caseworker_a):
    last = _today() - timedelta(days=20)
    _meeting(world.a.case, _at(last - timedelta(days=30)), held=True)
    _meeting(world.a.case, _at(last), held=True)
    plan = _plan(as_caseworker_a, world.a.case)
    assert (plan["held"], plan["last_held_on"]) == (2, last.isoformat())
    assert plan["next_due"] == (last + timedelta(days=183 // 4)).isoformat()


def test_after_the_first_period_the_next_is_due_then_every_days_after_the_last(world, as_caseworker_a):
    last = _today() - timedelta(days=10)
    for weeks in (12, 8, 4, 0):
        _meeting(world.a.case, _at(last - timedelta(weeks=weeks)), held=True)
    plan = _plan(as_caseworker_a, world.a.case)
    assert (plan["held"], plan["next_due"], plan["status"]) == (4, (last + timedelta(days=91)).isoformat(), "on_track")


def test_then_every_days_null_means_no_due_date_after_the_first_period(world, as_caseworker_a):
    ContactRule.objects.filter(programme="flere_skal_med").update(first_period_meetings=1, then_every_days=None)
    _meeting(world.a.case, _at(_today() - timedelta(days=3)), held=True)
    plan = _plan(as_caseworker_a, world.a.case)
    assert (plan["next_due"], plan["status"], plan["held"]) == (None, "none", 1)


def test_a_closed_case_has_no_next_due(world, as_caseworker_a):
    _meeting(world.a.case, _at(_today() - timedelta(days=3)), held=True)
    allocation_services.case_close(case=world.a.case, outcome="education")
    plan = _plan(as_caseworker_a, world.a.case)
    assert (plan["next_due"], plan["status"], plan["held"]) == (None, "none", 1)


def test_only_held_jobsamtaler_count(world, as_caseworker_a):
    _meeting(world.a.case, _at(_today() - timedelta(days=3)), kind="other", held=True)
    no_show = _meeting(world.a.case, _at(_today() - timedelta(days=2)))
    casework_services.meeting_no_show(meeting=no_show)
    _meeting(world.a.case, _at(_today() - timedelta(days=1)))  # still planned
    assert _plan(as_caseworker_a, world.a.case)["held"] == 0


def test_a_meeting_counts_on_the_copenhagen_date_of_its_start(world, as_caseworker_a):
    day = _today() - timedelta(days=5)
    # 23:30 UTC the evening before is past midnight in Copenhagen (UTC+1 or +2)
    starts = datetime.combine(day - timedelta(days=1), time(23, 30), tzinfo=UTC)
    _meeting(world.a.case, starts, held=True)
    assert _plan(as_caseworker_a, world.a.case)["last_held_on"] == day.isoformat()


def test_the_clock_runs_from_the_day_a_queued_case_opened(world, as_admin):
    queued = open_case(jobcenter=world.a.jobcenter, programme="standard")
    Case.objects.filter(pk=queued.pk).update(opened_at=_at(_today() - timedelta(days=10), 12))
    plan = _plan(as_admin, queued)
    assert (plan["status"], plan["next_due"]) == ("overdue", (_today() - timedelta(days=3)).isoformat())
    listed = as_admin.get("/api/v1/cases/", {"contact": "overdue"}).json()["results"]
    assert [row["id"] for row in listed] == [queued.pk]


@pytest.mark.parametrize(
    "days_to_due, status",
    [(-1, "overdue"), (0, "due_soon"), (7, "due_soon"), (8, "on_track"), (30, "on_track")],
)
def test_status_is_overdue_after_next_due_due_soon_within_7_days_else_on_track(
    world, as_caseworker_a, days_to_due, status
):
    # held so that next_due = last + 45 lands days_to_due from today
    _meeting(world.a.case, _at(_today() + timedelta(days=days_to_due - 45)), held=True)
    plan = _plan(as_caseworker_a, world.a.case)
    assert (plan["next_due"], plan["status"]) == ((_today() + timedelta(days=days_to_due)).isoformat(), status)


def test_the_plan_is_for_whoever_may_see_the_case(world):
    for role, client in _clients(world).items():
        expected = 200 if role in SEES else 404
        assert client.get(f"/api/v1/cases/{world.a.case.pk}/contact-plan/").status_code == expected, role


def _overdue(case):
    """Held 100 days ago: the next one was due 55 days ago."""
    _meeting(case, _at(_today() - timedelta(days=100)), held=True)
    return case


def test_cases_carry_next_contact_due(world, as_leader_a):
    _overdue(world.a.case)
    listed = as_leader_a.get("/api/v1/cases/").json()["results"]
    assert [row["next_contact_due"] for row in listed] == [(_today() - timedelta(days=55)).isoformat()]
    detail = as_leader_a.get(f"/api/v1/cases/{world.a.case.pk}/").json()
    assert detail["next_contact_due"] == listed[0]["next_contact_due"]


def test_a_case_written_through_the_api_answers_with_its_next_contact_due(world, as_leader_a):
    closed = as_leader_a.post(f"/api/v1/cases/{world.a.case.pk}/close/", {"outcome": "job"}).json()
    assert closed["next_contact_due"] is None
    fresh = as_leader_a.post(
        "/api/v1/citizens/", {"cpr": "010190-1235", "name": "N", "jobcenter": world.a.jobcenter.pk}
    )
    opened = as_leader_a.post("/api/v1/cases/", {"citizen": fresh.json()["id"], "programme": "flere_skal_med"}).json()
    assert opened["next_contact_due"] == (_today() + timedelta(days=7)).isoformat()
    read = as_leader_a.get(f"/api/v1/cases/{opened['id']}/").json()  # counted, not assumed
    assert read["next_contact_due"] == opened["next_contact_due"]


def test_cases_filter_on_contact(world, as_admin):
    overdue = _overdue(world.a.case)
    due_soon = world.b.case  # opened today: due within the week
    on_track = open_case(team=world.a.team)
    _meeting(on_track, _at(_today() - timedelta(days=1)), held=True)
    closed = open_case(team=world.b.team)
    allocation_services.case_close(case=closed, outcome="job")

    def ids(value):
        response = as_admin.get("/api/v1/cases/", {"contact": value})
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert ids("overdue") == {overdue.pk}
    assert ids("due_soon") == {due_soon.pk}
    assert ids("on_track") == {on_track.pk}
    assert as_admin.get("/api/v1/cases/").json()["count"] == 4  # the closed case is in none of them


@pytest.mark.parametrize("value", ["none", "late", "OVERDUE", "\x00", "1"])
def test_a_bad_contact_filter_is_a_400(world, as_admin, value):
    response = as_admin.get("/api/v1/cases/", {"contact": value})
    assert (response.status_code, list(response.json())) == (400, ["contact"])


def test_teams_and_caseworkers_carry_contacts_overdue(world, as_leader_a, as_admin):
    _overdue(world.a.case)
    second = _overdue(open_case(team=world.a.team))  # to the other caseworker, who has room
    assert second.caseworker_id == world.a.other_caseworker.pk
    closed = _overdue(open_case(team=world.a.team))
    allocation_services.case_close(case=closed, outcome="job")  # a closed case is no longer overdue

    teams = {row["id"]: row["contacts_overdue"] for row in as_admin.get("/api/v1/teams/").json()["results"]}
    assert teams == {world.a.team.pk: 2, world.b.team.pk: 0}
    assert as_leader_a.get(f"/api/v1/teams/{world.a.team.pk}/").json()["contacts_overdue"] == 2
    workers = {row["id"]: row["contacts_overdue"] for row in as_admin.get("/api/v1/caseworkers/").json()["results"]}
    assert (workers[world.a.caseworker.pk], workers[world.a.other_caseworker.pk], workers[world.b.caseworker.pk]) == (
        1,
        1,
        0,
    )
    detail = as_leader_a.get(f"/api/v1/caseworkers/{world.a.caseworker.pk}/").json()
    assert detail["contacts_overdue"] == 1


# --- A caseworker's day -------------------------------------------------------------------------


def _agenda(client, **params) -> dict:
    response = client.get("/api/v1/me/agenda/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_the_agenda_is_today_by_default_and_reads_as_the_contract_says(world, as_caseworker_a):
    body = _agenda(as_caseworker_a)
    assert set(body) == {"date", "meetings", "overdue", "due_soon", "new_cases"}
    assert body["date"] == _today().isoformat()


def test_the_agenda_of_another_date(world, as_caseworker_a):
    day = _today() + timedelta(days=9)
    meeting = _meeting(world.a.case, _at(day, 9))
    body = _agenda(as_caseworker_a, date=day.isoformat())
    assert (body["date"], [m["id"] for m in body["meetings"]]) == (day.isoformat(), [meeting.pk])


@pytest.mark.parametrize(
    "value", ["tomorrow", "2026-02-30", "02-12-2026", "2026-12-02T10:00", "0001-01-01", "9999-12-31"]
)
def test_a_bad_date_is_a_400(world, as_caseworker_a, value):
    response = as_caseworker_a.get("/api/v1/me/agenda/", {"date": value})
    assert (response.status_code, list(response.json())) == (400, ["date"])


def test_the_days_meetings_that_are_not_cancelled_earliest_first(world, as_caseworker_a):
    day = _today() + timedelta(days=2)
    late = _meeting(world.a.case, _at(day, 15))
    early = _meeting(world.a.case, _at(day, 8))
    cancelled = _meeting(world.a.case, _at(day, 11))
    casework_services.meeting_cancel(meeting=cancelled)
    _meeting(world.a.case, _at(day + timedelta(days=1), 8))  # another day
    _meeting(world.b.case, _at(day, 9))  # another caseworker's
    meetings = _agenda(as_caseworker_a, date=day.isoformat())["meetings"]
    assert [m["id"] for m in meetings] == [early.pk, late.pk]
    assert set(meetings[0]) == MEETING_FIELDS


def test_a_meeting_of_a_case_one_no_longer_sees_is_not_on_the_agenda(world, as_caseworker_a):
    held = _meeting(world.a.case, _at(_today(), 0, 5), held=True)
    assert [m["id"] for m in _agenda(as_caseworker_a)["meetings"]] == [held.pk]
    allocation_services.case_reassign(case=world.a.case, caseworker=world.a.other_caseworker)
    assert Meeting.objects.get(pk=held.pk).caseworker_id == world.a.caseworker.pk  # held: it stays theirs
    assert _agenda(as_caseworker_a)["meetings"] == []


def test_overdue_most_overdue_first_and_due_soon_as_of_today(world, as_caseworker_a):
    less = _overdue(world.a.case)
    more = case_of(caseworker=world.a.caseworker)
    _meeting(more, _at(_today() - timedelta(days=200)), held=True)
    soon = case_of(caseworker=world.a.caseworker)
    _overdue(world.b.case)  # somebody else's

    for day in (_today(), _today() + timedelta(days=30)):  # as of today, whatever the date
        body = _agenda(as_caseworker_a, date=day.isoformat())
        assert [c["id"] for c in body["overdue"]] == [more.pk, less.pk]
        assert [c["id"] for c in body["due_soon"]] == [soon.pk]


def test_new_cases_are_those_that_came_in_the_14_days_up_to_the_date(world, as_caseworker_a):
    recent = case_of(caseworker=world.a.caseworker)
    old = case_of(caseworker=world.a.caseworker)
    Case.objects.filter(pk=recent.pk).update(assigned_at=_at(_today() - timedelta(days=13), 0, 1))
    Case.objects.filter(pk=old.pk).update(assigned_at=_at(_today() - timedelta(days=14), 23, 59))
    allocation_services.case_close(case=case_of(caseworker=world.a.caseworker), outcome="job")

    assert {c["id"] for c in _agenda(as_caseworker_a)["new_cases"]} == {world.a.case.pk, recent.pk}
    earlier = _agenda(as_caseworker_a, date=(_today() - timedelta(days=1)).isoformat())["new_cases"]
    assert {c["id"] for c in earlier} == {recent.pk, old.pk}


def test_the_case_lists_hold_case_objects_as_in_cases(world, as_caseworker_a):
    body = _agenda(as_caseworker_a)
    listed = as_caseworker_a.get(f"/api/v1/cases/{world.a.case.pk}/").json()
    assert body["due_soon"] == [listed] and body["new_cases"] == [listed]


@pytest.mark.parametrize("role", ["leader", "admin", "leader_b"])
def test_a_user_who_is_not_a_caseworker_gets_empty_lists(world, role):
    _meeting(world.a.case, _at(_today(), 12))
    body = _agenda(_clients(world)[role])
    assert body == {"date": _today().isoformat(), "meetings": [], "overdue": [], "due_soon": [], "new_cases": []}


def test_anonymous_clients_get_no_agenda(world, anonymous):
    assert anonymous.get("/api/v1/me/agenda/").status_code == 401


# --- The access log: every read is personal data ------------------------------------------------


def _logged(user) -> list[tuple]:
    return list(CitizenAccess.objects.filter(user=user).order_by("id").values_list("citizen_id", "action", "route"))


def test_journal_reads_are_logged_for_the_cases_citizen(world, as_caseworker_a):
    user, case = world.a.caseworker.user, world.a.case
    as_caseworker_a.get(_journal(case))  # an empty journal is still news about the case
    entry = _write(case, "x", by=user)
    as_caseworker_a.get(f"{_journal(case)}{entry.pk}/")
    assert _logged(user) == [
        (case.citizen_id, AccessAction.LIST, _journal(case)),
        (case.citizen_id, AccessAction.VIEW, f"{_journal(case)}{entry.pk}/"),
    ]


def test_meeting_reads_are_logged_for_the_citizens_shown(world, as_admin):
    a = _meeting(world.a.case, _at(_today() + timedelta(days=1)))
    _meeting(world.b.case, _at(_today() + timedelta(days=1)))
    as_admin.get("/api/v1/meetings/", {"case": world.a.case.pk})
    as_admin.get(f"/api/v1/meetings/{a.pk}/")
    assert _logged(world.admin) == [
        (world.a.citizen.pk, AccessAction.LIST, "/api/v1/meetings/"),
        (world.a.citizen.pk, AccessAction.VIEW, f"/api/v1/meetings/{a.pk}/"),
    ]


def test_contact_plan_reads_are_logged(world, as_leader_a):
    url = f"/api/v1/cases/{world.a.case.pk}/contact-plan/"
    as_leader_a.get(url)
    assert _logged(world.a.leader) == [(world.a.citizen.pk, AccessAction.VIEW, url)]


def test_the_agenda_logs_the_citizens_it_shows(world, as_caseworker_a):
    other = case_of(caseworker=world.a.caseworker)
    _meeting(other, _at(_today(), 23))
    _agenda(as_caseworker_a)
    assert sorted(_logged(world.a.caseworker.user)) == sorted(
        [
            (world.a.citizen.pk, AccessAction.LIST, "/api/v1/me/agenda/"),
            (other.citizen_id, AccessAction.LIST, "/api/v1/me/agenda/"),
        ]
    )


def test_nothing_hidden_is_shown_or_logged(world):
    entry = _write(world.a.case, "x", by=world.admin)
    meeting = _meeting(world.a.case, _at(_today() + timedelta(days=1)))
    client = client_for(world.b.leader)
    for url in (
        _journal(world.a.case),
        f"{_journal(world.a.case)}{entry.pk}/",
        f"/api/v1/meetings/{meeting.pk}/",
        f"/api/v1/cases/{world.a.case.pk}/contact-plan/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/meetings/").json()["results"] == []
    assert not CitizenAccess.objects.exists()


def test_a_caseworker_without_cases_has_an_empty_day_and_logs_nothing(world):
    idle = CaseworkerFactory(team=world.a.team)
    body = _agenda(client_for(idle.user))
    assert body["meetings"] == body["overdue"] == body["due_soon"] == body["new_cases"] == []
    assert not CitizenAccess.objects.exists()

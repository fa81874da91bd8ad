"""The casework pages: my day, the case page's journal, meetings and contact plan, my calendar
and its iCalendar feed, my e-mail settings, and the board's contact figures."""

from __future__ import annotations

import datetime
import hashlib
import re

import icalendar
import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from allocation import services
from allocation.tests.factories import open_case
from cases.models import Case, Citizen, CitizenAccess
from casework import services as casework
from casework.models import CalendarFeed, JournalEntry, Meeting, MeetingStatus

from .conftest import give_cases

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true", "HX-Target": "journal-text-field"}


def _local(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _today() -> datetime.date:
    return timezone.localdate()


def _book(case, starts_at, **fields):
    fields.setdefault("kind", "jobsamtale")
    fields.setdefault("channel", "in_person")
    return casework.meeting_book(case=case, starts_at=starts_at, **fields)


def _opened_days_ago(case, days: int) -> Case:
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - datetime.timedelta(days=days))
    return Case.objects.get(pk=case.pk)


def _messages(response) -> str:
    return " ".join(re.findall(r'<p class="message[^"]*">(.*?)</p>', response.text, re.S))


# --- My day ------------------------------------------------------------------------------


def test_my_day_shows_todays_meetings_but_not_the_cancelled_ones(client, office):
    first, second, third = give_cases(office.anna, 3)
    kept = _book(first, _local(_today(), 23, 0), location="Mødelokale 2")
    cancelled = casework.meeting_cancel(meeting=_book(second, _local(_today(), 22, 0)))
    _book(third, _local(_today() + datetime.timedelta(days=1), 9))  # tomorrow
    client.force_login(office.anna.user)
    response = client.get(reverse("web:home"))
    assert response.templates[0].name == "web/my_day.html"
    today = response.text.split('id="today-meetings"', 1)[1].split("</table>", 1)[0]
    assert f'id="meeting-{kept.pk}"' in today and first.citizen.name in today and "Mødelokale 2" in today
    assert f'id="meeting-{cancelled.pk}"' not in today
    assert third.citizen.name not in today
    assert "Dagens møder" in response.text


def test_my_day_lists_overdue_contacts_most_overdue_first_and_those_due_soon(client, office):
    little, much, soon, later = give_cases(office.anna, 4)
    _opened_days_ago(little, 9)  # due 2 days ago
    _opened_days_ago(much, 20)  # due 13 days ago
    _opened_days_ago(soon, 3)  # due in 4 days
    _book(later, timezone.now() - datetime.timedelta(days=1))
    casework.meeting_held(meeting=Meeting.objects.get(case=later))  # next due in 44 days: on track
    client.force_login(office.anna.user)
    text = client.get(reverse("web:home")).text
    overdue = text.split('id="overdue-cases"', 1)[1].split("</table>", 1)[0]
    assert overdue.index(much.citizen.name) < overdue.index(little.citizen.name)
    assert soon.citizen.name not in overdue and later.citizen.name not in overdue
    assert ">13<" in overdue and ">2<" in overdue
    due_soon = text.split('id="due-soon-cases"', 1)[1].split("</table>", 1)[0]
    assert soon.citizen.name in due_soon and later.citizen.name not in due_soon


def test_new_to_you_says_who_had_the_case_and_why_it_moved(client, office):
    (case,) = give_cases(office.bo, 1)
    (fresh,) = give_cases(office.anna, 1)
    services.case_reassign(case=case, caseworker=office.anna, reason="Bo går på barsel", by=office.leader)
    client.force_login(office.anna.user)
    new = client.get(reverse("web:home")).text.split('id="new-cases"', 1)[1].split("</table>", 1)[0]
    moved_row = new.split(case.citizen.name, 1)[1].split("</tr>", 1)[0]
    assert "Bo Bertelsen" in moved_row and "Flytning" in moved_row and "Bo går på barsel" in moved_row
    fresh_row = new.split(fresh.citizen.name, 1)[1].split("</tr>", 1)[0]
    assert "Ingen: en ny sag" in fresh_row and "Visitation" in fresh_row


def test_the_handover_selector_answers_for_many_cases_in_one_query(office, django_assert_num_queries):
    from allocation.selectors import handovers_of_cases

    cases = give_cases(office.bo, 3)
    for case in cases[:2]:
        services.case_reassign(case=case, caseworker=office.anna, reason="ferie", by=office.leader)
    with django_assert_num_queries(1):
        handovers = handovers_of_cases(case_ids=[c.pk for c in cases])
    assert [handovers[c.pk].previous_holder for c in cases] == ["Bo Bertelsen", "Bo Bertelsen", None]
    assert [handovers[c.pk].reason for c in cases] == ["reassignment", "reassignment", "intake"]
    assert handovers[cases[0].pk].note == "ferie"


def test_my_day_shows_the_caseload_against_the_cap_and_links_to_the_rest(client, office):
    give_cases(office.anna, 3)
    client.force_login(office.anna.user)
    text = client.get(reverse("web:home")).text
    assert "3 / 45" in text
    for name in ("web:caseload", "web:calendar", "web:email_settings"):
        assert f'href="{reverse(name)}"' in text


def test_my_day_flags_a_meeting_that_moved_onto_booked_time(client, office):
    (anna_case,) = give_cases(office.anna, 1)
    (bo_case,) = give_cases(office.bo, 1)
    tomorrow = _local(_today() + datetime.timedelta(days=1), 10)
    own = _book(anna_case, tomorrow)
    moving = _book(bo_case, tomorrow + datetime.timedelta(minutes=15))
    services.case_reassign(case=bo_case, caseworker=office.anna, by=office.leader)
    assert Meeting.objects.get(pk=moving.pk).moved_onto_booked_time
    client.force_login(office.anna.user)
    text = client.get(reverse("web:home")).text
    assert text.count('data-testid="clash-ahead"') == 1 and bo_case.citizen.name in text
    # sorted out: the other meeting is cancelled, and the flag alone is no clash
    casework.meeting_cancel(meeting=own)
    assert 'data-testid="clash-ahead"' not in client.get(reverse("web:home")).text


def test_todays_clash_is_flagged_beside_the_meeting(client, office):
    (anna_case,) = give_cases(office.anna, 1)
    (bo_case,) = give_cases(office.bo, 1)
    _book(anna_case, _local(_today(), 23))
    moving = _book(bo_case, _local(_today(), 23, 15))
    services.case_reassign(case=bo_case, caseworker=office.anna, by=office.leader)
    client.force_login(office.anna.user)
    text = client.get(reverse("web:home")).text
    row = text.split(f'id="meeting-{moving.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="clash"' in row and "fulgte med en overdraget sag" in row


def test_my_day_logs_every_citizen_it_lists(client, office):
    meeting_case, overdue_case = give_cases(office.anna, 2)
    _opened_days_ago(overdue_case, 30)
    _book(meeting_case, _local(_today(), 23, 30))
    client.force_login(office.anna.user)
    client.get(reverse("web:home"))
    listed = CitizenAccess.objects.filter(user=office.anna.user, action="list", route="/")
    assert sorted(listed.values_list("citizen_id", flat=True)) == sorted(
        [meeting_case.citizen_id, overdue_case.citizen_id]
    )


def test_a_leader_keeps_the_board_and_a_leading_caseworker_gets_both(client, office):
    client.force_login(office.leader)
    assert client.get(reverse("web:home")).status_code == 302
    office.team.leaders.add(office.anna.user)
    client.force_login(office.anna.user)
    text = client.get(reverse("web:home")).text
    assert "Min dag" in text and f'href="{reverse("web:team", args=[office.team.pk])}"' in text


# --- The case page: meetings and the contact plan ------------------------------------------


def _meeting_form(day: datetime.date, at: str = "10:00", **fields) -> dict:
    return {
        "date": day.isoformat(),
        "time": at,
        "duration_minutes": "45",
        "kind": "jobsamtale",
        "channel": "in_person",
        "location": "Jobcentret",
        **fields,
    }


@pytest.mark.parametrize("who", ["caseworker", "leader"])
def test_book_a_meeting_mark_it_held_and_see_the_contact_plan_move(client, office, who):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.anna.user if who == "caseworker" else office.leader)
    url = reverse("web:case", args=[case.pk])
    before = client.get(url).text
    due_at_opening = _today() + datetime.timedelta(days=7)
    assert 'data-testid="held-count">0<' in before
    assert 'data-testid="contact-status">Frist snart<' in before

    yesterday = _today() - datetime.timedelta(days=1)
    response = client.post(reverse("web:meeting_book", args=[case.pk]), _meeting_form(yesterday))
    assert response.status_code == 302 and response["Location"].endswith("#meetings")
    meeting = Meeting.objects.get(case=case)
    assert meeting.caseworker_id == office.anna.pk and meeting.status == MeetingStatus.PLANNED
    assert timezone.localtime(meeting.starts_at).time() == datetime.time(10, 0)
    assert (meeting.ends_at - meeting.starts_at) == datetime.timedelta(minutes=45)
    page = client.get(url)
    assert f'id="meeting-{meeting.pk}"' in page.text and "Mødet er booket" in _messages(page)

    response = client.post(reverse("web:meeting_status", args=[meeting.pk]), {"status": "held"})
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.HELD
    after = client.get(url).text
    assert 'data-testid="held-count">1<' in after
    next_due = yesterday + datetime.timedelta(days=183 // 4)
    assert next_due != due_at_opening
    from django.utils import formats

    assert formats.date_format(next_due, "DATE_FORMAT") in after.split('data-testid="next-due">', 1)[1][:40]
    held = after.split('id="held-heading"', 1)[1].split("</ol>", 1)[0]
    assert formats.date_format(yesterday, "DATE_FORMAT") in held


def test_a_double_booking_is_refused_in_danish_and_keeps_the_form(client, office):
    first, second = give_cases(office.anna, 2)
    tomorrow = _today() + datetime.timedelta(days=1)
    _book(first, _local(tomorrow, 10))
    client.force_login(office.anna.user)
    response = client.post(reverse("web:meeting_book", args=[second.pk]), _meeting_form(tomorrow, "10:30"))
    assert response.status_code == 409
    assert "Anna Andersen har allerede et møde fra" in _messages(response)
    assert 'value="10:30"' in response.text
    assert Meeting.objects.filter(case=second).count() == 0


def test_the_same_error_reads_in_english_for_an_english_user(client, office):
    first, second = give_cases(office.anna, 2)
    tomorrow = _today() + datetime.timedelta(days=1)
    _book(first, _local(tomorrow, 10))
    client.force_login(office.anna.user)
    client.cookies["django_language"] = "en"
    response = client.post(reverse("web:meeting_book", args=[second.pk]), _meeting_form(tomorrow, "10:30"))
    assert "Anna Andersen already has a meeting from" in _messages(response)


@pytest.mark.parametrize(
    "change",
    [
        {"date": "2026-02-30"},
        {"date": "9999-12-31"},
        {"time": "25:00"},
        {"duration_minutes": "481"},
        {"duration_minutes": "x"},
        {"kind": "party"},
        {"channel": "telepathy"},
        {"location": "x" * 201},
    ],
)
def test_bad_booking_input_is_a_400_with_the_form_not_an_error(client, office, change):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.anna.user)
    response = client.post(reverse("web:meeting_book", args=[case.pk]), _meeting_form(_today(), **change))
    assert response.status_code == 400
    assert 'class="errorlist' in response.text
    assert not Meeting.objects.filter(case=case).exists()


def test_a_meeting_that_has_not_started_cannot_be_marked_held(client, office):
    (case,) = give_cases(office.anna, 1)
    meeting = _book(case, timezone.now() + datetime.timedelta(days=2))
    client.force_login(office.anna.user)
    page = client.get(reverse("web:case", args=[case.pk])).text
    row = page.split(f'id="meeting-{meeting.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'value="cancelled"' in row and 'value="held"' not in row  # only what is possible is offered
    response = client.post(reverse("web:meeting_status", args=[meeting.pk]), {"status": "held"}, follow=True)
    assert "Et møde, der ikke er begyndt endnu" in _messages(response)
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.PLANNED


def test_no_show_and_cancel_and_back_to_where_the_button_was(client, office):
    first, second = give_cases(office.anna, 2)
    past = _book(first, timezone.now() - datetime.timedelta(hours=3))
    coming = _book(second, timezone.now() + datetime.timedelta(days=3))
    client.force_login(office.anna.user)
    back = client.post(reverse("web:meeting_status", args=[past.pk]), {"status": "no_show", "next": "/"})
    assert back["Location"] == "/"
    outside = client.post(
        reverse("web:meeting_status", args=[coming.pk]), {"status": "cancelled", "next": "https://evil.example/"}
    )
    assert outside["Location"] == reverse("web:case", args=[second.pk]) + "#meetings"
    assert Meeting.objects.get(pk=past.pk).status == MeetingStatus.NO_SHOW
    assert Meeting.objects.get(pk=coming.pk).status == MeetingStatus.CANCELLED
    bad = client.post(reverse("web:meeting_status", args=[coming.pk]), {"status": "planned"}, follow=True)
    assert bad.status_code == 200


def test_a_closed_case_offers_no_booking_but_takes_journal_entries(client, office):
    (case,) = give_cases(office.anna, 1)
    services.case_close(case=case, outcome="job", by=office.anna.user)
    client.force_login(office.anna.user)
    page = client.get(reverse("web:case", args=[case.pk])).text
    assert reverse("web:meeting_book", args=[case.pk]) not in page
    refused = client.post(reverse("web:meeting_book", args=[case.pk]), _meeting_form(_today()))
    assert refused.status_code == 409 and "kun bookes møder i en åben sag" in _messages(refused)
    written = client.post(reverse("web:journal_write", args=[case.pk]), {"kind": "note", "text": "Afsluttet."})
    assert written.status_code == 302 and JournalEntry.objects.filter(case=case).count() == 1


# --- The case page: the journal ------------------------------------------------------------


@pytest.mark.parametrize("who", ["caseworker", "leader"])
def test_write_a_note_and_correct_it_beside_the_original(client, office, who):
    (case,) = give_cases(office.anna, 1)
    user = office.anna.user if who == "caseworker" else office.leader
    client.force_login(user)
    response = client.post(
        reverse("web:journal_write", args=[case.pk]), {"kind": "phone", "text": "Borgeren ringede om kursus."}
    )
    assert response.status_code == 302 and response["Location"].endswith("#journal")
    original = JournalEntry.objects.get(case=case)
    assert (original.kind, original.text, original.written_by_id) == ("phone", "Borgeren ringede om kursus.", user.pk)

    # "correct this entry": the form, filled with what it corrects
    form = client.get(reverse("web:journal_correct", args=[case.pk, original.pk])).text
    assert f"Ret notat {original.pk}" in form and "Borgeren ringede om kursus.</textarea>" in form
    response = client.post(
        reverse("web:journal_correct", args=[case.pk, original.pk]),
        {"kind": "phone", "text": "Borgeren ringede om jobsøgningskursus."},
    )
    assert response.status_code == 302
    correction = JournalEntry.objects.exclude(pk=original.pk).get(case=case)
    assert correction.corrects_id == original.pk
    assert JournalEntry.objects.get(pk=original.pk).text == "Borgeren ringede om kursus."  # untouched

    page = client.get(reverse("web:case", args=[case.pk])).text
    entries = page.split('id="entries-heading"', 1)[1]
    assert entries.index(f'id="entry-{correction.pk}"') < entries.index(f'id="entry-{original.pk}"')  # newest first
    shown = entries.split(f'id="entry-{correction.pk}"', 1)[1].split("</li>", 1)[0]
    beside = shown.split('data-testid="corrects"', 1)[1]
    assert "jobsøgningskursus" in shown.split('data-testid="corrects"', 1)[0]
    assert "Retter notat" in beside and "Borgeren ringede om kursus." in beside
    corrected = entries.split(f'id="entry-{original.pk}"', 1)[1].split("</li>", 1)[0]
    assert 'data-testid="corrected-by"' in corrected and f"#{correction.pk}" in corrected


def test_an_entry_of_another_case_cannot_be_corrected_here(client, office):
    mine, other = give_cases(office.anna, 2)
    entry = casework.journal_write(case=other, kind="note", text="Andet.", by=office.anna.user)
    client.force_login(office.anna.user)
    assert client.get(reverse("web:journal_correct", args=[mine.pk, entry.pk])).status_code == 404
    response = client.post(reverse("web:journal_correct", args=[mine.pk, entry.pk]), {"kind": "note", "text": "x"})
    assert response.status_code == 404
    assert JournalEntry.objects.count() == 1


@pytest.mark.parametrize("text", ["", "   ", "x" * 20_001])
def test_a_note_must_have_1_to_20000_characters(client, office, text):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.anna.user)
    response = client.post(reverse("web:journal_write", args=[case.pk]), {"kind": "note", "text": text})
    assert response.status_code == 400 and 'class="errorlist' in response.text
    assert not JournalEntry.objects.exists()


def test_the_form_starts_with_the_notes_starter_text(client, office):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.anna.user)
    page = client.get(reverse("web:case", args=[case.pk])).text
    assert "Notat.\nOm: \n</textarea>" in page
    assert 'hx-post="' + reverse("web:journal_write", args=[case.pk]) in page
    assert 'name="use_template"' in page  # the way without JavaScript


@pytest.mark.parametrize("htmx", [False, True], ids=["no-js", "htmx"])
def test_choosing_a_kind_gives_its_starter_text_without_writing_anything(client, office, htmx):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.anna.user)
    url = reverse("web:journal_write", args=[case.pk])
    headers = HTMX if htmx else {}
    response = client.post(url, {"kind": "decision", "text": "Notat.\nOm: \n", "use_template": "1"}, headers=headers)
    assert response.status_code == 200
    assert "Afgørelse.\nHvad blev afgjort: " in response.text and "Borgeren er vejledt om klageadgang" in response.text
    assert ("<html" in response.text) is not htmx
    # what the caseworker wrote themselves stays
    response = client.post(url, {"kind": "phone", "text": "Mit eget notat", "use_template": "1"}, headers=headers)
    assert "Mit eget notat</textarea>" in response.text and "Telefonsamtale med borgeren" not in response.text
    # an unknown kind is the note's
    response = client.post(url, {"kind": "gossip", "text": "", "use_template": "1"}, headers=headers)
    assert "Notat.\nOm: " in response.text
    assert not JournalEntry.objects.exists()


def test_journal_text_goes_into_no_log(client, office, caplog):
    (case,) = give_cases(office.anna, 1)
    client.force_login(office.anna.user)
    secret = "Fortroligt helbredsforhold 4711"
    with caplog.at_level("DEBUG"):
        client.post(reverse("web:journal_write", args=[case.pk]), {"kind": "note", "text": secret})
        client.post(reverse("web:journal_write", args=[case.pk]), {"kind": "bad", "text": secret})
        client.get(reverse("web:case", args=[case.pk]))
    assert JournalEntry.objects.filter(text=secret).exists()
    assert secret not in caplog.text


def test_the_case_page_logs_one_view_of_the_citizen(client, office):
    (case,) = give_cases(office.anna, 1)
    casework.journal_write(case=case, kind="note", text="Notat", by=office.anna.user)
    _book(case, timezone.now() + datetime.timedelta(days=1))
    client.force_login(office.leader)
    client.get(reverse("web:case", args=[case.pk]))
    views = CitizenAccess.objects.filter(user=office.leader, citizen_id=case.citizen_id, action="view")
    assert views.count() == 1


# --- My calendar and its feed --------------------------------------------------------------


def _monday(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


def test_my_calendar_shows_the_week_and_moves_between_weeks(client, office):
    this_case, next_case = give_cases(office.anna, 2)
    monday = _monday(_today())
    here = _book(this_case, _local(monday + datetime.timedelta(days=2), 9))
    there = _book(next_case, _local(monday + datetime.timedelta(days=9), 9))
    client.force_login(office.anna.user)
    this_week = client.get(reverse("web:calendar"))
    assert f'id="meeting-{here.pk}"' in this_week.text and f'id="meeting-{there.pk}"' not in this_week.text
    year, week, _ = (monday + datetime.timedelta(days=7)).isocalendar()
    next_link = f"?week={year}-W{week:02d}"
    assert f'href="{next_link}"' in this_week.text
    next_week = client.get(reverse("web:calendar") + next_link)
    assert f'id="meeting-{there.pk}"' in next_week.text and f'id="meeting-{here.pk}"' not in next_week.text
    assert f"Uge {week}, {year}" in next_week.text
    listed = CitizenAccess.objects.filter(user=office.anna.user, action="list", route="/calendar/")
    assert set(listed.values_list("citizen_id", flat=True)) == {this_case.citizen_id, next_case.citizen_id}


@pytest.mark.parametrize("week", ["2026-W54", "2026-W00", "x", "0000-W01", "9999-W52", "2026-W5"])
def test_a_bad_week_is_this_week(client, office, week):
    client.force_login(office.anna.user)
    response = client.get(reverse("web:calendar"), {"week": week})
    year, number, _ = _today().isocalendar()
    assert response.status_code == 200 and f"Uge {number}, {year}" in response.text


def _make_address(client) -> str:
    response = client.post(reverse("web:calendar_feed_new"))
    assert response.status_code == 200
    return re.search(r'id="feed-url"[^>]*value="([^"]+)"', response.text).group(1)


def test_the_address_is_shown_once_and_only_its_digest_is_kept(client, office):
    client.force_login(office.anna.user)
    url = _make_address(client)
    token = re.search(r"/calendar/feed/([A-Za-z0-9_-]+)\.ics$", url).group(1)
    assert len(token) >= 43
    feed = CalendarFeed.objects.get(user=office.anna.user)
    assert feed.digest == hashlib.sha256(token.encode()).hexdigest()
    again = client.get(reverse("web:calendar")).text
    assert token not in again and "Du lavede en adresse" in again


def _feed(client, url: str):
    return client.get(url.split("testserver", 1)[1])


def _names_and_numbers(citizen: Citizen) -> list[str]:
    """The name, its surname, and the CPR number in the ways it is written (its parts alone are
    digits that a timestamp may hold by chance)."""
    digits = citizen.cpr.replace("-", "")
    return [
        citizen.name,
        citizen.name.split()[-1] if len(citizen.name.split()[-1]) > 4 else citizen.name,
        citizen.cpr,
        digits,
        f"{digits[:6]} {digits[6:]}",
        f"{digits[:6]}+{digits[6:]}",
    ]


def test_the_feed_parses_and_carries_no_name_or_cpr(client, office):
    cases = give_cases(office.anna, 3)
    Citizen.objects.filter(pk=cases[0].citizen_id).update(name="Karoline Blixenstjerne")
    coming = _book(cases[0], timezone.now() + datetime.timedelta(days=2), location="Mødelokale 4", channel="video")
    cancelled = casework.meeting_cancel(meeting=_book(cases[1], timezone.now() + datetime.timedelta(days=3)))
    held = casework.meeting_held(meeting=_book(cases[2], timezone.now() - datetime.timedelta(days=10)))
    too_old = _book(cases[2], timezone.now() - datetime.timedelta(days=31), kind="other")
    too_far = _book(cases[1], timezone.now() + datetime.timedelta(days=181), kind="other")
    casework.journal_write(case=cases[0], kind="note", text="Journaltekst må ikke med", by=office.anna.user)
    client.force_login(office.anna.user)
    url = _make_address(client)
    client.logout()  # a calendar program has no session

    response = _feed(client, url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.content.decode()
    calendar = icalendar.Calendar.from_ical(response.content)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {f"meeting-{m.pk}@meetings.jobcenter-caseloads" for m in (coming, cancelled, held)}
    assert too_old.pk and too_far.pk  # outside the window: absent
    event = events[f"meeting-{coming.pk}@meetings.jobcenter-caseloads"]
    assert str(event["SUMMARY"]) == f"Jobsamtale, sag {cases[0].pk}"
    assert str(event["LOCATION"]) == "Mødelokale 4"
    assert event.decoded("DTSTART") == coming.starts_at.replace(microsecond=0)
    assert event.decoded("DTEND") == coming.ends_at.replace(microsecond=0)
    assert str(event["STATUS"]) == "CONFIRMED" and "Video" in str(event["DESCRIPTION"])
    assert str(events[f"meeting-{cancelled.pk}@meetings.jobcenter-caseloads"]["STATUS"]) == "CANCELLED"
    unfolded = body.replace("\r\n ", "")
    for case in cases:
        citizen = Citizen.objects.get(pk=case.citizen_id)
        for written in _names_and_numbers(citizen):
            assert written not in unfolded, written
    assert "Journaltekst" not in unfolded and "Anna" not in unfolded
    # the same UID on the next fetch: a calendar updates the event instead of adding one
    assert set(events) == {
        str(e["UID"]) for e in icalendar.Calendar.from_ical(_feed(client, url).content).walk("VEVENT")
    }
    assert CalendarFeed.objects.get(user=office.anna.user).last_used_at is not None


def test_the_feed_carries_only_meetings_of_cases_the_owner_still_sees(client, office):
    (case,) = give_cases(office.anna, 1)
    held = casework.meeting_held(meeting=_book(case, timezone.now() - datetime.timedelta(days=2)))
    services.case_reassign(case=case, caseworker=office.bo, by=office.leader)
    assert Meeting.objects.get(pk=held.pk).caseworker_id == office.anna.pk  # held meetings stay
    client.force_login(office.anna.user)
    url = _make_address(client)
    client.logout()
    assert not icalendar.Calendar.from_ical(_feed(client, url).content).walk("VEVENT")


def test_a_revoked_or_replaced_address_is_a_404(client, office):
    client.force_login(office.anna.user)
    first = _make_address(client)
    second = _make_address(client)  # a new address: the old one stops working
    assert _feed(client, first).status_code == 404
    assert _feed(client, second).status_code == 200
    response = client.post(reverse("web:calendar_feed_delete"))
    assert response.status_code == 302
    assert _feed(client, second).status_code == 404
    assert not CalendarFeed.objects.exists()
    assert "Du har ingen kalenderadresse" in _messages(client.post(reverse("web:calendar_feed_delete"), follow=True))


def test_the_feed_of_a_deactivated_login_is_a_404(client, office):
    client.force_login(office.anna.user)
    url = _make_address(client)
    type(office.anna.user).objects.filter(pk=office.anna.user.pk).update(is_active=False)
    assert _feed(client, url).status_code == 404


@pytest.mark.parametrize("token", ["x", "a" * 43, "é" * 43, "a" * 101, "../../etc"])
def test_any_other_address_is_a_404(client, office, token):
    assert client.get(f"/calendar/feed/{token}.ics").status_code == 404


@override_settings(CALENDAR_FEED_MISSES_PER_CLIENT="3/h")
def test_guessing_addresses_is_limited_but_the_owners_feed_is_not_counted(client, office):
    from django.core.cache import cache

    cache.clear()
    client.force_login(office.anna.user)
    url = _make_address(client)
    for _ in range(5):
        assert _feed(client, url).status_code == 200
    answers = [client.get(f"/calendar/feed/{'b' * 43}.ics").status_code for _ in range(5)]
    assert answers[:4] == [404] * 4 and answers[4] == 429
    cache.clear()


@override_settings(CALENDAR_FEED_RATE_PER_FEED="2/h")
def test_one_feed_polled_too_often_is_slowed_down(client, office):
    from django.core.cache import cache

    cache.clear()
    client.force_login(office.anna.user)
    url = _make_address(client)
    assert [_feed(client, url).status_code for _ in range(3)] == [200, 200, 429]
    cache.clear()


# --- My e-mail settings --------------------------------------------------------------------


def test_my_email_settings_are_saved(client, office):
    client.force_login(office.anna.user)
    page = client.get(reverse("web:email_settings")).text
    assert page.count('type="checkbox"') == 2 and page.count("checked") == 2
    assert '<label for="id_notify_new_cases">' in page
    response = client.post(reverse("web:email_settings"), {"meeting_reminders": "on"})
    assert response.status_code == 302
    office.anna.refresh_from_db()
    assert (office.anna.notify_new_cases, office.anna.meeting_reminders) == (False, True)
    assert "Dine e-mailindstillinger er gemt." in _messages(client.get(reverse("web:email_settings")))


def test_a_login_without_a_caseworker_record_has_no_calendar_or_settings(client, office):
    client.force_login(office.leader)
    for name in ("web:calendar", "web:email_settings", "web:caseload"):
        assert client.get(reverse(name)).status_code == 404
    assert client.post(reverse("web:calendar_feed_new")).status_code == 404
    assert not CalendarFeed.objects.exists()


# --- The team board ------------------------------------------------------------------------


def test_the_board_counts_overdue_contacts_per_caseworker_and_missed_first_conversations_in_the_queue(client, office):
    anna_cases = give_cases(office.anna, 3)
    _opened_days_ago(anna_cases[0], 10)
    _opened_days_ago(anna_cases[1], 8)
    for worker in (office.anna, office.bo, office.stranger):
        services.caseworker_update(caseworker=worker, accepting_new_cases=False)
    waiting = [open_case(team=office.team) for _ in range(3)]
    assert all(c.status == "queued" for c in waiting)
    _opened_days_ago(waiting[0], 9)
    client.force_login(office.leader)
    text = client.get(reverse("web:team", args=[office.team.pk])).text
    anna_row = text.split(f'id="caseworker-{office.anna.pk}"', 1)[1].split("</tr>", 1)[0]
    bo_row = text.split(f'id="caseworker-{office.bo.pk}"', 1)[1].split("</tr>", 1)[0]
    assert re.search(r'data-testid="contacts-overdue">.*?>2<', anna_row)
    assert 'data-testid="contacts-overdue">0<' in bo_row
    missed = text.split('data-testid="queue-missed-first-contact">', 1)[1].split("</p>", 1)[0]
    assert "1 ventende sag har allerede overskredet fristen for første samtale." in missed

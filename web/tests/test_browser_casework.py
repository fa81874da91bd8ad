"""The casework pages in a real browser (headless Chromium, as test_browser.py): a caseworker's
and a leader's day with meetings, the contact plan, the journal and the calendar feed."""

from __future__ import annotations

import datetime
import re
import urllib.error
import urllib.request

import icalendar
import pytest
from django.utils import timezone

from casework import services as casework
from casework.models import JournalEntry, Meeting, MeetingStatus

from .conftest import give_cases
from .test_browser import _log_in, _shot
from .test_browser import chromium_browser as chromium_browser  # noqa: F401  (fixture)
from .test_browser import danish_page as danish_page  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)


def _book_held_meeting_and_see_the_plan_move(page, expect) -> None:
    """On a case page: book a job interview yesterday at 10:00, mark it held, see the plan move."""
    expect(page.get_by_test_id("held-count")).to_have_text("0")
    due_before = page.get_by_test_id("next-due").inner_text()
    form = page.locator("#book")
    form.get_by_label("Dato").fill(_yesterday().isoformat())
    form.get_by_label("Tid").fill("10:00")
    form.get_by_label("Varighed (minutter)").fill("30")
    form.get_by_label("Mødets art").select_option(label="Jobsamtale")
    form.get_by_label("Kanal").select_option(label="Telefon")
    form.get_by_role("button", name="Book mødet").click()
    expect(page.locator("#messages")).to_contain_text("Mødet er booket")
    row = page.locator("#meetings-table tbody tr").first
    expect(row).to_contain_text("Planlagt")
    row.get_by_role("button", name=re.compile("^Afholdt")).click()
    expect(page.locator("#messages")).to_contain_text("Mødet er registreret som afholdt.")
    expect(page.locator("#meetings-table tbody tr").first).to_contain_text("Afholdt")
    expect(page.get_by_test_id("held-count")).to_have_text("1")
    expect(page.get_by_test_id("next-due")).not_to_have_text(due_before)


def _write_and_correct_a_note(page, expect) -> None:
    journal = page.locator("#journal")
    kind = journal.get_by_label("Notatets art")
    text = journal.get_by_label("Tekst")
    expect(text).to_have_value(re.compile("^Notat\\."))
    # choosing the kind brings its starter text, without a reload
    page.evaluate("window.__stillTheSamePage = true")
    kind.select_option(label="Telefonsamtale")
    expect(text).to_have_value(re.compile("^Telefonsamtale med borgeren\\."))
    assert page.evaluate("window.__stillTheSamePage") is True
    text.fill("Telefonsamtale med borgeren.\nOm: kursus i marts.")
    journal.get_by_role("button", name="Tilføj til journalen").click()
    expect(page.locator("#messages")).to_contain_text("Notatet er tilføjet journalen.")
    entries = page.get_by_test_id("journal-entry")
    expect(entries).to_have_count(1)
    expect(entries.first).to_contain_text("kursus i marts")

    entries.first.get_by_role("link", name=re.compile("^Ret dette notat")).click()
    expect(journal.get_by_role("heading", name=re.compile("^Ret notat"))).to_be_visible()
    expect(text).to_have_value(re.compile("kursus i marts"))
    text.fill("Telefonsamtale med borgeren.\nOm: kursus i april (ikke marts).")
    journal.get_by_role("button", name="Tilføj rettelsen").click()
    expect(page.locator("#messages")).to_contain_text("Rettelsen er tilføjet journalen.")
    expect(entries).to_have_count(2)
    newest = entries.first
    expect(newest).to_contain_text("kursus i april")
    expect(newest.get_by_test_id("corrects")).to_contain_text("kursus i marts")  # beside what it corrects
    expect(entries.nth(1).get_by_test_id("corrected-by")).to_be_visible()


def test_a_caseworkers_day_meetings_journal_and_calendar(danish_page, live_server, office):
    from playwright.sync_api import expect

    overdue, other = give_cases(office.anna, 2)
    type(overdue).objects.filter(pk=overdue.pk).update(opened_at=timezone.now() - datetime.timedelta(days=12))
    tonight = timezone.make_aware(datetime.datetime.combine(timezone.localdate(), datetime.time(23, 0)))
    casework.meeting_book(case=other, starts_at=tonight, kind="other", channel="video")
    page = danish_page
    _log_in(page, live_server, "anna")

    # my day: today's meeting, the overdue conversation, the caseload
    expect(page.get_by_role("heading", level=1)).to_have_text("Min dag")
    expect(page.locator("#today-meetings")).to_contain_text(other.citizen.name)
    expect(page.locator("#overdue-cases")).to_contain_text(overdue.citizen.name)
    expect(page.get_by_test_id("caseload-figure")).to_contain_text("2 / 45")
    _shot(page, "caseworker-my-day")

    # the case page from the overdue list
    page.locator("#overdue-cases").get_by_role("link", name=overdue.citizen.name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(overdue.citizen.name)
    expect(page.get_by_test_id("contact-status")).to_have_text("Over fristen")
    _book_held_meeting_and_see_the_plan_move(page, expect)
    expect(page.get_by_test_id("contact-status")).not_to_have_text("Over fristen")
    _write_and_correct_a_note(page, expect)
    _shot(page, "caseworker-case-casework")
    assert Meeting.objects.get(case=overdue).status == MeetingStatus.HELD
    assert JournalEntry.objects.filter(case=overdue, corrects__isnull=False).count() == 1

    # my calendar, and its secret address
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Min kalender").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Min kalender")
    page.get_by_role("button", name="Lav en adresse").click()
    address = page.get_by_label(re.compile("^Din kalenderadresse"))
    expect(address).to_have_value(re.compile(r"/calendar/feed/[A-Za-z0-9_-]+\.ics$"))
    expect(page.get_by_role("button", name="Kopiér")).to_be_visible()  # copy.js shows it
    url = address.input_value()
    _shot(page, "caseworker-calendar")
    with urllib.request.urlopen(url) as answer:  # a calendar program: no session, no cookies
        assert answer.headers["Content-Type"].startswith("text/calendar")
        body = answer.read()
    events = icalendar.Calendar.from_ical(body).walk("VEVENT")
    assert {str(e["SUMMARY"]) for e in events} >= {f"Anden samtale, sag {other.pk}", f"Jobsamtale, sag {overdue.pk}"}
    assert overdue.citizen.name.encode() not in body and other.citizen.name.encode() not in body
    page.get_by_role("button", name="Tilbagekald adressen").click()
    expect(page.locator("#messages")).to_contain_text("Kalenderadressen er tilbagekaldt")
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(url)
    assert gone.value.code == 404


def test_a_leader_books_marks_and_corrects_on_a_case_of_their_team(danish_page, live_server, office):
    from playwright.sync_api import expect

    (case,) = give_cases(office.anna, 1)
    type(case).objects.filter(pk=case.pk).update(opened_at=timezone.now() - datetime.timedelta(days=10))
    page = danish_page
    _log_in(page, live_server, "leader")
    expect(page.get_by_role("heading", level=1)).to_have_text("Team Nord")
    anna_row = page.locator(f"#caseworker-{office.anna.pk}")
    expect(anna_row.get_by_test_id("contacts-overdue")).to_have_text("1")
    _shot(page, "leader-board-contacts")

    page.goto(f"{live_server.url}/cases/{case.pk}/")
    _book_held_meeting_and_see_the_plan_move(page, expect)
    _write_and_correct_a_note(page, expect)
    meeting = Meeting.objects.get(case=case)
    assert meeting.caseworker_id == office.anna.pk and meeting.status_changed_by_id == office.leader.pk
    assert set(JournalEntry.objects.filter(case=case).values_list("written_by_id", flat=True)) == {office.leader.pk}

    page.goto(f"{live_server.url}/teams/{office.team.pk}/")
    expect(anna_row.get_by_test_id("contacts-overdue")).to_have_text("0")

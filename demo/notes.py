"""The demo's journal: short Danish notes of each kind around a case's meetings, reproducible
from a seed. Synthetic throughout: no note names a person, and none is about a real one.

A case opens with a decision (visitation) and, when closed, ends with one; a summons
(indkaldelse) goes out by letter before many meetings; a held meeting gets its note, a
no-show or a cancellation gets one too, and now and then the citizen phones in between. A
few notes are corrected by a later one that points back (the journal is append-only).
Nothing here touches the database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.utils import timezone

from cases.models import Outcome, TargetGroup
from casework.models import Channel, JournalKind, MeetingKind, MeetingStatus
from staff.models import UnitType

from .contacts import MeetingSpec

SUMMONS_SHARE = 0.3  # of the meetings not held by phone
PHONE_CALL_SHARE = 0.12  # after a held meeting
CORRECTION_SHARE = 0.04  # of the meeting notes
DECISION_WITHIN_MINUTES = 240  # of the case coming to its caseworker

TARGET_GROUP = {TargetGroup.JOBPARAT: "jobparat", TargetGroup.AKTIVITETSPARAT: "aktivitetsparat"}
PROGRAMME = {
    UnitType.STANDARD: "Borger følges i kontanthjælpsenheden.",
    UnitType.FLERE_SKAL_MED: "Borger er omfattet af Flere skal med og har fast koordinerende sagsbehandler.",
    UnitType.PSYCHIATRIC: (
        "Borger følges i enheden for borgere med psykiske lidelser; samarbejde med behandlingspsykiatrien."
    ),
    UnitType.TRIAL: "Borger er tilknyttet Forsøgsafdelingen Lærkevej med tættere kontakt.",
}
OUTCOME = {
    Outcome.JOB: "borger er startet i ordinært job",
    Outcome.EDUCATION: "borger er startet på uddannelse",
    Outcome.EARLY_RETIREMENT: "borger er tilkendt førtidspension",
    Outcome.RESOURCE_COURSE: "borger er overgået til ressourceforløb",
    Outcome.FLEX_JOB: "borger er ansat i fleksjob",
    Outcome.MOVED: "borger er fraflyttet kommunen",
    Outcome.OTHER: "sagen er afsluttet af anden grund",
}
CHANNEL = {Channel.IN_PERSON: "ved personligt fremmøde", Channel.PHONE: "telefonisk", Channel.VIDEO: "som videomøde"}
TOPICS = [
    "jobsøgning og ansøgninger siden sidst",
    "hvad borger kan holde til helbredsmæssigt",
    "ønsker om uddannelse",
    "mulighed for virksomhedspraktik",
    "borgers CV og jobprofil på Jobnet",
    "løntilskud som vej ind på arbejdsmarkedet",
    "hverdagen, trivsel og netværk",
    "danskundervisning ved siden af jobsøgningen",
    "økonomi og boligsituation",
    "forløbet med mentor",
]
TOPICS_BY_PROGRAMME = {
    UnitType.PSYCHIATRIC: ["samarbejdet med behandlingspsykiatrien", "medicin, søvn og struktur i hverdagen"],
    UnitType.FLERE_SKAL_MED: ["de mange år på kontanthjælp og hvad der skal til nu", "små skridt mod arbejdsmarkedet"],
}
AGREEMENTS = [
    "borger søger mindst to job om ugen og tager listen med næste gang",
    "jobcentret kontakter en virksomhed om praktik",
    "borger taler med egen læge inden næste samtale",
    "borger opdaterer sit CV på Jobnet",
    "mentor kontaktes om et fast ugentligt møde",
    "borger deltager i jobcaféen på torsdag",
    "vi undersøger, om et ressourceforløb er relevant",
    "borger fortsætter i praktikken, og vi følger op med virksomheden",
    "lægeattest indhentes med borgers samtykke",
]
NEXT = [
    "Næste samtale om ca. {weeks} uger.",
    "Næste samtale er aftalt om {weeks} uger.",
    "Vi ses igen om {weeks} uger.",
]
NETWORK = [
    "Netværksmøde med borger og mentor. Aftalt: {agreement}.",
    "Rundbordssamtale med borger, behandler og jobcentret om forløbet. Aftalt: {agreement}.",
    "Møde hos praktikvirksomheden med borger og kontaktperson. Praktikken fortsætter.",
]
NO_SHOW = [
    "Borger udeblev fra jobsamtalen {day}. Forsøgt kontakt telefonisk uden svar. Ny indkaldelse sendt.",
    "Borger mødte ikke op til samtalen {day}. Partshøring om udeblivelse sendt via Digital Post.",
    "Udeblivelse fra jobsamtale {day}. Borger ringede senere og oplyste at have glemt tiden. Ny tid aftalt.",
]
CANCELLED = [
    (JournalKind.PHONE, "Borger meldte afbud til samtalen {day} på grund af sygdom. Ny tid aftales."),
    (JournalKind.NOTE, "Samtalen {day} aflyst, da sagsbehandler er på kursus. Borger er orienteret, og ny tid sendes."),
    (JournalKind.PHONE, "Borger ringede og flyttede samtalen {day} på grund af lægetid."),
]
PHONE = [
    "Borger ringede om sin indkaldelse. Spørgsmålet er besvaret.",
    "Borger ringede om praktikken. Det går godt; vi følger op ved næste samtale.",
    "Telefonisk opfølgning: borger har søgt tre job siden sidst.",
    "Borger ringede om sin ydelse og er henvist til Ydelsesservice.",
    "Borger ringede og spurgte til næste samtale. Tidspunktet er bekræftet.",
]
SUMMONS = "Indkaldelse til {what} {day} kl. {clock} sendt via Digital Post."
CORRECTIONS = [
    "Rettelse til notat af {day}: samtalen foregik telefonisk, ikke ved fremmøde.",
    "Rettelse til notat af {day}: aftalen om praktik gælder en anden virksomhed end anført.",
    "Rettelse til notat af {day}: næste samtale er om fire uger, ikke som anført.",
    "Rettelse til notat af {day}: borger har søgt fem job, ikke tre.",
]


@dataclass(frozen=True)
class NoteSpec:
    kind: str
    text: str
    written_at: datetime
    corrects: int | None = None  # position of the corrected note in the same list


@dataclass(frozen=True)
class CaseStory:
    programme: str
    target_group: str
    outcome: str
    assigned_at: datetime
    closed_at: datetime | None


def journal_notes(
    story: CaseStory, meetings: list[MeetingSpec], *, rng: random.Random, now: datetime
) -> list[NoteSpec]:
    """The case's notes, oldest first; none written after `now`."""
    opening = NoteSpec(
        JournalKind.DECISION,
        f"Borger er visiteret som {TARGET_GROUP.get(story.target_group, story.target_group)}. "
        f"{PROGRAMME.get(story.programme, '')} Kontaktforløbet er startet.",
        _shift(story.assigned_at, minutes=rng.randint(20, DECISION_WITHIN_MINUTES)),
    )
    notes = []
    for i, meeting in enumerate(meetings):
        following = (m for m in meetings[i + 1 :] if m.kind == MeetingKind.JOBSAMTALE)
        notes += _around(meeting, following=next(following, None), story=story, rng=rng)
    if story.closed_at is not None and story.outcome:
        notes.append(NoteSpec(JournalKind.DECISION, f"Sagen er afsluttet: {OUTCOME[story.outcome]}.", story.closed_at))
    # The opening decision comes first; nothing is written before it, or after `now`.
    later = sorted((n for n in notes if opening.written_at < n.written_at < now), key=lambda n: n.written_at)
    notes = [opening, *later] if opening.written_at < now else []
    corrections = []
    for i, note in enumerate(notes):
        if note.kind == JournalKind.MEETING and rng.random() < CORRECTION_SHARE:
            when = _shift(note.written_at, hours=rng.randint(1, 48))
            if when < now:
                text = rng.choice(CORRECTIONS).format(day=_day(note.written_at))
                corrections.append(NoteSpec(note.kind, text, when, corrects=i))
    return notes + corrections


def _around(
    meeting: MeetingSpec, *, following: MeetingSpec | None, story: CaseStory, rng: random.Random
) -> list[NoteSpec]:
    notes = []
    what = "jobsamtale" if meeting.kind == MeetingKind.JOBSAMTALE else "møde"
    day = _day(meeting.starts_at)
    if meeting.channel != Channel.PHONE and meeting.status != MeetingStatus.CANCELLED and rng.random() < SUMMONS_SHARE:
        # Sent about a week ahead, and never before the case's opening decision.
        sent = max(
            _shift(meeting.starts_at, days=-rng.randint(4, 10), hours=-rng.randint(0, 3)),
            _shift(story.assigned_at, minutes=DECISION_WITHIN_MINUTES + rng.randint(10, 60)),
        )
        if sent < meeting.starts_at:
            text = SUMMONS.format(what=what, day=day, clock=f"{meeting.starts_at:%H.%M}")
            notes.append(NoteSpec(JournalKind.LETTER, text, sent))
    after = _shift(meeting.ends_at, minutes=rng.randint(5, 120))
    if meeting.status == MeetingStatus.HELD and meeting.kind == MeetingKind.OTHER:
        notes.append(NoteSpec(JournalKind.MEETING, rng.choice(NETWORK).format(agreement=rng.choice(AGREEMENTS)), after))
    elif meeting.status == MeetingStatus.HELD:
        topic = rng.choice(TOPICS + TOPICS_BY_PROGRAMME.get(story.programme, []))
        weeks = round((following.starts_at - meeting.starts_at).days / 7) if following else 0
        then = rng.choice(NEXT).format(weeks=weeks) if weeks > 1 else "Næste samtale aftales senere."
        agreed = rng.choice(AGREEMENTS)
        text = f"Jobsamtale afholdt {CHANNEL[meeting.channel]}. Vi talte om {topic}. Aftalt: {agreed}. {then}"
        notes.append(NoteSpec(JournalKind.MEETING, text, after))
        if rng.random() < PHONE_CALL_SHARE:
            notes.append(NoteSpec(JournalKind.PHONE, rng.choice(PHONE), _shift(after, days=rng.randint(2, 10))))
    elif meeting.status == MeetingStatus.NO_SHOW:
        notes.append(NoteSpec(JournalKind.NOTE, rng.choice(NO_SHOW).format(day=day), after))
    elif meeting.status == MeetingStatus.CANCELLED:
        kind, text = rng.choice(CANCELLED)
        notes.append(NoteSpec(kind, text.format(day=day), _shift(meeting.starts_at, hours=-rng.randint(2, 40))))
    return notes


def _shift(moment: datetime, **delta: int) -> datetime:
    """`moment` moved by elapsed time, in UTC. Arithmetic on (and comparison of) datetimes
    in one zone is wall-clock arithmetic: 02.13 on the night summer time ends, plus 20
    minutes, would be read as summer time and land 40 minutes *before* it. UTC has no such
    night; the texts show local days (`_day`)."""
    return moment.astimezone(UTC) + timedelta(**delta)


def _day(moment: datetime) -> str:
    moment = timezone.localtime(moment)
    return f"{moment.day}.{moment.month}.{moment.year}"

"""Why a row is refused, and the notes a row may carry: codes stored with the run, worded
when shown, so that the administrator reads them in their own language whatever the
language of the worker that ran the import."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

CREATE, UPDATE, UNCHANGED, REFUSE = "create", "update", "unchanged", "refuse"
ACTIONS = {
    CREATE: _("would be created"),
    UPDATE: _("would be changed"),
    UNCHANGED: _("unchanged"),
    REFUSE: _("refused"),
}

TEXTS = {
    # refusals
    "required": _("The column %(column)s is empty."),
    "cpr_format": _("Enter a CPR number as DDMMYY-SSSS or DDMMYYSSSS."),
    "cpr_date": _("The CPR number does not start with a real date."),
    "cpr_future": _("The CPR number's birth date lies in the future."),
    "duplicate_in_file": _("The same %(what)s appears earlier in the file (row %(row)s)."),
    "bad_municipality": _("The municipality code must be three digits."),
    "unknown_jobcenter": _("No jobcenter has the municipality code %(code)s."),
    "bad_choice": _("%(value)s is not a valid %(column)s; use one of: %(choices)s."),
    "bad_fte": _("The FTE must be a number above 0 and at most 1."),
    "bad_email": _("The e-mail address is not valid."),
    "bad_username": _("The username %(username)s is not valid (letters, digits and @.+-_ only, at most 150)."),
    "login_not_caseworker": _("A login named %(username)s exists but is not a caseworker."),
    "team_other_unit": _("The team %(team)s exists with another unit type (%(unit)s)."),
    "unknown_team": _("No team %(team)s in the jobcenter %(code)s."),
    "unknown_caseworker": _("No caseworker has the username %(username)s."),
    "caseworker_other_jobcenter": _("%(username)s works in another jobcenter."),
    "caseworker_other_programme": _("%(username)s's unit does not take the programme %(programme)s."),
    "citizen_other_jobcenter": _("The citizen is registered in another jobcenter."),
    "other_open_case": _(
        "The citizen already has a case that is not closed, with other data; change it in the system."
    ),
    "bad_date": _("%(value)s is not a date (YYYY-MM-DD)."),
    "future_date": _("The date %(value)s lies in the future."),
    "service": _("Refused by the system: %(text)s"),
    "bad_datetime": _("%(value)s is not a local date and time (YYYY-MM-DD HH:MM)."),
    "bad_minutes": _("The length must be a whole number of minutes from %(min)s to %(max)s."),
    "planned_in_the_past": _(
        "A booked meeting must lie ahead; record one that has passed as held, no_show or cancelled."
    ),
    "held_in_the_future": _("A meeting that lies ahead cannot have been held or missed yet."),
    "unknown_citizen": _("No citizen has this CPR number here; import the caseload first."),
    "no_open_case": _("The citizen has no open case with a caseworker."),
    "before_case_opened": _("The meeting lies before the case opened (%(opened)s)."),
    "other_meeting_same_time": _(
        "The case already has a meeting at that time, with other data; change it in the system."
    ),
    "caseworker_booked": _("%(name)s already has a meeting booked at that time."),
    # notes
    "over_cap": _("%(name)s would be over cap: load %(load)s of cap %(cap)s."),
    "name_changed": _("The citizen's name changes."),
    "leader_added": _("%(username)s becomes a leader of %(team)s."),
}


@dataclass
class RowOutcome:
    row: int
    subject: str
    action: str = UNCHANGED
    reasons: list[tuple[str, dict]] = field(default_factory=list)
    notes: list[tuple[str, dict]] = field(default_factory=list)

    def refuse(self, reason: str, /, **params) -> RowOutcome:
        self.action = REFUSE
        self.reasons.append((reason, params))
        return self

    def note(self, note: str, /, **params) -> None:
        self.notes.append((note, params))

    def mark(self, action: str) -> None:
        """Raise the row's action: created beats changed beats unchanged."""
        order = [UNCHANGED, UPDATE, CREATE]
        if self.action != REFUSE and order.index(action) > order.index(self.action):
            self.action = action

    @property
    def refused(self) -> bool:
        return self.action == REFUSE

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "subject": self.subject,
            "action": self.action,
            "reasons": [[c, p] for c, p in self.reasons],
            "notes": [[c, p] for c, p in self.notes],
        }


def worded(entries) -> list[str]:
    """The stored reasons or notes, in the active language."""
    texts = []
    for code, params in entries:
        template = str(TEXTS.get(code, code))
        try:
            texts.append(template % params if params else template)
        except (KeyError, ValueError, TypeError):
            texts.append(template)
    return texts

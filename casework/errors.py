"""Casework's application errors: conflicts with the state of a case or a meeting (409),
and the few about one input (400)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class CaseworkError(ApplicationError):
    code = "conflict"


class MeetingCaseNotOpen(CaseworkError):
    code = "case_not_open"
    default_message = _("Meetings can be booked only on an open case.")


class MeetingOverlaps(CaseworkError):
    code = "double_booked"
    default_message = _("%(name)s already has a meeting from %(starts)s to %(ends)s.")


class MeetingNotPlanned(CaseworkError):
    code = "meeting_not_planned"
    default_message = _("Only a planned meeting can change status; this one is %(status)s.")


class MeetingNotStarted(CaseworkError):
    code = "meeting_not_started"
    default_message = _("A meeting that has not started yet cannot be marked as held or as a no-show.")


class CorrectsAnotherCase(CaseworkError):
    code = "invalid"
    field = "corrects"
    default_message = _("A correction must name an entry of the same case.")


class JournalAppendOnly(CaseworkError):
    code = "append_only"
    default_message = _("The journal is append-only: correct an entry with a new entry that points back to it.")

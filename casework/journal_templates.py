"""The starter text of each kind of journal entry: headings the caseworker fills in, so that
a note says what notatpligt asks of it (who, what, what was agreed) without a blank page.

A template is only ever a suggestion in the form: nothing is stored until the caseworker
writes the entry, and what is stored is what they wrote.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from .models import JournalKind

TEMPLATES = {
    JournalKind.MEETING: _(
        "Conversation with the citizen.\nPresent: \nPurpose: \nThe citizen's situation: \nAgreed: \nNext step: "
    ),
    JournalKind.PHONE: _("Phone call with the citizen.\nWho called: \nAbout: \nAgreed: "),
    JournalKind.LETTER: _("Letter to the citizen.\nSent: \nAbout: \nAnswer expected by: "),
    JournalKind.NOTE: _("Note.\nAbout: \n"),
    JournalKind.DECISION: _(
        "Decision.\nWhat was decided: \nLegal basis: \nReasons: \nThe citizen was told how to appeal: "
    ),
}


def journal_template(kind: str) -> str:
    """The starter text of `kind` in the active language ("" for an unknown kind)."""
    template = TEMPLATES.get(kind)
    return str(template) if template is not None else ""


def journal_text_for_kind(*, text: str, kind: str) -> str:
    """The form's text after the caseworker chose `kind`: the kind's template while the text is
    empty or still a template untouched (in the active language); what they wrote otherwise."""
    untouched = {journal_template(k).strip() for k in TEMPLATES}
    if not (text or "").strip() or (text or "").strip() in untouched:
        return journal_template(kind)
    return text

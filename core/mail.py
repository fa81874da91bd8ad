"""E-mail from the background: rendered in every language, sent one by one, linking back.

Nobody has a language preference on record, and a mail must never be unreadable, so a body
is the template once per language of LANGUAGES, Danish first; the subject is in the default
language. A message refused by the mail server is logged and left for the next run: the
callers mark what they sent, and only that.

What goes into these mails is the callers' responsibility, and the rule is the same for all
of them: never a citizen's name or CPR number, never journal text. Case numbers and links
to the case page, which only someone who may see the case can open, are what they carry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

logger = logging.getLogger(__name__)

LANGUAGE_SEPARATOR = "\n\n— — —\n\n"


def render_every_language(template: str, context: dict, *, per_language: Callable[[], dict] | None = None) -> str:
    """The template once per language, Danish first; `per_language()` adds to the context
    what must be rendered in the active language (labels, sentences, dates)."""
    parts = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            extra = per_language() if per_language is not None else {}
            parts.append(render_to_string(template, {**context, **extra}).strip())
    return LANGUAGE_SEPARATOR.join(parts) + "\n"


def subject_default_language(template: str, context: dict) -> str:
    """A subject line in the default language (Danish), on one line."""
    with translation.override(settings.LANGUAGE_CODE):
        return " ".join(render_to_string(template, context).split())


def message_plain(*, subject: str, body: str, to: list[str]) -> EmailMessage:
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)


def send_each(messages: Iterable[tuple[Hashable, EmailMessage]], *, what: str) -> list:
    """Send one by one so that one refused message does not hold back the others; returns
    the keys of those sent. `what` names the mail in the log (never its content)."""
    sent = []
    with get_connection() as mail:
        for key, message in messages:
            try:
                mail.send_messages([message])
            except Exception:  # the mail server's errors are many; each is logged and retried next run
                logger.exception("Could not send %s (%s); will try again next run", what, key)
            else:
                sent.append(key)
    return sent


def absolute_url(view_name: str, *args) -> str:
    """The address of a page for a link in a mail: SITE_URL and the page's path."""
    return settings.SITE_URL.rstrip("/") + reverse(view_name, args=args)

"""The new-cases digest: a caseworker is told by e-mail when cases come to them, once per
batch — one message for a rebalance that moves five cases to them, not five.

The record is the assignment itself: a `CaseAssignment` without `notified_at` is one its
caseworker has not been told of. Every allocation operation that assigns (intake, the queue
drain, reassignment, rebalancing) calls `after_commit()` once, at its end, after all its
transactions; the task then claims every untold assignment, groups them per caseworker and
sends each one message. A caseworker who chose no such e-mail (`notify_new_cases`), or has
no address, is marked as told all the same: the "new to you" list on their day shows the
cases either way. Assignments that already ended (the case moved on or closed before the
mail went) are marked and left out.

The claim, the message and `notified_at` share one short transaction per caseworker, with
the claimed rows locked (SKIP LOCKED): two workers never both tell, and a move of one of
those cases waits at most for one message to be sent (EMAIL_TIMEOUT bounds it). A message
the mail server refuses leaves its rows untold for the next run.

The periodic sweep (beat, every NEW_CASES_SWEEP_SECONDS) is the same task for what a lost
message or a dead broker missed; it leaves alone what was assigned in the last
NEW_CASES_SETTLE_SECONDS, so that it never splits a batch whose own task is on its way.

What the mail says: case numbers, programme, why the case came (the assignment's reason)
and a link to the case page. Never the citizen's name or CPR number, and never the note of
a reassignment (free text, which may name the citizen).
"""

from __future__ import annotations

import datetime

from celery import shared_task
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.db import claimable
from core.mail import absolute_url, message_plain, render_every_language, send_each, subject_default_language
from core.reliability import RELIABLE
from staff.models import Caseworker

from . import broker
from .models import AssignmentReason, CaseAssignment

# An assignment older than this when the digest first sees it (the mail server was down for
# days, or rows came from an import) is no news any more: it is marked without a mail.
NEWS_FOR = datetime.timedelta(days=2)


@shared_task(name="allocation.notify_new_cases", **RELIABLE)
def notify_new_cases(settled_seconds: int = 0) -> int:
    """Tell caseworkers of the cases that came to them; with `settled_seconds`, only of those
    assigned at least that long ago (the periodic sweep). Returns the e-mails sent."""
    return new_cases_notify(settled_for=datetime.timedelta(seconds=settled_seconds))


def after_commit() -> None:
    """Send the digest once the current change commits (at once outside a transaction)."""
    transaction.on_commit(enqueue)


def enqueue() -> bool:
    """A lost message only delays the digest until the next sweep."""
    return broker.publish(notify_new_cases, kwargs={}, what="the new-cases digest")


# --- The digest --------------------------------------------------------------------------


def new_cases_notify(*, now: datetime.datetime | None = None, settled_for: datetime.timedelta | None = None) -> int:
    """Claim the untold assignments, one caseworker at a time, and send each caseworker one
    e-mail listing their new cases. Returns the number of e-mails sent."""
    now = now or timezone.now()
    untold = CaseAssignment.objects.filter(notified_at__isnull=True)
    if settled_for:
        untold = untold.filter(assigned_at__lte=now - settled_for)
    caseworker_ids = list(untold.order_by("caseworker_id").values_list("caseworker_id", flat=True).distinct())
    if not caseworker_ids:
        return 0
    recipients = _recipients(caseworker_ids)
    sent = 0
    for caseworker_id in caseworker_ids:
        sent += _tell(
            untold=untold.filter(caseworker_id=caseworker_id),
            recipient=recipients.get(caseworker_id),
            now=now,
        )
    return sent


def _recipients(caseworker_ids: list[int]) -> dict[int, tuple[str, str]]:
    """(address, name) of those who want the digest and can receive it."""
    rows = (
        Caseworker.objects.filter(pk__in=caseworker_ids, notify_new_cases=True, user__is_active=True)
        .exclude(user__email="")
        .values_list("pk", "user__email", "full_name")
    )
    return {pk: (email, name) for pk, email, name in rows}


def _tell(*, untold, recipient: tuple[str, str] | None, now: datetime.datetime) -> int:
    with transaction.atomic():
        claimed = list(claimable(untold).select_related("case").order_by("assigned_at", "id"))
        news = [a for a in claimed if a.ended_at is None and a.assigned_at > now - NEWS_FOR]
        sent = 0
        if news and recipient is not None:
            address, name = recipient
            message = new_cases_email(assignments=news, to=address, name=name)
            if not send_each([(news[0].caseworker_id, message)], what="the new-cases digest"):
                return 0  # refused: the rows stay untold, for the next run
            sent = 1
        CaseAssignment.objects.filter(pk__in=[a.pk for a in claimed]).update(notified_at=now, updated_at=now)
    return sent


def new_cases_email(*, assignments: list[CaseAssignment], to: str, name: str) -> EmailMessage:
    context = {"name": name, "count": len(assignments)}

    def per_language() -> dict:
        return {
            "items": [
                {
                    "number": a.case_id,
                    "programme": a.case.get_programme_display(),
                    "reason": _reason_label(a.reason),
                    "url": absolute_url("web:case", a.case_id),
                }
                for a in assignments
            ]
        }

    subject = subject_default_language("emails/new_cases_subject.txt", context)
    body = render_every_language("emails/new_cases.txt", context, per_language=per_language)
    return message_plain(subject=subject, body=body, to=[to])


def _reason_label(reason: str) -> str:
    return str(AssignmentReason(reason).label) if reason in AssignmentReason.values else gettext("Assigned")

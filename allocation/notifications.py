"""E-mail to team leaders: once when an alert opens, and a daily reminder while it stays open.

The text is in every language of LANGUAGES (Danish first, then English), because a leader
has no language preference on record and an alert must never be unreadable.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from staff.models import Team, UnitType

from .models import Alert, AlertKind

logger = logging.getLogger(__name__)

# Alerts claimed per transaction: bounds how long the claimed rows stay locked while the
# mail server is talked to.
CLAIM_BATCH = 100
# A reminder goes out at most this often per alert, so that a daily schedule that fires
# a little early or twice in one day never sends two.
REMIND_EVERY = datetime.timedelta(hours=20)


def alert_message(*, kind: str, details: dict) -> str:
    """The alert as a sentence in the active language, from its details alone.

    The stored `Alert.message` is this in the default language; an e-mail or a page in
    another language renders it again from the details. An alert whose details lack a
    figure (written by hand in admin, or by an older version) falls back to its kind's
    name rather than failing the request or the task that renders it.
    """
    try:
        return _alert_sentence(kind=kind, details=details)
    except (KeyError, TypeError, ValueError):
        return str(AlertKind(kind).label) if kind in AlertKind.values else gettext("Caseload alert")


def _alert_sentence(*, kind: str, details: dict) -> str:
    if kind == AlertKind.CASEWORKER_OVER_CAP:
        return (
            ngettext(
                "%(caseworker_name)s has %(open_cases)d open case against a cap of %(cap)d (%(over_by)d too many).",
                "%(caseworker_name)s has %(open_cases)d open cases against a cap of %(cap)d (%(over_by)d too many).",
                details["open_cases"],
            )
            % details
        )
    if kind == AlertKind.TEAM_OVER_CAPACITY:
        return (
            ngettext(
                "Team %(team)s has %(open_cases)d open case; its capacity is %(capacity)d (%(over_by)d too many).",
                "Team %(team)s has %(open_cases)d open cases; its capacity is %(capacity)d (%(over_by)d too many).",
                details["open_cases"],
            )
            % details
        )
    if kind == AlertKind.QUEUE_WAITING:
        values = {**details, "programme": str(UnitType(details["programme"]).label)}
        return (
            ngettext(
                "%(waiting)d case in %(programme)s has waited in the queue for more than %(threshold_hours)d hours "
                "(the oldest for %(oldest_hours)d hours).",
                "%(waiting)d cases in %(programme)s have waited in the queue for more than %(threshold_hours)d hours "
                "(the oldest for %(oldest_hours)d hours).",
                details["waiting"],
            )
            % values
        )
    return gettext("Caseload alert")


def _claimable(queryset):
    """Lock the rows; a second worker skips them rather than waiting and sending again."""
    features = connection.features
    if not features.has_select_for_update:
        return queryset  # SQLite: transactions begin IMMEDIATE and already serialise
    return queryset.select_for_update(
        skip_locked=features.has_select_for_update_skip_locked,
        of=("self",) if features.has_select_for_update_of else (),
    )


def leader_addresses(*, team_ids) -> dict[int, list[str]]:
    rows = (
        Team.leaders.through.objects.filter(team_id__in=list(team_ids), user__is_active=True)
        .exclude(Q(user__email="") | Q(user__email__isnull=True))
        .order_by("team_id", "user__email")
        .values_list("team_id", "user__email")
    )
    addresses: dict[int, list[str]] = defaultdict(list)
    for team_id, email in rows:
        addresses[team_id].append(email)
    return addresses


def _render(template: str, context: dict, *, per_language) -> str:
    """The template once per language, Danish first; `per_language(lang)` adds to the context."""
    parts = []
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            parts.append(render_to_string(template, {**context, **per_language()}).strip())
    return "\n\n— — —\n\n".join(parts) + "\n"


def _subject(template: str, context: dict) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return " ".join(render_to_string(template, context).split())


def alert_email(*, alert: Alert, to: list[str]) -> EmailMessage:
    context = {"team": alert.team.name, "case_ids": ", ".join(str(pk) for pk in alert.details.get("case_ids", []))}

    def per_language() -> dict:
        return {
            "message": alert_message(kind=alert.kind, details=alert.details),
            "kind_label": str(AlertKind(alert.kind).label),
        }

    with translation.override(settings.LANGUAGE_CODE):
        subject = _subject("emails/alert_opened_subject.txt", {**context, **per_language()})
    body = _render("emails/alert_opened.txt", context, per_language=per_language)
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)


def _send_each(messages: list[tuple[int, EmailMessage]]) -> list[int]:
    """Send one by one so that one refused message does not hold back the others;
    returns the keys of those sent."""
    sent = []
    with get_connection() as mail:
        for key, message in messages:
            try:
                mail.send_messages([message])
            except Exception:  # the mail server's errors are many; each is logged and retried next run
                logger.exception("Could not e-mail the leaders about alert %s; will try again next run", key)
            else:
                sent.append(key)
    return sent


def alerts_notify(*, now: datetime.datetime | None = None) -> int:
    """E-mail the leaders once about every open alert that they have not heard of yet.

    The claim, the sending and `notified_at` share one transaction, with the claimed rows
    locked: two workers never both send. An alert whose team has no leader with an e-mail
    address is marked as notified too — the in-app list still shows it.
    Returns the number of e-mails sent.
    """
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            pending = list(
                _claimable(Alert.objects.filter(notified_at__isnull=True, resolved_at__isnull=True))
                .select_related("team")
                .order_by("id")[:CLAIM_BATCH]
            )
            if not pending:
                return total
            addresses = leader_addresses(team_ids={a.team_id for a in pending})
            messages = [
                (a.pk, alert_email(alert=a, to=addresses[a.team_id])) for a in pending if addresses.get(a.team_id)
            ]
            sent = set(_send_each(messages))
            unreachable = [a.pk for a in pending if not addresses.get(a.team_id)]
            if unreachable:
                logger.warning("No leader with an e-mail address for alerts %s", unreachable)
            done = sorted(sent | set(unreachable))
            Alert.objects.filter(pk__in=done).update(notified_at=now, updated_at=now)
            total += len(sent)
        if len(done) < len(pending):
            return total  # some sends failed: leave them for the next run rather than loop


def alerts_remind(*, now: datetime.datetime | None = None) -> int:
    """One e-mail per team listing its alerts that have stayed open since before yesterday.

    Returns the number of e-mails sent.
    """
    now = now or timezone.now()
    due_before = now - REMIND_EVERY
    with transaction.atomic():
        due = list(
            _claimable(
                Alert.objects.filter(resolved_at__isnull=True, notified_at__lte=due_before).filter(
                    Q(reminded_at__isnull=True) | Q(reminded_at__lte=due_before)
                )
            )
            .select_related("team")
            .order_by("team_id", "created_at", "id")
        )
        by_team: dict[int, list[Alert]] = defaultdict(list)
        for alert in due:
            by_team[alert.team_id].append(alert)
        addresses = leader_addresses(team_ids=by_team)
        messages = [
            (team_id, reminder_email(alerts=alerts, to=addresses[team_id], now=now))
            for team_id, alerts in by_team.items()
            if addresses.get(team_id)
        ]
        sent = set(_send_each(messages))
        done = [
            a.pk for team_id, alerts in by_team.items() if team_id in sent or not addresses.get(team_id) for a in alerts
        ]
        Alert.objects.filter(pk__in=done).update(reminded_at=now, updated_at=now)
    return len(sent)


def reminder_email(*, alerts: list[Alert], to: list[str], now: datetime.datetime) -> EmailMessage:
    context = {"team": alerts[0].team.name, "count": len(alerts)}

    def per_language() -> dict:
        return {
            "items": [
                {"message": alert_message(kind=a.kind, details=a.details), "days": (now - a.created_at).days}
                for a in alerts
            ]
        }

    subject = _subject("emails/alerts_reminder_subject.txt", context)
    body = _render("emails/alerts_reminder.txt", context, per_language=per_language)
    return EmailMessage(subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)

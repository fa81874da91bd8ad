"""E-mail to team leaders: once when an alert opens, and a daily reminder while it stays open.

The text is in every language of LANGUAGES (Danish first, then English), because a leader
has no language preference on record and an alert must never be unreadable.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from core.db import claimable
from core.mail import message_plain, render_every_language, send_each, subject_default_language
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
    if kind == AlertKind.CONTACTS_OVERDUE:
        return (
            ngettext(
                "Team %(team)s has %(overdue)d open case more than %(after_days)d days past its contact deadline "
                "(the most overdue by %(most_days_over)d days).",
                "Team %(team)s has %(overdue)d open cases more than %(after_days)d days past their contact deadline "
                "(the most overdue by %(most_days_over)d days).",
                details["overdue"],
            )
            % details
        )
    return gettext("Caseload alert")


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


def alert_email(*, alert: Alert, to: list[str]) -> EmailMessage:
    context = {
        "team": alert.team.name,
        "kind": alert.kind,
        "case_ids": ", ".join(str(pk) for pk in alert.details.get("case_ids", [])),
    }

    def per_language() -> dict:
        return {
            "message": alert_message(kind=alert.kind, details=alert.details),
            "kind_label": str(AlertKind(alert.kind).label),
        }

    with translation.override(settings.LANGUAGE_CODE):
        subject = subject_default_language("emails/alert_opened_subject.txt", {**context, **per_language()})
    body = render_every_language("emails/alert_opened.txt", context, per_language=per_language)
    return message_plain(subject=subject, body=body, to=to)


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
                claimable(Alert.objects.filter(notified_at__isnull=True, resolved_at__isnull=True))
                .select_related("team")
                .order_by("id")[:CLAIM_BATCH]
            )
            if not pending:
                return total
            addresses = leader_addresses(team_ids={a.team_id for a in pending})
            messages = [
                (a.pk, alert_email(alert=a, to=addresses[a.team_id])) for a in pending if addresses.get(a.team_id)
            ]
            sent = set(send_each(messages, what="the alert e-mail to the leaders"))
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
            claimable(
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
        sent = set(send_each(messages, what="the alert e-mail to the leaders"))
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

    subject = subject_default_language("emails/alerts_reminder_subject.txt", context)
    body = render_every_language("emails/alerts_reminder.txt", context, per_language=per_language)
    return message_plain(subject=subject, body=body, to=to)

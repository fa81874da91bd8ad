"""Celery tasks of casework: thin, safe to run twice.

`casework.remind_meetings` runs each morning (CELERY_BEAT_SCHEDULE); it decides itself
whether today is a working day (`notifications.meeting_reminders_send`).
"""

from __future__ import annotations

from celery import shared_task

from core.reliability import RELIABLE

from . import notifications


@shared_task(name="casework.remind_meetings", **RELIABLE)
def remind_meetings() -> int:
    """E-mail each caseworker their meetings of the next working day; returns the e-mails sent."""
    return notifications.meeting_reminders_send()

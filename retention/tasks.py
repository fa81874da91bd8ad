"""The daily proposal (CELERY_BEAT_SCHEDULE "propose-deletions"): safe to run twice."""

from __future__ import annotations

from celery import shared_task

from core.reliability import RELIABLE

from .proposal import deletion_list_propose


@shared_task(name="retention.propose_deletions", **RELIABLE)
def propose_deletions() -> int | None:
    """The id of the new deletion list, or None when nothing new is due."""
    deletion_list = deletion_list_propose()
    return deletion_list.pk if deletion_list else None

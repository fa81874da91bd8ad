"""The API's housekeeping: expired tokens are deleted once a day (api.authentication)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone
from knox.models import AuthToken

from core.reliability import RELIABLE


@shared_task(name="api.purge_expired_tokens", **RELIABLE)
def purge_expired_tokens() -> int:
    deleted, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return deleted

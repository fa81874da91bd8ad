"""The secret address of a caseworker's calendar feed: created, looked up, revoked.

The address carries a random token (`secrets.token_urlsafe`, 256 bits); only its SHA-256
digest is stored, so that neither a database dump nor an administrator can rebuild a
working address. A lookup hashes what it is given and finds the row by the digest's unique
index: no comparison of secrets happens in Python, so there is nothing to time. Revoking
deletes the row and the old address answers 404; a new address is a new secret.
"""

from __future__ import annotations

import hashlib
import secrets
import string

from django.db import transaction
from django.utils import timezone

from .models import CalendarFeed

TOKEN_BYTES = 32
_TOKEN_CHARACTERS = frozenset(string.ascii_letters + string.digits + "-_")
_TOKEN_MAX_LENGTH = 100
# How often a feed's last use is written down: subscribed calendars poll every few minutes.
LAST_USED_RESOLUTION_SECONDS = 3600


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


@transaction.atomic
def calendar_feed_create(*, user) -> str:
    """A new secret address for `user` (any earlier one stops working); the token, which
    is shown once and kept nowhere."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    CalendarFeed.objects.filter(user=user).delete()
    CalendarFeed.objects.create(user=user, digest=_digest(token))
    return token


def calendar_feed_revoke(*, user) -> bool:
    """Whether there was an address to revoke."""
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    return bool(deleted)


def calendar_feed_of_user(*, user) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def calendar_feed_of_token(token: str) -> CalendarFeed | None:
    """The feed whose address carries `token`, with its active user; None for anything else."""
    if not token or len(token) > _TOKEN_MAX_LENGTH or not set(token) <= _TOKEN_CHARACTERS:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(digest=_digest(token)).first()
    if feed is None or not feed.user.is_active:
        return None
    return feed


def calendar_feed_used(*, feed: CalendarFeed, now=None) -> None:
    """Note that the feed was fetched (at most once an hour: calendars poll often)."""
    now = now or timezone.now()
    if feed.last_used_at is None or (now - feed.last_used_at).total_seconds() >= LAST_USED_RESOLUTION_SECONDS:
        CalendarFeed.objects.filter(pk=feed.pk).update(last_used_at=now)
        feed.last_used_at = now

"""Retention's application errors."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError


class RetentionError(ApplicationError):
    code = "conflict"


class HoldNeedsReason(RetentionError):
    code = "invalid"
    field = "held_reason"
    default_message = _("Say why the item is held.")


class ItemNotPending(RetentionError):
    code = "item_not_pending"
    default_message = _("Item %(item)s is %(status)s: only a proposed or held item can be held or released.")

"""Ids in a request body, resolved through what the requesting user may see."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from rest_framework import serializers

from access.viewer import ANONYMOUS


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key looked up in `scope(request.user)`, one of `access.scopes`.

    An id the user may not see gets exactly the answer of an id that does not exist (400,
    "Invalid pk ... object does not exist"), so that a body cannot be used to learn what
    exists, nor to reach it: a leader cannot open a case for a citizen they may not see.
    Without a request in the context nothing is visible.

    `door`, when given, is the door of `access.doors` that answers the same for one id
    (object or None) at less cost than filtering the scope (`doors.citizen_visible`).
    """

    def __init__(self, *, scope: Callable[..., QuerySet], door: Callable | None = None, **kwargs):
        self.scope = scope
        self.door = door
        # What the schema reads the id's type from; lookups use get_queryset below.
        kwargs.setdefault("queryset", scope(ANONYMOUS))
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        request = self.context.get("request")
        return self.scope(request.user if request is not None else ANONYMOUS)

    def to_internal_value(self, data):
        if self.door is None:
            return super().to_internal_value(data)
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, str) and not data.strip().lstrip("-").isdigit():
            self.fail("incorrect_type", data_type=type(data).__name__)
        request = self.context.get("request")
        found = self.door(request.user if request is not None else ANONYMOUS, data)
        if found is None:
            self.fail("does_not_exist", pk_value=data)
        return found

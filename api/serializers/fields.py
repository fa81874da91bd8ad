from __future__ import annotations

from rest_framework import serializers

# Positive integer columns are 32-bit on PostgreSQL; anything larger is a client's 400.
MAX_INT = 2_147_483_647


class NullableChoiceField(serializers.ChoiceField):
    """A choice column stored as "" when unset, shown as null (an open case has no outcome)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return super().to_representation(value) if value else None

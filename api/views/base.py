from __future__ import annotations

from collections.abc import Iterable

from rest_framework import serializers
from rest_framework.request import Request

from cases.access_log import citizen_access_record


def validated(serializer_class: type[serializers.Serializer], request: Request, **kwargs) -> dict:
    """Validate the request body with an input serializer; a 400 with messages per field if not."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def log_citizen_access(request: Request, *, citizen_ids: Iterable[int], action: str) -> None:
    """Record the citizens a response shows before it is sent (cases.access_log): if the
    record cannot be written, the request fails and the data never leaves the server."""
    citizen_access_record(user=request.user, citizen_ids=citizen_ids, action=action, route=request.path)

from __future__ import annotations

from rest_framework import serializers
from rest_framework.request import Request


def validated(serializer_class: type[serializers.Serializer], request: Request, **kwargs) -> dict:
    """Validate the request body with an input serializer; a 400 with messages per field if not."""
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data

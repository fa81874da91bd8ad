"""OpenAPI pieces shared by every view: the documented error answers (API.md "Errors")."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """401, 403, 404, 405, 409: a message; a 409 also carries a machine-readable code."""

    detail = serializers.CharField()
    code = serializers.CharField(required=False)


# DRF's validation errors: {"field": ["message", ...]}, "non_field_errors" for the request
# as a whole, or {"detail": "..."} for a body that could not be parsed at all.
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {"type": "string"},
            {"type": "object"},
        ]
    },
    "example": {"fte": ["Ensure this value is less than or equal to 1."]},
}

_DESCRIPTIONS = {
    400: "Invalid input: messages per field.",
    401: "Not signed in.",
    403: "Signed in, but this role may not do it.",
    404: "No such object, or not visible to the signed-in user.",
    409: "Conflicts with the state of the data (e.g. the caseworker is at their cap); `detail` says why.",
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Responses for the given error codes, plus 401 and 403 that every data endpoint has."""
    result = {}
    for code in sorted({401, 403, *codes}):
        body = VALIDATION_ERROR_SCHEMA if code == 400 else ErrorSerializer
        result[code] = OpenApiResponse(response=body, description=_DESCRIPTIONS[code])
    return result

"""The one place where application errors become HTTP answers.

Views call one service and let its errors through; this handler turns them into the
documented status codes so that no view translates errors of its own, and so that
nothing a client can send ends in a 500. An `ApplicationError` about an input field is a
400 with that field's message (`{"cpr": [...]}`); any other is a conflict with the state
of the data, 409 `{"detail", "code"}`. Messages are in the request's language.
"""

from __future__ import annotations

import logging

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError

logger = logging.getLogger(__name__)


def _conflict(message: str, code: str = "conflict") -> Response:
    return Response({"detail": message, "code": code}, status=status.HTTP_409_CONFLICT)


def _validation_messages(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(m) for m in DjangoValidationError(errors)]
            for field, errors in error.error_dict.items()
        }
    return {"non_field_errors": [str(m) for m in error.messages]}


def exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        if exc.field:
            return Response({exc.field: [exc.text]}, status=status.HTTP_400_BAD_REQUEST)
        return _conflict(exc.text, exc.code)
    if isinstance(exc, ProtectedError | RestrictedError):
        return _conflict("Other records still depend on this one.", "protected")
    if isinstance(exc, DjangoValidationError):
        return Response(_validation_messages(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, IntegrityError):
        # A race that validation could not see (two requests creating the same username at
        # once): the database's constraint decided, and the client may simply retry.
        logger.warning("integrity error answered with 409: %s", type(exc).__name__)
        return _conflict("The request conflicts with data that was changed at the same time.", "integrity")
    if isinstance(exc, DataError):
        return Response({"detail": "A value is out of range for its field."}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)

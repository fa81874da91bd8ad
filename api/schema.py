"""The OpenAPI schema: every answer an operation can give, documented in one place.

`AutoSchema` (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS) adds to each operation the error
answers that follow from what the operation is, so that no view has to list them and a new
view cannot forget one (docs/api.md "Errors"):

- 400 with the validation-error shape, when it takes a request body or query parameters;
- 401 and 403 when it requires authentication (DRF answers 403 to a session without login);
- 404 for a path that names an object, and for a page of a list out of range;
- 409 `{"detail", "code"}` for every write (api.exceptions: domain conflicts, and a
  constraint that a concurrent request decided);
- 415 for a request body in a media type the operation does not parse;
- 429 when the view throttles;
- 414 from the HTTP server in front (gunicorn's `limit_request_line`, 4094 bytes), an HTML
  page, before the application sees the request;
- 503 `{"detail"}` with `Retry-After` when the database or Redis is unavailable.

A view adds what only it knows (reports answering 404 to a user who may see none) with
`schema_error_codes = (404,)`. The postprocessing hook `add_links` adds the OpenAPI links
that chain operations: what one answer creates, the next request names (stateful tests
follow them).
"""

from __future__ import annotations

import re

from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class TokenScheme(KnoxTokenScheme):
    """knox's tokens under the scheme name the API has always published (`tokenAuth`): the
    header is the same `Authorization: Token <token>` as with DRF's tokens before."""

    target_class = "api.authentication.TokenAuthentication"  # knox's, lighter (api/authentication.py)
    name = "tokenAuth"
    priority = 1


class ErrorSerializer(serializers.Serializer):
    """401, 403, 404, 405, 415, 429, 503: a message."""

    detail = serializers.CharField()


class ConflictSerializer(serializers.Serializer):
    """409: why the request conflicts with the state of the data, and a machine-readable code."""

    detail = serializers.CharField()
    code = serializers.CharField(help_text="e.g. `at_cap`, `protected`, `integrity`.")


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
    400: "Invalid input: messages per field (or `detail` for a body that cannot be parsed).",
    401: "Not signed in.",
    403: "Signed in, but this role may not do it (a session without login also gets 403).",
    404: "No such object or page, or not visible to the signed-in user.",
    409: "Conflicts with the state of the data (e.g. the caseworker is at their cap); `detail` says why.",
    414: "The request line is longer than the HTTP server accepts; answered by the server, as an HTML page.",
    415: "The request body is in a media type this operation does not parse.",
    429: "Too many requests; try again later.",
    503: "The service is unavailable for a moment (database or Redis); retry after `Retry-After` seconds.",
}

_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer", "minimum": 0}}
}

_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _response(code: int) -> OpenApiResponse:
    body = {400: VALIDATION_ERROR_SCHEMA, 409: ConflictSerializer, 414: OpenApiTypes.STR}.get(code, ErrorSerializer)
    return OpenApiResponse(response=body, description=_DESCRIPTIONS[code])


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Responses for the given error codes, plus 401 and 403 that every data endpoint has.

    The schema class documents all of these by itself; this stays for views that name
    their codes explicitly."""
    return {code: _response(code) for code in sorted({401, 403, *codes})}


class AutoSchema(SpectacularAutoSchema):
    def error_codes(self) -> set[int]:
        """The error answers this operation can give (the module docstring says why each)."""
        codes = {414, 503, *getattr(self.view, "schema_error_codes", ())}
        if any(requirement for requirement in self.get_auth()):
            codes |= {401, 403}
        if re.search(r"{\w+}", self.path) or (self._is_list_view() and self._get_paginator() is not None):
            codes.add(404)
        if any(parameter["in"] == "query" for parameter in self._get_parameters()):
            codes.add(400)
        if self.method in {"POST", "PUT", "PATCH"} and self.get_request_serializer() is not None:
            codes |= {400, 415}
        if self.method in _WRITES:
            codes.add(409)
        if self.view.get_throttles():
            codes.add(429)
        return codes

    def _get_parameters(self):
        # Django's forms and django-filter read an empty query value as "not given".
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter["in"] == "query" and not parameter.get("required"):
                parameter["allowEmptyValue"] = True
        return parameters

    def _map_basic_serializer(self, serializer, direction):
        # A serializer that refuses unknown keys (api.serializers.base.ClosedSerializer) says so.
        schema = super()._map_basic_serializer(serializer, direction)
        if getattr(serializer, "closed", False):
            schema["additionalProperties"] = False
        return schema

    def _get_response_bodies(self, direction="response"):
        # Views' own extend_schema(responses=...) replace get_response_serializers, so the
        # generic answers join here, after whatever the view declared.
        responses = super()._get_response_bodies(direction)
        for code in sorted(self.error_codes() - {int(code) for code in responses if code.isdigit()}):
            media_types = ("text/html",) if code == 414 else None
            responses[str(code)] = self._get_response_for_code(_response(code), str(code), media_types, direction)
        return responses

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        if str(status_code) == "503":
            response["headers"] = _RETRY_AFTER
        return response


# What one answer creates, the next request names: the chains a client follows (and that
# schemathesis's stateful phase walks). (operationId, status) → {link: (operationId, where)}.
_CREATED_ID = "$response.body#/id"
_FIRST_LISTED_ID = "$response.body#/results/0/id"
_CASE_ACTIONS = {
    "CloseCase": ("cases_close_create", {"parameters": {"id": _CREATED_ID}}),
    "ReassignCase": ("cases_reassign_create", {"parameters": {"id": _CREATED_ID}}),
    "CaseHistory": ("cases_history_list", {"parameters": {"id": _CREATED_ID}}),
    "CaseJournal": ("cases_journal_list", {"parameters": {"case_id": _CREATED_ID}}),
    "WriteJournal": ("cases_journal_create", {"parameters": {"case_id": _CREATED_ID}}),
    "BookMeeting": ("meetings_create", {"requestBody": {"case": _CREATED_ID}}),
    "ContactPlan": ("cases_contact_plan_retrieve", {"parameters": {"id": _CREATED_ID}}),
}
LINKS = {
    ("jobcenters_create", "201"): {
        "CreateTeam": ("teams_create", {"requestBody": {"jobcenter": _CREATED_ID}}),
        "RegisterCitizen": ("citizens_create", {"requestBody": {"jobcenter": _CREATED_ID}}),
    },
    ("jobcenters_list", "200"): {
        "RegisterCitizen": ("citizens_create", {"requestBody": {"jobcenter": _FIRST_LISTED_ID}}),
    },
    ("teams_list", "200"): {
        "HireCaseworker": ("caseworkers_create", {"requestBody": {"team": _FIRST_LISTED_ID}}),
    },
    ("teams_create", "201"): {
        "HireCaseworker": ("caseworkers_create", {"requestBody": {"team": _CREATED_ID}}),
        "Rebalance": ("teams_rebalance_create", {"parameters": {"id": _CREATED_ID}}),
    },
    ("citizens_create", "201"): {
        "OpenCase": ("cases_create", {"requestBody": {"citizen": _CREATED_ID}}),
        "RevealCpr": ("citizens_reveal_cpr_create", {"parameters": {"id": _CREATED_ID}}),
    },
    ("cases_create", "201"): _CASE_ACTIONS,
    ("cases_reassign_create", "200"): _CASE_ACTIONS,
    ("cases_close_create", "200"): {
        name: _CASE_ACTIONS[name] for name in ("CaseHistory", "CaseJournal", "WriteJournal", "ContactPlan")
    },
    ("meetings_create", "201"): {
        "CancelMeeting": ("meetings_cancel_create", {"parameters": {"id": _CREATED_ID}}),
        "MarkHeld": ("meetings_held_create", {"parameters": {"id": _CREATED_ID}}),
        "MarkNoShow": ("meetings_no_show_create", {"parameters": {"id": _CREATED_ID}}),
    },
    ("cases_journal_create", "201"): {
        "Correct": (
            "cases_journal_create",
            {"parameters": {"case_id": "$response.body#/case"}, "requestBody": {"corrects": _CREATED_ID}},
        ),
    },
}


def add_links(result, generator, request, public):
    """drf-spectacular postprocessing hook: the LINKS above, on the responses they start from."""
    for item in result["paths"].values():
        for operation in item.values():
            for (source, status), links in LINKS.items():
                if isinstance(operation, dict) and operation.get("operationId") == source:
                    response = operation["responses"][status]
                    response["links"] = {
                        name: {"operationId": target, **where} for name, (target, where) in links.items()
                    }
    return result

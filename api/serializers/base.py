"""Input serializers that take a JSON value only in the type their schema declares.

DRF parses leniently: a CharField turns 0 into "0", an IntegerField takes "5" and true,
a BooleanField takes "yes" and 1. That suits form-encoded input, where everything is a
string, but in a JSON body it accepts what the OpenAPI schema calls invalid. A strict
serializer checks each JSON value against the type drf-spectacular publishes for its field
(`json_type`) before DRF's own validation runs, and answers a 400 per field otherwise.
Form-encoded and multipart input (a QueryDict) keeps DRF's string parsing.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.settings import api_settings

STRING, INTEGER, NUMBER, BOOLEAN, ARRAY, OBJECT = "string", "integer", "number", "boolean", "array", "object"

_NAMES = {
    STRING: _("a string"),
    INTEGER: _("an integer"),
    NUMBER: _("a number"),
    BOOLEAN: _("true or false"),
    ARRAY: _("a list"),
    OBJECT: _("an object"),
}

# Field classes whose JSON form is a string, as drf-spectacular documents them.
_STRING_FIELDS = (
    serializers.CharField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.TimeField,
    serializers.DurationField,
    serializers.UUIDField,
    serializers.SlugRelatedField,
)


def _pk_type(field: serializers.PrimaryKeyRelatedField) -> str | None:
    if field.pk_field is not None:
        return json_type(field.pk_field)
    # The model is all that is needed: the field's own queryset names it, without building
    # the requesting user's scope (get_queryset) once more for every body.
    queryset = field.queryset if field.queryset is not None else field.get_queryset()
    pk = queryset.model._meta.pk if queryset is not None else None
    while pk is not None and pk.is_relation:  # a one-to-one primary key: the target's type
        pk = pk.target_field
    if isinstance(pk, models.IntegerField):
        return INTEGER
    return STRING if isinstance(pk, models.CharField | models.UUIDField) else None


def _choice_type(field: serializers.ChoiceField) -> str | None:
    keys = {type(key) for key in field.choices}
    if keys <= {str}:
        return STRING
    if keys <= {int}:
        return INTEGER
    return None  # mixed choices: DRF's own check decides


def json_type(field: serializers.Field) -> str | None:
    """The JSON type a field takes in a request body; None where DRF's parsing decides alone."""
    if isinstance(field, serializers.ManyRelatedField | serializers.ListField | serializers.ListSerializer):
        return ARRAY
    if isinstance(field, serializers.DictField | serializers.Serializer):
        return OBJECT
    if isinstance(field, serializers.BooleanField):
        return BOOLEAN
    if isinstance(field, serializers.IntegerField):
        return INTEGER
    if isinstance(field, serializers.DecimalField):
        coerce = field.coerce_to_string
        as_string = api_settings.COERCE_DECIMAL_TO_STRING if coerce is None else coerce
        return STRING if as_string else NUMBER
    if isinstance(field, serializers.FloatField):
        return NUMBER
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        return _pk_type(field)
    if isinstance(field, serializers.ChoiceField):  # before CharField: MultipleChoiceField is a ChoiceField
        return ARRAY if isinstance(field, serializers.MultipleChoiceField) else _choice_type(field)
    if isinstance(field, _STRING_FIELDS):
        return STRING
    return None


def _type_of(value) -> str:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float | Decimal):
        return NUMBER
    if isinstance(value, str):
        return STRING
    if isinstance(value, list):
        return ARRAY
    return OBJECT if isinstance(value, dict) else "null"


def _fits(expected: str, actual: str) -> bool:
    return actual == expected or (expected == NUMBER and actual == INTEGER)


def type_errors(field: serializers.Field, value) -> list[str]:
    """Why `value` is not of the field's JSON type (and, for a list, its items'); [] if it is."""
    expected = json_type(field)
    if value is None or expected is None:
        return []  # null is DRF's to accept (allow_null) or refuse
    actual = _type_of(value)
    if not _fits(expected, actual):
        return [str(_("Expected %(expected)s.") % {"expected": _NAMES[expected]})]
    child = getattr(field, "child_relation", None) or getattr(field, "child", None)
    if actual == ARRAY and isinstance(child, serializers.Field) and not isinstance(field, serializers.ListSerializer):
        for index, item in enumerate(value):
            if messages := type_errors(child, item):
                return [str(_("Item %(index)d: %(message)s") % {"index": index, "message": messages[0]})]
    return []


class StrictTypes:
    """Refuse JSON values of the wrong type, per field, before DRF coerces them."""

    def to_internal_value(self, data):
        if isinstance(data, QueryDict) or not isinstance(data, dict):
            return super().to_internal_value(data)
        errors = {}
        for field in self._writable_fields:
            if field.field_name in data and (messages := type_errors(field, data[field.field_name])):
                errors[field.field_name] = messages
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if errors and isinstance(error.detail, dict):
                raise serializers.ValidationError({**error.detail, **errors}) from None
            raise
        if errors:
            raise serializers.ValidationError(errors)
        return value


class StrictSerializer(StrictTypes, serializers.Serializer):
    pass


# What a browser's form sends beside its fields (the browsable API's forms).
_FORM_CONTROLS = {"csrfmiddlewaretoken"}


class ClosedSerializer(StrictSerializer):
    """A strict serializer that also refuses keys it does not know, each a 400 of its own.

    DRF ignores unknown keys. Where a body names the only things a client may change (a
    case's complexity, a policy's weights by complexity), a key that is not one of them is
    a mistake the client should hear about, not a change silently dropped. The schema says
    so too (`additionalProperties: false`, api.schema.AutoSchema)."""

    closed = True

    def to_internal_value(self, data):
        if not hasattr(data, "keys"):
            return super().to_internal_value(data)
        known = set(self.fields) | (_FORM_CONTROLS if isinstance(data, QueryDict) else set())
        errors = {key: [str(_("Not a field that can be given here."))] for key in data.keys() if key not in known}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if errors and isinstance(error.detail, dict):
                raise serializers.ValidationError({**errors, **error.detail}) from None
            raise
        if errors:
            raise serializers.ValidationError(errors)
        return value


class StrictModelSerializer(StrictTypes, serializers.ModelSerializer):
    pass

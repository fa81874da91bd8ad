from __future__ import annotations

from collections.abc import Callable, Iterable

from rest_framework import serializers
from rest_framework.request import Request

from cases.access_log import citizen_access_record


def validated(serializer_class: type[serializers.Serializer], request: Request, **kwargs) -> dict:
    """Validate the request body with an input serializer; a 400 with messages per field if not.

    The request goes along: ids in the body resolve through what its user may see."""
    serializer = serializer_class(data=request.data, context={"request": request}, **kwargs)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def describing_the_schema(view) -> bool:
    """drf-spectacular instantiates every view to describe it: a `get_queryset` that reads
    data to build its query (the contact rules) must not touch the database then."""
    return getattr(view, "swagger_fake_view", False)


def log_citizen_access(request: Request, *, citizen_ids: Iterable[int], action: str) -> None:
    """Record the citizens a response shows before it is sent (cases.access_log): if the
    record cannot be written, the request fails and the data never leaves the server."""
    citizen_access_record(user=request.user, citizen_ids=citizen_ids, action=action, route=request.path)


# `get_object` through the access layer's door for the resource: a 404 unless the user may
# see the object, whatever the method, then the object permissions (a 403). `door` is one of
# `access.doors`, `door_options` what it joins in for the serializer. (A comment, not a
# docstring: drf-spectacular would publish a docstring as the description of every view.)
class ThroughTheDoor:
    door: Callable
    door_options: dict = {}

    def get_object(self):
        lookup = self.lookup_url_kwarg or self.lookup_field
        obj = type(self).door(self.request.user, self.kwargs[lookup], **self.door_options)
        self.check_object_permissions(self.request, obj)
        return obj

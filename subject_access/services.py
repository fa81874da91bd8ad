"""Producing a citizen's own copy (GDPR art. 15): logged first, then built and rendered."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone, translation

from cases.access_log import citizen_access_record
from cases.models import AccessAction, Citizen

from . import render
from .models import CopyFormat, SubjectAccessRequest
from .selectors import citizen_copy

ACCESS_PURPOSE = "art. 15"


@dataclass(frozen=True)
class Copy:
    content: bytes
    content_type: str
    filename: str


def subject_access_copy_produce(
    *, citizen: Citizen, by, format: str, include_employees: bool = False, include_old_cpr: bool = False, route: str
) -> Copy:
    """The citizen's copy in `format`. Producing it is a look at the citizen like any other:
    the access-log row (action `export`, purpose "art. 15") and the request's record are
    written in the same transaction as the data is read, so a copy never leaves unrecorded."""
    if format not in CopyFormat.values:
        raise ValueError(format)
    with transaction.atomic():
        SubjectAccessRequest.objects.create(
            citizen=citizen,
            by=by,
            format=format,
            included_employees=include_employees,
            included_old_cpr=include_old_cpr,
        )
        citizen_access_record(
            user=by, citizen_ids=[citizen.pk], action=AccessAction.EXPORT, route=route, purpose=ACCESS_PURPOSE
        )
        with translation.override(render.COPY_LANGUAGE):
            data = citizen_copy(citizen=citizen, include_employees=include_employees, include_old_cpr=include_old_cpr)
        content = render.copy_pdf(data) if format == CopyFormat.PDF else render.copy_json(data)
    stem = f"indsigt-borger-{citizen.pk}-{timezone.localdate():%Y%m%d}"
    if format == CopyFormat.PDF:
        return Copy(content, "application/pdf", f"{stem}.pdf")
    return Copy(content, "application/json", f"{stem}.json")

"""The admin of citizens' own copies: the record of every copy produced, and the form that
produces one (linked from the citizen's page in `cases.admin`, which knows only its URL name)."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from access.doors import access_citizen
from access.rules import may_read_access_log
from staff.admin.common import ReadOnlyAdmin

from .models import CopyFormat, SubjectAccessRequest
from .services import subject_access_copy_produce

PRODUCE_URL_NAME = "subject_access_subjectaccessrequest_produce"


class CopyForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=CopyFormat.choices, initial=CopyFormat.PDF)
    include_employees = forms.BooleanField(
        label=_("Include employees"),
        required=False,
        help_text=_("Name the employees who looked at the record or wrote in the journal; otherwise only their unit."),
    )
    include_old_cpr = forms.BooleanField(
        label=_("Include former CPR numbers"),
        required=False,
        help_text=_("Otherwise a change of CPR number is listed with its date and reason only."),
    )


@admin.register(SubjectAccessRequest)
class SubjectAccessRequestAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "citizen", "by", "format", "included_employees", "included_old_cpr")
    list_select_related = ("citizen", "by")
    list_filter = ("format",)
    date_hierarchy = "created_at"

    def get_urls(self):
        produce = path("produce/<int:object_id>/", self.admin_site.admin_view(self.produce_view), name=PRODUCE_URL_NAME)
        return [produce, *super().get_urls()]

    def produce_view(self, request, object_id: int):
        """GET: the form; POST: the copy as a download. For administrators only: the copy holds
        the access log, which only they may read."""
        if not may_read_access_log(request.user):
            raise PermissionDenied
        citizen = access_citizen(request.user, object_id, select_related=("jobcenter",))
        form = CopyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            copy = subject_access_copy_produce(
                citizen=citizen,
                by=request.user,
                format=form.cleaned_data["format"],
                include_employees=form.cleaned_data["include_employees"],
                include_old_cpr=form.cleaned_data["include_old_cpr"],
                route=request.path,
            )
            response = HttpResponse(copy.content, content_type=copy.content_type)
            response["Content-Disposition"] = f'attachment; filename="{copy.filename}"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("A citizen's own copy (GDPR art. 15)"),
            "citizen": citizen,
            "form": form,
        }
        return TemplateResponse(request, "admin/subject_access/produce.html", context)

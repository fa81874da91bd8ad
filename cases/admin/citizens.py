"""Citizens and their access log: the CPR number is shown masked everywhere, never in full.

The CPR search and the access log are mixins, because the case admin (`cases.admin.cases`)
finds and shows citizens the same way.
"""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _

from access.scopes import citizens_visible_to
from core.admin import ServiceErrorsMixin
from staff.admin.common import ReadOnlyAdmin, ViewOnlyInline, adopt

from .. import cpr as cpr_rules
from .. import selectors, services
from ..access_log import citizen_access_record
from ..models import AccessAction, Case, Citizen, CitizenAccess, CprChange

# Both input forms of DOMAIN.md, whether or not the date is real: an impossible date is
# still somebody's mistyped number and must not be echoed back into the page.
CPR_SHAPED = re.compile(r"^\s*\d{6}-?\d{4}\s*$")

# The admin URL of `subject_access`, which produces a citizen's own copy (GDPR art. 15).
OWN_COPY_URL_NAME = "subject_access_subjectaccessrequest_produce"


class CprSearchMixin:
    """Search by a full CPR number through the keyed digest (the column itself is encrypted).

    A CPR-shaped search is answered with a redirect that swaps the number for the
    citizen's id, so that the number never appears in the result page, in its links
    (filters, pagination, "back to list" after a change) or in the address bar.
    """

    # How this admin's rows point at a citizen: a queryset lookup and the URL parameter.
    citizen_lookup = "pk"
    citizen_lookup_param = "id__exact"

    def get_search_results(self, request, queryset, search_term):
        # Also what the autocomplete widgets of other admins call.
        if CPR_SHAPED.match(search_term or ""):
            found = selectors.citizen_lookup_by_cpr(cpr=search_term)
            if found is None:
                return queryset.none(), False
            return queryset.filter(**{self.citizen_lookup: found.citizen.pk}), False
        return super().get_search_results(request, queryset, search_term)

    def changelist_view(self, request, extra_context=None):
        term = request.GET.get(SEARCH_VAR, "")
        if request.method == "GET" and CPR_SHAPED.match(term):
            params = request.GET.copy()
            del params[SEARCH_VAR]
            found = selectors.citizen_lookup_by_cpr(cpr=term)
            if found is None:
                messages.warning(
                    request,
                    _("No citizen is registered with the CPR number %(cpr)s.") % {"cpr": cpr_rules.mask(term)},
                )
            else:
                params[self.citizen_lookup_param] = str(found.citizen.pk)
                if found.notice:
                    messages.info(request, found.notice)
            return redirect(f"{request.path}?{params.urlencode()}")
        return super().changelist_view(request, extra_context)


class CitizenAccessLogMixin:
    """Records who saw which citizens (`cases.access_log`): lists, CPR search hits, pages.

    One INSERT per page, whatever the number of rows, so changelists stay constant in
    queries. Goes before `CprSearchMixin` in the bases: a CPR search redirect shows nobody.
    """

    citizen_lookup_param = "id__exact"

    def citizen_ids_of(self, objects) -> list[int]:
        return [obj.pk for obj in objects]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            found_by_cpr = self.citizen_lookup_param in request.GET
            citizen_access_record(
                user=request.user,
                citizen_ids=self.citizen_ids_of(changelist.result_list),
                action=AccessAction.SEARCH if found_by_cpr else AccessAction.LIST,
                route=request.path,
            )
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            citizen_access_record(user=request.user, citizen_ids=self.citizen_ids_of([obj]), route=request.path)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def history_view(self, request, object_id, extra_context=None):
        # The history names the object (a citizen's name and masked number) and what changed.
        response = super().history_view(request, object_id, extra_context)
        shown = (getattr(response, "context_data", None) or {}).get("object")
        if response.status_code == 200 and shown is not None:
            citizen_access_record(user=request.user, citizen_ids=self.citizen_ids_of([shown]), route=request.path)
        return response

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        # The autocomplete of another admin's form (a case's citizen) pages through this admin
        # with this paginator, and an empty term lists everyone: record whom each page shows.
        # The changelist records its page itself (above), so only the autocomplete does here.
        match = getattr(request, "resolver_match", None)
        if match is None or match.url_name != "autocomplete":
            return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        return _RecordingPaginator(
            queryset,
            per_page,
            orphans,
            allow_empty_first_page,
            record=lambda shown: citizen_access_record(
                user=request.user,
                citizen_ids=self.citizen_ids_of(shown),
                action=AccessAction.SEARCH if request.GET.get("term") else AccessAction.LIST,
                route=request.path,
            ),
        )


class _RecordingPaginator(Paginator):
    """A paginator whose pages are fetched once and recorded before anybody sees them."""

    def __init__(self, *args, record, **kwargs):
        super().__init__(*args, **kwargs)
        self.record = record

    def _get_page(self, object_list, number, paginator):
        shown = list(object_list)
        self.record(shown)
        return super()._get_page(shown, number, paginator)


def _cpr_of_nobody_else(value: str, *, citizen: Citizen | None = None) -> str:
    """The normalised number, or a form error if it is malformed or somebody else's (now or
    before a change: a number is one person's)."""
    number = cpr_rules.parse(value).number
    if services.citizen_cpr_holder(cpr=number, other_than=citizen) is not None:
        raise ValidationError(_("A citizen with this CPR number is already registered."), code="exists")
    return number


class CitizenAddForm(forms.ModelForm):
    # Not the model's `cpr` field: the service derives the digest and birth date from it.
    cpr_number = forms.CharField(
        label=_("CPR number"), max_length=11, help_text=_("DDMMYY-SSSS or DDMMYYSSSS."), strip=True
    )

    class Meta:
        model = Citizen
        fields = ("name", "jobcenter")

    def clean_cpr_number(self) -> str:
        return _cpr_of_nobody_else(self.cleaned_data["cpr_number"])


class CitizenChangeForm(forms.ModelForm):
    new_cpr = forms.CharField(
        label=_("New CPR number"),
        max_length=11,
        required=False,
        help_text=_(
            "Only when the person's CPR number has changed (DOMAIN.md: it can). "
            "The citizen, their cases and history stay; the current number is never shown."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    cpr_change_reason = forms.CharField(
        label=_("Reason for the change"),
        max_length=services.CPR_CHANGE_REASON_MAX_LENGTH,
        required=False,
        help_text=_("Why the number changed (identity misuse, a change of legal gender, …). Kept with the old number."),
    )

    class Meta:
        model = Citizen
        fields = ("name",)

    def clean_new_cpr(self) -> str:
        value = self.cleaned_data["new_cpr"]
        if not value:
            return ""
        number = _cpr_of_nobody_else(value, citizen=self.instance)
        if number == self.instance.cpr:
            raise ValidationError(_("This is the citizen's current CPR number already."), code="unchanged")
        return number

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_cpr"):
            try:
                cleaned["cpr_change_reason"] = services.cpr_change_reason_clean(cleaned.get("cpr_change_reason", ""))
            except ValidationError as error:
                self.add_error("cpr_change_reason", error.message_dict["reason"])
        return cleaned


class CaseSummaryInline(ViewOnlyInline):
    model = Case
    fk_name = "citizen"
    fields = ("programme", "status", "caseworker", "opened_at", "closed_at", "outcome")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("caseworker")


@admin.register(Citizen)
class CitizenAdmin(ServiceErrorsMixin, CitizenAccessLogMixin, CprSearchMixin, admin.ModelAdmin):
    list_display = ("name", "masked_cpr", "jobcenter", "birth_date")
    list_select_related = ("jobcenter",)
    list_filter = ("jobcenter",)
    search_fields = ("name",)
    search_help_text = _("Name, or a full CPR number (DDMMYY-SSSS).")
    show_full_result_count = False  # tens of thousands of citizens: one COUNT per page is enough
    inlines = [CaseSummaryInline]

    def get_queryset(self, request):
        # Through the one door every interface uses (access/): an administrator sees all.
        return super().get_queryset(request) & citizens_visible_to(request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = CitizenChangeForm if obj is not None else CitizenAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ("name", "cpr_number", "jobcenter")})]
        return [
            (None, {"fields": ("name", "masked_cpr", "birth_date", "jobcenter", "access_log", "own_copy")}),
            (_("Correction"), {"fields": ("new_cpr", "cpr_change_reason", "cpr_changes"), "classes": ("collapse",)}),
            (_("Record"), {"fields": ("created_at", "updated_at")}),
        ]

    def get_readonly_fields(self, request, obj=None):
        # A citizen's jobcenter is where their cases queue; it is fixed once registered.
        return (
            ()
            if obj is None
            else (
                "masked_cpr",
                "birth_date",
                "jobcenter",
                "access_log",
                "own_copy",
                "cpr_changes",
                "created_at",
                "updated_at",
            )
        )

    @admin.display(description=_("CPR number"))
    def masked_cpr(self, obj: Citizen) -> str:
        return obj.cpr_masked

    @admin.display(description=_("access log"))
    def access_log(self, obj: Citizen) -> str:
        url = f"{reverse('admin:cases_citizenaccess_changelist')}?citizen__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Who has looked at this citizen"))

    @admin.display(description=_("the citizen's own copy"))
    def own_copy(self, obj: Citizen) -> str:
        # The copy is subject_access's (an app above this one): linked by its URL name only.
        try:
            url = reverse(f"admin:{OWN_COPY_URL_NAME}", args=[obj.pk])
        except NoReverseMatch:
            return "—"
        return format_html('<a href="{}">{}</a>', url, _("Produce the citizen's own copy (GDPR art. 15)"))

    @admin.display(description=_("CPR changes"))
    def cpr_changes(self, obj: Citizen) -> str:
        changes = list(selectors.citizen_cpr_changes(citizen_id=obj.pk))
        if not changes:
            return "—"
        return format_html_join(
            mark_safe("<br>"),
            "{}: {} ({})",
            ((date_format(localtime(c.changed_at), "DATETIME_FORMAT"), c.reason, c.changed_by) for c in changes),
        )

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            services.citizen_update(citizen=obj, name=data["name"])
            if data["new_cpr"]:
                services.citizen_cpr_change(
                    citizen=obj,
                    new_cpr=data["new_cpr"],
                    reason=data["cpr_change_reason"],
                    by=request.user,
                    route=request.path,
                )
                self.message_user(request, _("The CPR number was changed; the old number is kept with the reason."))
        else:
            created = services.citizen_create(cpr=data["cpr_number"], name=data["name"], jobcenter=data["jobcenter"])
            adopt(obj, created)


@admin.register(CitizenAccess)
class CitizenAccessAdmin(CitizenAccessLogMixin, CprSearchMixin, ReadOnlyAdmin):
    """The access log a citizen may ask for: search it by the citizen's full CPR number."""

    citizen_lookup = "citizen_id"
    citizen_lookup_param = "citizen__id__exact"
    list_display = ("created_at", "user", "citizen", "action", "route", "purpose")
    list_select_related = ("user", "citizen")
    list_filter = ("action",)
    search_fields = ("citizen__name", "user__username")
    search_help_text = _("Citizen's name, a full CPR number (DDMMYY-SSSS), or a username.")
    date_hierarchy = "created_at"
    show_full_result_count = False

    def citizen_ids_of(self, objects) -> list[int]:
        # Each row names its citizen: reading the log is itself a look at the citizens in it.
        return [access.citizen_id for access in objects]


@admin.register(CprChange)
class CprChangeAdmin(ReadOnlyAdmin):
    """The record of CPR changes: who changed whose number, when and why. The old number is
    shown masked; the citizen's own copy (art. 15) gives it in full when asked for."""

    list_display = ("changed_at", "citizen", "old_cpr_masked", "changed_by", "reason")
    list_select_related = ("citizen", "changed_by")
    fields = ("changed_at", "citizen", "old_cpr_masked", "changed_by", "reason")
    readonly_fields = fields
    search_fields = ("citizen__name", "changed_by__username")
    date_hierarchy = "changed_at"
    show_full_result_count = False

    @admin.display(description=_("previous CPR number"))
    def old_cpr_masked(self, change: CprChange) -> str:
        return cpr_rules.mask(change.old_cpr)

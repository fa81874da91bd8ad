"""Caseworkers: adding one creates the login; changes and actions go through the services.

Creating and changing a caseworker are allocation services (`allocation.services`):
capacity that appears drains the queue, capacity that disappears is checked against the
limits. Deleting one is staff's own service.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db.models import F, QuerySet
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from allocation import services
from core.admin import ServiceErrorsMixin

from .. import services as staff_services
from ..models import HUNDREDTHS, Caseworker, CaseworkerStatus, Role
from .common import adopt, load_number, load_text

User = get_user_model()


class CaseworkerAddForm(forms.ModelForm):
    """Creates the login too (`allocation.services.caseworker_create`)."""

    username = forms.CharField(label=_("username"), max_length=150, validators=[UnicodeUsernameValidator()])
    email = forms.EmailField(label=_("email"), required=False)
    password = forms.CharField(
        label=_("password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Leave empty to set it later on the login's page; until then the login cannot sign in."),
    )
    role = forms.ChoiceField(label=_("role"), required=False, choices=[("", _("The team's unit type")), *Role.choices])

    class Meta:
        model = Caseworker
        fields = ("full_name", "team", "role", "fte", "cap_override", "started_on", "external_id")

    def clean(self):
        # The service's own rules (staff.services.login_validate), so that the admin and the
        # API refuse the same logins with the same messages.
        cleaned = super().clean()
        try:
            staff_services.login_validate(
                username=cleaned.get("username", ""),
                password=cleaned.get("password") or None,
                email=cleaned.get("email", ""),
                full_name=cleaned.get("full_name", ""),
            )
        except ValidationError as error:
            for field, messages in error.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned


class CaseworkerChangeForm(forms.ModelForm):
    email = forms.EmailField(label=_("email"), required=False)

    class Meta:
        model = Caseworker
        fields = (
            "full_name",
            "team",
            "role",
            "fte",
            "cap_override",
            "started_on",
            "status",
            "accepting_new_cases",
            "external_id",
        )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("email", self.instance.user.email)


class OverCapFilter(admin.SimpleListFilter):
    title = _("load")
    parameter_name = "over_cap"

    def lookups(self, request, model_admin):
        return [("yes", _("Over cap")), ("full", _("At cap")), ("room", _("Has room"))]

    def queryset(self, request, queryset):
        # By the load, the allocation rule (load > cap, in hundredths).
        condition = {"yes": "load_hundredths__gt", "full": "load_hundredths", "room": "load_hundredths__lt"}.get(
            self.value()
        )
        return queryset.filter(**{condition: F("cap") * HUNDREDTHS}) if condition else queryset


@admin.register(Caseworker)
class CaseworkerAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    list_display = (
        "full_name",
        "username",
        "team",
        "jobcenter",
        "role",
        "fte",
        "cap",
        "open_cases",
        "load",
        "status",
        "accepting_new_cases",
    )
    list_select_related = ("user", "team", "team__jobcenter")
    list_filter = ("status", "accepting_new_cases", OverCapFilter, "role", "team__unit_type", "team__jobcenter", "team")
    search_fields = ("full_name", "user__username", "user__email", "external_id")
    autocomplete_fields = ("team",)
    actions = ["send_on_leave", "back_from_leave", "stop_new_cases", "resume_new_cases"]
    # IntegrityError: two administrators creating the same username at once.

    def get_queryset(self, request) -> QuerySet[Caseworker]:
        return super().get_queryset(request).select_related("user", "team", "team__jobcenter")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = CaseworkerChangeForm if obj is not None else CaseworkerAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ("username", "full_name", "email", "password", "external_id")}),
                (_("Caseload"), {"fields": ("team", "role", "fte", "cap_override", "started_on")}),
            ]
        return [
            (None, {"fields": ("user", "full_name", "email", "external_id")}),
            (
                _("Caseload"),
                {"fields": ("team", "role", "fte", "cap_override", "started_on", "cap", "open_cases", "load")},
            ),
            (_("Availability"), {"fields": ("status", "accepting_new_cases")}),
            (_("Record"), {"fields": ("created_at", "updated_at")}),
        ]

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("user", "cap", "open_cases", "load", "created_at", "updated_at")

    @admin.display(description=_("username"), ordering="user__username")
    def username(self, obj: Caseworker) -> str:
        return obj.user.username

    @admin.display(description=_("jobcenter"), ordering="team__jobcenter__name")
    def jobcenter(self, obj: Caseworker):
        return obj.team.jobcenter

    @admin.display(description=_("load / cap"), ordering="load_hundredths")
    def load(self, obj: Caseworker) -> str:
        return load_text(open_cases=obj.open_cases, cap=obj.cap, load_hundredths=obj.load_hundredths)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = services.caseworker_create(
                username=data["username"],
                full_name=data["full_name"],
                team=data["team"],
                role=data["role"] or None,
                fte=data["fte"],
                cap_override=data["cap_override"],
                started_on=data.get("started_on"),
                email=data["email"],
                password=data["password"] or None,
                external_id=data.get("external_id") or None,
            )
            adopt(obj, created)
            return
        changes = {name: data[name] for name in form.changed_data if name in staff_services.CASEWORKER_EDITABLE_FIELDS}
        if changes:
            services.caseworker_update(caseworker=obj, **changes)
        self._report_load(request, obj)

    def _report_load(self, request, obj: Caseworker) -> None:
        now = Caseworker.objects.only("cap", "open_cases", "load_hundredths").get(pk=obj.pk)
        message = _("%(name)s: effective cap %(cap)s, %(open)s open cases.") % {
            "name": obj.full_name,
            "cap": now.cap,
            "open": now.open_cases,
        }
        if now.load_hundredths != now.open_cases * HUNDREDTHS:
            message = _("%(name)s: effective cap %(cap)s, load %(load)s, %(open)s open cases.") % {
                "name": obj.full_name,
                "cap": now.cap,
                "load": load_number(now.load_hundredths),
                "open": now.open_cases,
            }
        if now.is_over_cap:
            over = _("Over cap: rebalance the team to move the most recent cases.")
            self.message_user(request, f"{message} {over}", level="warning")
        else:
            self.message_user(request, message)

    def delete_model(self, request, obj):
        staff_services.caseworker_delete(caseworker=obj)

    def delete_queryset(self, request, queryset):
        for caseworker in queryset.order_by("pk"):
            staff_services.caseworker_delete(caseworker=caseworker)

    # Actions: each caseworker through the service, so that capacity that appears drains
    # the queue and capacity that disappears is checked against the limits.

    def _set(self, request, queryset, *, field: str, value, done) -> None:
        changed = 0
        label = str(Caseworker._meta.get_field(field).verbose_name)
        for caseworker in queryset.order_by("pk"):
            if getattr(caseworker, field) == value:
                continue
            services.caseworker_update(caseworker=caseworker, **{field: value})
            self.log_change(request, caseworker, [{"changed": {"fields": [label]}}])
            changed += 1
        self.message_user(request, done % {"count": changed})

    @admin.action(description=_("Send on leave (they keep their cases until rebalanced)"), permissions=["change"])
    def send_on_leave(self, request, queryset):
        self._set(
            request,
            queryset,
            field="status",
            value=CaseworkerStatus.ON_LEAVE,
            done=ngettext_lazy("%(count)d caseworker sent on leave.", "%(count)d caseworkers sent on leave.", "count"),
        )

    @admin.action(description=_("Back from leave"), permissions=["change"])
    def back_from_leave(self, request, queryset):
        self._set(
            request,
            queryset,
            field="status",
            value=CaseworkerStatus.ACTIVE,
            done=ngettext_lazy(
                "%(count)d caseworker back from leave.", "%(count)d caseworkers back from leave.", "count"
            ),
        )

    @admin.action(description=_("Stop new cases"), permissions=["change"])
    def stop_new_cases(self, request, queryset):
        self._set(
            request,
            queryset,
            field="accepting_new_cases",
            value=False,
            done=ngettext_lazy(
                "%(count)d caseworker no longer receives new cases.",
                "%(count)d caseworkers no longer receive new cases.",
                "count",
            ),
        )

    @admin.action(description=_("Resume new cases"), permissions=["change"])
    def resume_new_cases(self, request, queryset):
        self._set(
            request,
            queryset,
            field="accepting_new_cases",
            value=True,
            done=ngettext_lazy(
                "%(count)d caseworker receives new cases again.",
                "%(count)d caseworkers receive new cases again.",
                "count",
            ),
        )

"""Django admin for caseworkers, caseload policies, cases and the records allocation keeps.

These live here, not in `staff` or `cases`, because every change to them that carries a
rule goes through an allocation service: a raised FTE or a returning caseworker drains
the queue, a new case is allocated at once. The admin never writes `cap`, `open_cases`,
a case's status or its caseworker itself.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from cases.admin import CitizenAccessLogMixin, CprSearchMixin
from cases.models import Case, CaseStatus
from staff import services as staff_services
from staff.admin import ReadOnlyAdmin, ServiceErrorsMixin, ViewOnlyInline, adopt, load_text, marker
from staff.models import CaseloadPolicy, Caseworker, CaseworkerStatus, Role

from . import services
from .errors import AllocationError
from .models import Alert, CaseAssignment, CaseloadSnapshot

User = get_user_model()


# --- Caseworkers --------------------------------------------------------------------------


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
        fields = ("full_name", "team", "role", "fte", "cap_override")

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("A login with this username already exists."), code="exists")
        return username

    def clean(self):
        cleaned = super().clean()
        password = cleaned.get("password")
        if password:
            user = User(username=cleaned.get("username", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(password, user)
            except ValidationError as error:
                self.add_error("password", error)
        return cleaned


class CaseworkerChangeForm(forms.ModelForm):
    email = forms.EmailField(label=_("email"), required=False)

    class Meta:
        model = Caseworker
        fields = ("full_name", "team", "role", "fte", "cap_override", "status", "accepting_new_cases")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("email", self.instance.user.email)


class OverCapFilter(admin.SimpleListFilter):
    title = _("load")
    parameter_name = "over_cap"

    def lookups(self, request, model_admin):
        return [("yes", _("Over cap")), ("full", _("At cap")), ("room", _("Has room"))]

    def queryset(self, request, queryset):
        condition = {"yes": "open_cases__gt", "full": "open_cases", "room": "open_cases__lt"}.get(self.value())
        return queryset.filter(**{condition: F("cap")}) if condition else queryset


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
    search_fields = ("full_name", "user__username", "user__email")
    autocomplete_fields = ("team",)
    actions = ["send_on_leave", "back_from_leave", "stop_new_cases", "resume_new_cases"]
    # IntegrityError: two administrators creating the same username at once.
    service_errors = (staff_services.StaffError, AllocationError, IntegrityError)

    def get_queryset(self, request) -> QuerySet[Caseworker]:
        return super().get_queryset(request).select_related("user", "team", "team__jobcenter")

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = CaseworkerChangeForm if obj is not None else CaseworkerAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (None, {"fields": ("username", "full_name", "email", "password")}),
                (_("Caseload"), {"fields": ("team", "role", "fte", "cap_override")}),
            ]
        return [
            (None, {"fields": ("user", "full_name", "email")}),
            (_("Caseload"), {"fields": ("team", "role", "fte", "cap_override", "cap", "open_cases", "load")}),
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

    @admin.display(description=_("open cases / cap"))
    def load(self, obj: Caseworker) -> str:
        return load_text(open_cases=obj.open_cases, cap=obj.cap)

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
                email=data["email"],
                password=data["password"] or None,
            )
            adopt(obj, created)
            return
        changes = {name: data[name] for name in form.changed_data if name in staff_services.CASEWORKER_EDITABLE_FIELDS}
        if changes:
            services.caseworker_update(caseworker=obj, **changes)
        self._report_load(request, obj)

    def _report_load(self, request, obj: Caseworker) -> None:
        now = Caseworker.objects.only("cap", "open_cases").get(pk=obj.pk)
        message = _("%(name)s: effective cap %(cap)s, %(open)s open cases.") % {
            "name": obj.full_name,
            "cap": now.cap,
            "open": now.open_cases,
        }
        if now.open_cases > now.cap:
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


# --- Caseload policies --------------------------------------------------------------------


def _count_by_role(caseworkers: QuerySet[Caseworker]) -> Coalesce:
    rows = caseworkers.filter(role=OuterRef("role")).order_by().values("role").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


@admin.register(CaseloadPolicy)
class CaseloadPolicyAdmin(ServiceErrorsMixin, admin.ModelAdmin):
    """One row per role (seeded); only the cap changes, through `policy_set_cap`."""

    list_display = ("role", "cap", "caseworker_count", "over_cap_count")
    list_editable = ("cap",)
    fields = ("role", "cap", "caseworker_count", "over_cap_count", "updated_at")
    readonly_fields = ("role", "caseworker_count", "over_cap_count", "updated_at")

    def get_queryset(self, request) -> QuerySet[CaseloadPolicy]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                caseworker_count=_count_by_role(Caseworker.objects.all()),
                over_cap_count=_count_by_role(Caseworker.objects.filter(open_cases__gt=F("cap"))),
            )
        )

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("caseworkers with this role"), ordering="caseworker_count")
    def caseworker_count(self, obj: CaseloadPolicy) -> int:
        return obj.caseworker_count

    @admin.display(description=_("of them over cap"), ordering="over_cap_count")
    def over_cap_count(self, obj: CaseloadPolicy) -> str:
        return marker(alarm=obj.over_cap_count > 0, alarm_text=str(obj.over_cap_count), ok_text="0")

    def save_model(self, request, obj, form, change):
        # Also what the changelist's editable column calls, row by row.
        if "cap" in form.changed_data:
            services.policy_set_cap(role=obj.role, cap=form.cleaned_data["cap"])
            over = Caseworker.objects.filter(role=obj.role, open_cases__gt=F("cap")).count()
            if over:
                message = ngettext(
                    "%(role)s: %(count)d caseworker is now over cap; alerts will tell their leaders.",
                    "%(role)s: %(count)d caseworkers are now over cap; alerts will tell their leaders.",
                    over,
                ) % {"role": obj.get_role_display(), "count": over}
                self.message_user(request, message, level="warning")


# --- Cases --------------------------------------------------------------------------------


class CaseAddForm(forms.ModelForm):
    """Opening a case allocates it (`allocation.services.case_create`): open or queued."""

    class Meta:
        model = Case
        fields = ("citizen", "programme", "target_group")

    def clean_citizen(self):
        citizen = self.cleaned_data["citizen"]
        if Case.objects.filter(citizen=citizen).exclude(status=CaseStatus.CLOSED).exists():
            raise ValidationError(_("This citizen already has a case that is not closed."), code="duplicate")
        return citizen


class AssignmentHistoryInline(ViewOnlyInline):
    model = CaseAssignment
    fields = ("caseworker", "assigned_at", "ended_at", "reason", "note", "by")
    readonly_fields = fields
    ordering = ("assigned_at", "id")
    show_change_link = False
    verbose_name_plural = _("history: who held the case")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("caseworker", "by")


CASE_FIELDS = (
    "citizen",
    "jobcenter",
    "programme",
    "target_group",
    "status",
    "caseworker",
    "team",
    "opened_at",
    "queued_at",
    "assigned_at",
    "closed_at",
    "outcome",
    "closed_by",
    "created_at",
    "updated_at",
)


@admin.register(Case)
class CaseAdmin(ServiceErrorsMixin, CitizenAccessLogMixin, CprSearchMixin, admin.ModelAdmin):
    citizen_lookup = "citizen_id"
    citizen_lookup_param = "citizen__id__exact"
    list_display = (
        "id",
        "citizen",
        "programme",
        "target_group",
        "status",
        "caseworker",
        "team",
        "opened_at",
        "outcome",
    )
    list_select_related = ("citizen", "caseworker", "caseworker__team")
    list_filter = ("status", "programme", "target_group", "outcome", "jobcenter", "caseworker__team")
    search_fields = ("citizen__name", "caseworker__full_name")
    search_help_text = _("Citizen's name, a full CPR number (DDMMYY-SSSS), or the caseworker's name.")
    date_hierarchy = "opened_at"
    show_full_result_count = False  # a second COUNT over every case, on each page, is not worth it
    autocomplete_fields = ("citizen",)
    inlines = [AssignmentHistoryInline]
    service_errors = (AllocationError,)

    def citizen_ids_of(self, objects) -> list[int]:
        return [case.citizen_id for case in objects]

    def get_queryset(self, request) -> QuerySet[Case]:
        return super().get_queryset(request).select_related("citizen", "jobcenter", "caseworker__team", "closed_by")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = CaseAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("citizen", "programme", "target_group") if obj is None else CASE_FIELDS

    def get_readonly_fields(self, request, obj=None):
        # Status and caseworker move only through intake, close, reassign and rebalance.
        return () if obj is None else tuple(name for name in CASE_FIELDS if name != "target_group")

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # a case is closed, never erased

    @admin.display(description=_("team"), ordering="caseworker__team__name")
    def team(self, obj: Case):
        return obj.caseworker.team if obj.caseworker_id else None

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            # The target group carries no rule. Only that column is written, so that a
            # status or caseworker read into this form can never overwrite what an
            # allocation wrote meanwhile.
            if "target_group" in form.changed_data:
                obj.save(update_fields=["target_group", "updated_at"])
            return
        created = services.case_create(
            citizen=data["citizen"], programme=data["programme"], target_group=data["target_group"], by=request.user
        )
        adopt(obj, created)
        if created.status == CaseStatus.QUEUED:
            self.message_user(request, _("Nobody eligible had room: the case is queued."), level="warning")
        else:
            holder = Caseworker.objects.only("full_name").get(pk=created.caseworker_id)
            self.message_user(request, _("Allocated to %(name)s.") % {"name": holder.full_name})


# --- Records the system keeps -------------------------------------------------------------


@admin.register(CaseAssignment)
class CaseAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("case", "caseworker", "assigned_at", "ended_at", "reason", "by")
    list_select_related = ("case", "caseworker", "by")
    list_filter = ("reason", ("ended_at", admin.EmptyFieldListFilter))
    search_fields = ("caseworker__full_name",)
    date_hierarchy = "assigned_at"
    show_full_result_count = False


class ResolvedFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "resolved"

    def lookups(self, request, model_admin):
        return [("no", _("Open")), ("yes", _("Resolved"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(resolved_at__isnull=self.value() == "no")
        return queryset


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "team", "caseworker", "message", "state", "resolved_at")
    list_select_related = ("team", "caseworker")
    list_filter = (ResolvedFilter, "kind", "team")
    search_fields = ("message", "team__name", "caseworker__full_name")
    date_hierarchy = "created_at"

    @admin.display(description=_("state"), ordering="resolved_at")
    def state(self, obj: Alert) -> str:
        return marker(alarm=obj.resolved_at is None, alarm_text=_("Open"), ok_text=_("Resolved"))


@admin.register(CaseloadSnapshot)
class CaseloadSnapshotAdmin(ReadOnlyAdmin):
    list_display = ("date", "team", "caseworker", "open_cases", "cap", "fte", "queued")
    list_select_related = ("team", "caseworker")
    list_filter = ("team",)
    search_fields = ("team__name", "caseworker__full_name")
    date_hierarchy = "date"
    show_full_result_count = False

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from access import doors
from access.scopes import caseworkers_visible_to, citizens_visible_to, jobcenters_visible_to
from allocation.models import Alert, AssignmentReason, CaseAssignment
from cases import cpr as cpr_rules
from cases.access_log import reveal_purpose_clean
from cases.models import AccessAction, Case, Citizen, CitizenAccess, Outcome, Programme, TargetGroup
from casework.selectors import contact_plan_of
from staff.models import Complexity

from .base import ClosedSerializer, StrictSerializer
from .fields import NullableChoiceField
from .visible import VisibleRelatedField


class CitizenSerializer(serializers.ModelSerializer):
    cpr = serializers.RegexField(
        r"^\d{6}-XXXX$",
        source="cpr_masked",
        read_only=True,
        help_text="Always masked: DDMMYY-XXXX.",
    )

    class Meta:
        model = Citizen
        fields = ["id", "cpr", "name", "jobcenter", "birth_date"]
        read_only_fields = fields


class CitizenCreateSerializer(StrictSerializer):
    cpr = serializers.CharField(
        max_length=20, write_only=True, help_text="DDMMYY-SSSS or DDMMYYSSSS; never rejected for modulus 11."
    )
    name = serializers.CharField(max_length=200)
    jobcenter = VisibleRelatedField(scope=jobcenters_visible_to)

    def validate_cpr(self, value: str) -> str:
        try:
            return cpr_rules.parse(value).number
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages)) from None


class CprRevealSerializer(StrictSerializer):
    purpose = serializers.CharField(
        max_length=500, help_text="Why the full number is needed; recorded in the citizen's access log."
    )

    def validate_purpose(self, value: str) -> str:
        try:
            return reveal_purpose_clean(value)
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages)) from None


class CprRevealedSerializer(serializers.Serializer):
    cpr = serializers.RegexField(r"^\d{6}-\d{4}$", help_text="The full CPR number, DDMMYY-SSSS.")


class CitizenFindSerializer(StrictSerializer):
    cpr = serializers.CharField(max_length=20, write_only=True, help_text="A full CPR number, current or former.")

    def validate_cpr(self, value: str) -> str:
        try:
            return cpr_rules.parse(value).number
        except DjangoValidationError as error:
            raise serializers.ValidationError(list(error.messages)) from None


class CitizenFoundSerializer(CitizenSerializer):
    """The citizen a full CPR number finds; when it is a former number of theirs, when it was
    changed and the notice to show (the citizen's current number is shown, masked)."""

    cpr_changed_at = serializers.DateTimeField(
        allow_null=True, read_only=True, help_text="Set when the number searched for is a former one."
    )
    notice = serializers.CharField(read_only=True, help_text="Empty unless the number searched for was changed.")

    class Meta(CitizenSerializer.Meta):
        fields = [*CitizenSerializer.Meta.fields, "cpr_changed_at", "notice"]
        read_only_fields = fields


class CitizenAccessSerializer(serializers.ModelSerializer):
    """One look at a citizen's data: who, what, when, through which route and why."""

    username = serializers.CharField(source="user.get_username", read_only=True)
    action = serializers.ChoiceField(choices=AccessAction.choices, read_only=True)

    class Meta:
        model = CitizenAccess
        fields = ["id", "user", "username", "action", "route", "purpose", "created_at"]
        read_only_fields = fields


class CaseSerializer(serializers.ModelSerializer):
    target_group = NullableChoiceField(choices=TargetGroup.choices)
    outcome = NullableChoiceField(choices=Outcome.choices, help_text="Set when the case is closed.")
    team = serializers.SerializerMethodField(help_text="Team of the current (or, once closed, the last) caseworker.")
    next_contact_due = serializers.SerializerMethodField(
        help_text="When the next conversation is due under the contact plan; null for a closed case."
    )

    class Meta:
        model = Case
        fields = [
            "id",
            "citizen",
            "programme",
            "target_group",
            "status",
            "caseworker",
            "team",
            "opened_at",
            "closed_at",
            "outcome",
            "complexity",
            "next_contact_due",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_team(self, case: Case) -> int | None:
        # Lists annotate it in SQL (allocation.selectors.with_case_team); a single case may load it.
        if hasattr(case, "current_team_id"):
            return case.current_team_id
        return case.team_id

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_next_contact_due(self, case: Case):
        # Lists annotate it in SQL (casework.selectors.with_contact_plan); a case just written
        # by a service is read once more, one the request opened (context "just_opened") not.
        if hasattr(case, "next_contact_due"):
            due = case.next_contact_due
        else:
            due = contact_plan_of(case, just_opened=self.context.get("just_opened", False))["next_due"]
        return serializers.DateField().to_representation(due) if due is not None else None


class CaseCreateSerializer(StrictSerializer):
    citizen = VisibleRelatedField(scope=citizens_visible_to, door=doors.citizen_visible)
    programme = serializers.ChoiceField(choices=Programme.choices)
    target_group = serializers.ChoiceField(
        choices=TargetGroup.choices, required=False, allow_blank=True, allow_null=True
    )
    complexity = serializers.ChoiceField(
        choices=Complexity.choices,
        default=Complexity.COMPLEX,
        help_text="How demanding the case is; what it weighs in its caseworker's load. Default: complex.",
    )


class CaseUpdateSerializer(ClosedSerializer):
    """PATCH of a case: its complexity is the only thing set directly; any other key is a 400
    (status and caseworker change through close and reassign)."""

    complexity = serializers.ChoiceField(
        choices=Complexity.choices,
        required=False,
        help_text="How demanding the case is; the load of its caseworker follows at once.",
    )


class CaseReassignSerializer(StrictSerializer):
    caseworker = VisibleRelatedField(scope=caseworkers_visible_to)
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, help_text="Free-text note.")


class CaseCloseSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)


class AssignmentSerializer(serializers.ModelSerializer):
    reason = serializers.ChoiceField(choices=AssignmentReason.choices, read_only=True)
    by = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True, help_text="User id; null for the system.")

    class Meta:
        model = CaseAssignment
        fields = ["caseworker", "assigned_at", "ended_at", "reason", "note", "by"]
        read_only_fields = fields


class AlertSerializer(serializers.ModelSerializer):
    class Meta:
        model = Alert
        fields = ["id", "kind", "team", "caseworker", "message", "created_at", "resolved_at"]
        read_only_fields = fields

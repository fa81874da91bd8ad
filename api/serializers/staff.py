from __future__ import annotations

from decimal import Decimal

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from access.scopes import jobcenters_visible_to, teams_visible_to
from casework.selectors import contacts_overdue_of
from staff.models import (
    CaseloadPolicy,
    Caseworker,
    CaseworkerStatus,
    Jobcenter,
    Role,
    Team,
    from_hundredths,
)
from staff.selectors import team_is_over_limit

from .base import ClosedSerializer, StrictModelSerializer, StrictSerializer
from .fields import MAX_INT
from .visible import VisibleRelatedField

User = get_user_model()


def _fte(**kwargs) -> serializers.DecimalField:
    # A JSON number (0.5), exact to two decimals: caps are floor(policy cap × fte).
    return serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("1.00"),
        coerce_to_string=False,
        help_text="Share of full time, in (0, 1], at most two decimals.",
        **kwargs,
    )


def _load(**kwargs) -> serializers.DecimalField:
    # A JSON number like fte: the sum of the weights of open cases, exact to two decimals.
    return serializers.DecimalField(
        max_digits=None,
        decimal_places=2,
        read_only=True,
        coerce_to_string=False,
        **kwargs,
    )


def _weight(**kwargs) -> serializers.DecimalField:
    # What a case of one complexity weighs: a JSON number in (0, 5], at most two decimals.
    return serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("5.00"),
        coerce_to_string=False,
        **kwargs,
    )


def _share(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=3,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("1.00"),
        coerce_to_string=False,
        help_text="Share of the cap a new colleague carries, in (0, 1], at most two decimals.",
        **kwargs,
    )


_NEW_HIRE_MONTHS = "For how many months after `started_on` a caseworker carries `new_hire_share` of the cap."


class JobcenterSerializer(StrictModelSerializer):
    class Meta:
        model = Jobcenter
        fields = ["id", "name", "municipality_code"]


class TeamSerializer(serializers.ModelSerializer):
    leaders = serializers.PrimaryKeyRelatedField(many=True, read_only=True, help_text="User ids of the leaders.")
    caseworker_count = serializers.IntegerField(read_only=True)
    open_cases = serializers.IntegerField(source="open_cases_total", read_only=True)
    capacity = serializers.IntegerField(read_only=True, help_text="Sum of the active caseworkers' caps.")
    load = serializers.SerializerMethodField(help_text="Sum of its caseworkers' loads (the weights of open cases).")
    over_limit = serializers.SerializerMethodField(
        help_text="A caseworker's load is over their cap, or the team's load exceeds its capacity."
    )
    contacts_overdue = serializers.SerializerMethodField(
        help_text="How many of its open cases are overdue for contact."
    )

    class Meta:
        model = Team
        fields = [
            "id",
            "name",
            "jobcenter",
            "unit_type",
            "leaders",
            "caseworker_count",
            "open_cases",
            "load",
            "capacity",
            "over_limit",
            "contacts_overdue",
        ]

    @extend_schema_field(_load())
    def get_load(self, team: Team) -> Decimal:
        # Annotated in hundredths (staff.selectors.with_team_load), summed exactly.
        return _load().to_representation(from_hundredths(team.load_hundredths_total))

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_over_limit(self, team: Team) -> bool:
        return team_is_over_limit(team)

    @extend_schema_field(OpenApiTypes.INT)
    def get_contacts_overdue(self, team: Team) -> int:
        return _contacts_overdue(team, outer="caseworker__team")


def _contacts_overdue(obj, *, outer: str) -> int:
    # Lists annotate it (casework.selectors.contacts_overdue_count); one object read through
    # its door, or just written, counts once more.
    if hasattr(obj, "contacts_overdue"):
        return obj.contacts_overdue
    return contacts_overdue_of(outer=outer, pk=obj.pk)


class TeamWriteSerializer(StrictModelSerializer):
    jobcenter = VisibleRelatedField(scope=jobcenters_visible_to)
    leaders = serializers.PrimaryKeyRelatedField(
        many=True, queryset=User.objects.all(), required=False, help_text="User ids of the leaders."
    )

    class Meta:
        model = Team
        fields = ["name", "jobcenter", "unit_type", "leaders"]


class CaseworkerSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)
    fte = _fte(read_only=True)
    cap = serializers.IntegerField(
        read_only=True,
        help_text="Effective cap, in the unit of `load`: cap_override, else floor(policy × fte), times the "
        "policy's new_hire_share while the caseworker is new.",
    )
    open_cases = serializers.IntegerField(read_only=True, help_text="How many open cases they hold.")
    load = _load(help_text="The sum of the weights of their open cases (each 1 unless the policy weighs).")
    started_on = serializers.DateField(read_only=True, help_text="When they started: the new-colleague period.")
    contacts_overdue = serializers.SerializerMethodField(
        help_text="How many of their open cases are overdue for contact."
    )

    class Meta:
        model = Caseworker
        fields = [
            "id",
            "username",
            "full_name",
            "team",
            "role",
            "fte",
            "cap_override",
            "cap",
            "open_cases",
            "load",
            "status",
            "accepting_new_cases",
            "started_on",
            "contacts_overdue",
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def get_contacts_overdue(self, caseworker: Caseworker) -> int:
        return _contacts_overdue(caseworker, outer="caseworker")


class CaseworkerCreateSerializer(StrictSerializer):
    username = serializers.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator(), UniqueValidator(queryset=User.objects.all())],
    )
    full_name = serializers.CharField(max_length=200)
    team = VisibleRelatedField(scope=teams_visible_to)
    role = serializers.ChoiceField(choices=Role.choices, required=False, help_text="Default: the team's unit type.")
    fte = _fte(required=False)
    cap_override = serializers.IntegerField(min_value=0, max_value=MAX_INT, required=False, allow_null=True)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    started_on = serializers.DateField(required=False, help_text="Default: today.")
    password = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=128,
        style={"input_type": "password"},
        help_text="Optional; without it the login has no usable password until one is set.",
    )

    def validate_password(self, value: str) -> str:
        if value:
            try:
                password_validation.validate_password(value)
            except DjangoValidationError as error:
                raise serializers.ValidationError(list(error.messages)) from None
        return value


class CaseworkerUpdateSerializer(StrictSerializer):
    team = VisibleRelatedField(scope=teams_visible_to, required=False)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    fte = _fte(required=False)
    cap_override = serializers.IntegerField(min_value=0, max_value=MAX_INT, required=False, allow_null=True)
    status = serializers.ChoiceField(choices=CaseworkerStatus.choices, required=False)
    accepting_new_cases = serializers.BooleanField(required=False)
    full_name = serializers.CharField(max_length=200, required=False)
    email = serializers.EmailField(required=False, allow_blank=True, max_length=254)
    started_on = serializers.DateField(required=False)


class PolicyWeightsSerializer(serializers.Serializer):
    """What a case weighs, by complexity."""

    simple = _weight(source="weight_simple", read_only=True)
    complex = _weight(source="weight_complex", read_only=True)
    very_complex = _weight(source="weight_very_complex", read_only=True)


class PolicyWeightsUpdateSerializer(ClosedSerializer):
    """Any of the weights; the others keep theirs. A key that is not a complexity is a 400."""

    simple = _weight(required=False)
    complex = _weight(required=False)
    very_complex = _weight(required=False)


class PolicySerializer(serializers.ModelSerializer):
    cap = serializers.IntegerField(
        read_only=True, help_text="Load per full-time caseworker (cases, when every weight is 1)."
    )
    weights = PolicyWeightsSerializer(
        source="*", read_only=True, help_text="What a case weighs by complexity, each in (0, 5]; default 1."
    )
    new_hire_months = serializers.IntegerField(read_only=True, help_text=_NEW_HIRE_MONTHS)
    new_hire_share = _share(read_only=True)

    class Meta:
        model = CaseloadPolicy
        fields = ["role", "cap", "weights", "new_hire_months", "new_hire_share"]


class PolicyUpdateSerializer(StrictSerializer):
    cap = serializers.IntegerField(
        min_value=0, max_value=MAX_INT, required=False, help_text="Load per full-time caseworker."
    )
    weights = PolicyWeightsUpdateSerializer(
        required=False, help_text="Any of simple, complex, very_complex; the others keep their weight."
    )
    new_hire_months = serializers.IntegerField(min_value=0, max_value=60, required=False, help_text=_NEW_HIRE_MONTHS)
    new_hire_share = _share(required=False)


class RebalanceRequestSerializer(StrictSerializer):
    apply = serializers.BooleanField(default=False, help_text="false: only the plan; true: carry it out atomically.")
    include_on_leave = serializers.BooleanField(
        default=False, help_text="Also move every case of caseworkers on leave."
    )
    spill_over = serializers.BooleanField(
        default=False,
        help_text="Also move cases to teams of the same unit type in the jobcenter (admins only).",
    )


class MoveSerializer(serializers.Serializer):
    case = serializers.IntegerField(source="case_id")
    from_caseworker = serializers.IntegerField(source="from_caseworker_id")
    to_caseworker = serializers.IntegerField(source="to_caseworker_id")


class RebalanceResultSerializer(serializers.Serializer):
    moves = MoveSerializer(many=True)
    over_cap_after = serializers.IntegerField(help_text="Caseworkers of the team still over cap afterwards.")


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The user id.")
    username = serializers.CharField()
    is_admin = serializers.BooleanField()
    caseworker = serializers.IntegerField(allow_null=True, help_text="The user's caseworker id, if any.")
    teams_led = serializers.ListField(child=serializers.IntegerField())

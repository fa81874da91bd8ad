"""The report figures at /api/v1/reports/: the same selectors as the pages, as JSON.

Scoped like the pages (leaders: their teams; administrators: everything; others: 404),
and never a row about a citizen: counts under five are null.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from access.doors import access_trial
from access.scopes import trials_visible_to
from staff.models import Complexity, UnitType

from .figures.capacity import capacity_plan
from .figures.caseloads import caseload_trend, queue_waiting
from .figures.contacts import contact_report
from .figures.exits import exit_pattern, time_to_exit
from .figures.keyfigures import key_figures
from .figures.trial import trial_report
from .forms import CapacityForm
from .scope import ARM_CHOICE, GROUP_CHOICES, ContactsFilterForm, ReportFilterForm, report_scope

FILTERS = [
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="First day (default: a year before date_to)."),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="Last day (default: today)."),
    OpenApiParameter("jobcenter", OpenApiTypes.INT, description="Only this jobcenter."),
    OpenApiParameter("unit_type", OpenApiTypes.STR, enum=UnitType.values, description="Only this unit type."),
    OpenApiParameter("team", OpenApiTypes.INT, description="Only this team."),
]
GROUP = OpenApiParameter("group_by", OpenApiTypes.STR, enum=[value for value, _ in GROUP_CHOICES])
CONTACTS_GROUP = OpenApiParameter(
    "group_by",
    OpenApiTypes.STR,
    enum=[value for value, _ in [*GROUP_CHOICES, ARM_CHOICE]],
    description="`arm` (trial arm) for administrators only.",
)


def _valid(form):
    if not form.is_valid():
        raise ValidationError({field: [str(e) for e in errors] for field, errors in form.errors.items()})
    return form


# One figure, scoped and filtered: `{"results": [...]}` of `figure`'s rows. (A comment,
# not a docstring: drf-spectacular would publish a docstring as every operation's text.)
class ReportView(APIView):
    figure = None  # a function of (scope, filters[, group_by]) in reports.figures
    grouped = False  # whether it takes group_by
    serializer_class = None
    form_class = ReportFilterForm
    # A user who may see no report at all gets 404 (reports.scope.report_scope).
    schema_error_codes = (404,)

    def get(self, request):
        scope = report_scope(request.user)  # first: who may see no report gets a 404, not a 400
        form = _valid(self.form_class(request.query_params, user=request.user))
        rows = self.rows(request, scope=scope, form=form)
        return Response({"results": self.serializer_class(rows, many=True).data})

    def rows(self, request, *, scope, form):
        grouping = {"group_by": form.cleaned_data["group_by"]} if self.grouped else {}
        return type(self).figure(scope=scope, filters=form.report_filter(), **grouping)


class CaseloadPointSerializer(serializers.Serializer):
    date = serializers.DateField()
    group = serializers.CharField()
    label = serializers.CharField()
    caseworkers = serializers.IntegerField()
    median_per_fte = serializers.FloatField(allow_null=True)
    p90_per_fte = serializers.FloatField(allow_null=True)
    over_cap_share = serializers.FloatField(allow_null=True)
    queued = serializers.IntegerField(allow_null=True, help_text="Null when 1–4 (suppressed).")
    median_load_per_fte = serializers.FloatField(
        allow_null=True, help_text="In load: the cases weighted by complexity (equal to the count without weights)."
    )
    p90_load_per_fte = serializers.FloatField(allow_null=True)
    over_cap_share_by_load = serializers.FloatField(allow_null=True, help_text="Share whose load exceeds the cap.")


def _results(serializer):
    return inline_serializer(
        f"{serializer.__name__.removesuffix('Serializer')}Results", {"results": serializer(many=True)}
    )


@extend_schema_view(
    get=extend_schema(
        summary="Cases per full-time caseworker over time",
        description="From the daily snapshots: per day (weekly for periods over 92 days) and group.",
        parameters=[*FILTERS, GROUP],
        responses=_results(CaseloadPointSerializer),
        tags=["reports"],
    )
)
class CaseloadsView(ReportView):
    figure, grouped, serializer_class = caseload_trend, True, CaseloadPointSerializer


class WaitingMonthSerializer(serializers.Serializer):
    month = serializers.DateField()
    allocated_from_queue = serializers.IntegerField(allow_null=True)
    mean_wait_hours = serializers.FloatField(allow_null=True)


@extend_schema_view(
    get=extend_schema(
        summary="Waiting time of cases allocated from the queue, per month",
        parameters=FILTERS,
        responses=_results(WaitingMonthSerializer),
        tags=["reports"],
    )
)
class QueueWaitingView(ReportView):
    figure, serializer_class = queue_waiting, WaitingMonthSerializer


class ExitRowSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    group = serializers.CharField()
    label = serializers.CharField()
    total = serializers.IntegerField(allow_null=True)
    counts = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    shares = serializers.DictField(child=serializers.FloatField(allow_null=True))


@extend_schema_view(
    get=extend_schema(
        summary="Exit pattern: closed cases per quarter by outcome",
        parameters=[*FILTERS, GROUP],
        responses=_results(ExitRowSerializer),
        tags=["reports"],
    )
)
class ExitsView(ReportView):
    figure, grouped, serializer_class = exit_pattern, True, ExitRowSerializer


class ExitDurationSerializer(serializers.Serializer):
    group = serializers.CharField()
    label = serializers.CharField()
    exits = serializers.IntegerField(allow_null=True)
    median_days = serializers.FloatField(allow_null=True)


@extend_schema_view(
    get=extend_schema(
        summary="Median days from intake to exit",
        parameters=[*FILTERS, GROUP],
        responses=_results(ExitDurationSerializer),
        tags=["reports"],
    )
)
class TimeToExitView(ReportView):
    figure, grouped, serializer_class = time_to_exit, True, ExitDurationSerializer


class ContactFiguresSerializer(serializers.Serializer):
    cases = serializers.IntegerField(
        allow_null=True, help_text="Cases open in the quarter; under five, every figure of the row is null."
    )
    deadlines = serializers.IntegerField(allow_null=True, help_text="Contact deadlines met or missed.")
    met_on_time = serializers.IntegerField(allow_null=True)
    missed = serializers.IntegerField(allow_null=True)
    share_on_time = serializers.FloatField(allow_null=True)
    held = serializers.IntegerField(allow_null=True, help_text="Jobsamtaler held.")
    citizen_months = serializers.FloatField(allow_null=True)
    held_per_citizen_month = serializers.FloatField(allow_null=True)
    no_shows = serializers.IntegerField(allow_null=True)
    no_show_rate = serializers.FloatField(allow_null=True, help_text="No-shows ÷ (held + no-shows).")


class ContactRowSerializer(ContactFiguresSerializer):
    quarter = serializers.CharField()
    group = serializers.CharField()
    label = serializers.CharField()


@extend_schema_view(
    get=extend_schema(
        summary="Contact per quarter: deadlines met on time, jobsamtaler per citizen-month, no-shows",
        description=(
            "A case's contact deadlines are the next due dates of its contact plan along its history; "
            "a deadline is met when a held jobsamtale falls on or before it, missed when it passed "
            "(before today and before the case closed) with none held, and counts in the quarter of "
            "its date. Citizen-months: days open in the quarter ÷ 365.25/12, summed over the cases."
        ),
        parameters=[*FILTERS, CONTACTS_GROUP],
        responses=_results(ContactRowSerializer),
        tags=["reports"],
    )
)
class ContactsView(ReportView):
    figure, grouped, serializer_class, form_class = contact_report, True, ContactRowSerializer, ContactsFilterForm


class KeyFiguresSerializer(serializers.Serializer):
    quarter = serializers.CharField()
    jobparat = serializers.IntegerField(allow_null=True)
    aktivitetsparat = serializers.IntegerField(allow_null=True)
    cases_per_fte = serializers.FloatField(allow_null=True)
    exits = serializers.IntegerField(allow_null=True)
    exits_job_or_education = serializers.IntegerField(allow_null=True)
    share_job_or_education = serializers.FloatField(allow_null=True)


@extend_schema_view(
    get=extend_schema(
        summary="Jobindsats-style key figures per quarter",
        parameters=FILTERS,
        responses=_results(KeyFiguresSerializer),
        tags=["reports"],
    )
)
class KeyFiguresView(ReportView):
    figure, serializer_class = key_figures, KeyFiguresSerializer


class CapacityRowSerializer(serializers.Serializer):
    unit_type = serializers.CharField()
    label = serializers.CharField()
    open_cases = serializers.IntegerField()
    queued = serializers.IntegerField()
    workload = serializers.IntegerField()
    caseworkers = serializers.IntegerField()
    fte = serializers.FloatField()
    policy_cap = serializers.IntegerField(allow_null=True)
    cap = serializers.IntegerField(allow_null=True)
    fte_needed = serializers.FloatField(allow_null=True)
    fte_gap = serializers.FloatField(allow_null=True)
    net_growth_per_year = serializers.IntegerField()
    fte_needed_in_a_year = serializers.FloatField(allow_null=True)
    yearly_cost_of_gap = serializers.IntegerField(allow_null=True)
    weight_simple = serializers.FloatField(allow_null=True, help_text="The weight used: the policy's or weight_simple.")
    weight_complex = serializers.FloatField(allow_null=True)
    weight_very_complex = serializers.FloatField(allow_null=True)
    workload_load = serializers.FloatField(
        allow_null=True, help_text="Open + queued cases, each counted at its complexity's weight."
    )
    load_fte_needed = serializers.FloatField(allow_null=True, help_text="workload_load ÷ cap, up to hundredths.")
    load_fte_gap = serializers.FloatField(allow_null=True)
    load_caseworkers_needed = serializers.IntegerField(
        allow_null=True, help_text="Whole full-time caseworkers: ⌈workload_load ÷ cap⌉."
    )


@extend_schema_view(
    get=extend_schema(
        summary="Capacity plan: full-time caseworkers needed per unit type (what-if)",
        parameters=[
            *FILTERS,
            OpenApiParameter("cost_per_fte", OpenApiTypes.INT, description="Yearly cost of a full-time caseworker."),
            *(
                OpenApiParameter(f"cap_{value}", OpenApiTypes.INT, description=f"What-if cap for {value}.")
                for value in UnitType.values
            ),
            *(
                OpenApiParameter(
                    f"weight_{value}",
                    OpenApiTypes.DECIMAL,
                    description=f"What-if weight of a {value} case, (0, 5], two decimals (default: the policy's).",
                )
                for value in Complexity.values
            ),
        ],
        responses=_results(CapacityRowSerializer),
        tags=["reports"],
    )
)
class CapacityView(ReportView):
    serializer_class = CapacityRowSerializer

    def rows(self, request, *, scope, form):
        what_if = _valid(CapacityForm(request.query_params))
        return capacity_plan(
            scope=scope,
            filters=form.report_filter(),
            caps=what_if.caps(),
            cost_per_fte=what_if.yearly_cost(),
            weights=what_if.weights(),
        )


class TrialSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    hypothesis = serializers.CharField()
    jobcenter = serializers.IntegerField(source="jobcenter_id")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    programme = serializers.CharField()
    target_group = serializers.CharField()
    min_age = serializers.IntegerField(allow_null=True)
    min_years_on_benefits = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)


class TrialListView(APIView):
    @extend_schema(
        summary="Trials (administrators)",
        operation_id="reports_trials_list",
        responses=_results(TrialSerializer),
        tags=["reports"],
    )
    def get(self, request):
        trials = trials_visible_to(request.user).order_by("-starts_on", "name")
        return Response({"results": TrialSerializer(trials, many=True).data})


class ShareSerializer(serializers.Serializer):
    successes = serializers.IntegerField()
    total = serializers.IntegerField()
    share = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)


class DifferenceSerializer(serializers.Serializer):
    difference = serializers.FloatField(allow_null=True)
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)


class SurvivalPointSerializer(serializers.Serializer):
    day = serializers.IntegerField()
    survival = serializers.FloatField()
    low = serializers.FloatField(allow_null=True)
    high = serializers.FloatField(allow_null=True)
    at_risk = serializers.IntegerField()


class SurvivalSerializer(serializers.Serializer):
    points = SurvivalPointSerializer(many=True)
    median_days = serializers.FloatField(allow_null=True)
    total = serializers.IntegerField()
    events = serializers.IntegerField()


class ArmSerializer(serializers.Serializer):
    arm_id = serializers.IntegerField()
    name = serializers.CharField()
    ratio = serializers.IntegerField()
    teams = serializers.ListField(child=serializers.CharField())
    included = serializers.IntegerField(allow_null=True)
    still_open = serializers.IntegerField(allow_null=True)
    exits = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    job_or_education = ShareSerializer(allow_null=True)
    difference = DifferenceSerializer(allow_null=True, help_text="Against the first (reference) arm.")
    survival = SurvivalSerializer(allow_null=True, help_text="Kaplan–Meier; open cases censored.")
    contacts = ContactFiguresSerializer(allow_null=True, help_text="From the trial's first day to as_of.")


class TrialReportSerializer(serializers.Serializer):
    trial = TrialSerializer()
    as_of = serializers.DateTimeField()
    reference = serializers.CharField()
    arms = ArmSerializer(many=True)
    excluded = serializers.DictField(child=serializers.IntegerField(allow_null=True))
    logrank = serializers.SerializerMethodField()
    contacts_by_quarter = ContactRowSerializer(many=True, help_text="Per quarter and arm (`group`: the arm's id).")

    def get_logrank(self, report) -> dict | None:
        if report.logrank is None:
            return None
        return {"chi2": report.logrank[0], "p_value": report.logrank[1]}


class TrialReportView(APIView):
    @extend_schema(
        summary="Trial report: arms, exits, shares with 95 % CI, Kaplan–Meier",
        responses=TrialReportSerializer,
        tags=["reports"],
    )
    def get(self, request, trial_id: int):
        trial = access_trial(request.user, trial_id)
        return Response(TrialReportSerializer(trial_report(trial=trial)).data)

"""Jobcenters, teams, caseworkers and caseload policies."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from access import doors, rules, scopes
from allocation import rebalancing
from allocation import services as allocation_services
from casework.selectors import contacts_overdue_count
from staff import services as staff_services
from staff.models import Role, Team
from staff.selectors import with_team_load

from ..permissions import AdminWrites
from ..schema import errors
from ..serializers.staff import (
    CaseworkerCreateSerializer,
    CaseworkerSerializer,
    CaseworkerUpdateSerializer,
    JobcenterSerializer,
    PolicySerializer,
    PolicyUpdateSerializer,
    RebalanceRequestSerializer,
    RebalanceResultSerializer,
    TeamSerializer,
    TeamWriteSerializer,
)
from .base import ThroughTheDoor, describing_the_schema, validated


def _crud_schema(output, write=None, *, put: bool = True):
    """extend_schema_view arguments for a resource whose writes are for admins."""
    views = {
        "list": extend_schema(responses={200: output(many=True), **errors(400)}),
        "retrieve": extend_schema(responses={200: output, **errors(404)}),
        "create": extend_schema(request=write or output, responses={201: output, **errors(400, 409)}),
        "partial_update": extend_schema(request=write or output, responses={200: output, **errors(400, 404, 409)}),
        "destroy": extend_schema(responses={204: None, **errors(404, 409)}),
    }
    if put:
        views["update"] = extend_schema(request=write or output, responses={200: output, **errors(400, 404, 409)})
    return views


@extend_schema_view(**_crud_schema(JobcenterSerializer))
class JobcenterViewSet(ThroughTheDoor, viewsets.ModelViewSet):
    serializer_class = JobcenterSerializer
    permission_classes = [IsAuthenticated, AdminWrites]
    door = staticmethod(doors.access_jobcenter)

    def get_queryset(self):
        return scopes.jobcenters_visible_to(self.request.user)

    def perform_create(self, serializer):
        serializer.instance = staff_services.jobcenter_create(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = staff_services.jobcenter_update(
            jobcenter=serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        staff_services.jobcenter_delete(jobcenter=instance)


@extend_schema_view(**_crud_schema(TeamSerializer, TeamWriteSerializer))
class TeamViewSet(ThroughTheDoor, viewsets.ModelViewSet):
    permission_classes = [IsAuthenticated, AdminWrites]
    door = staticmethod(doors.access_team)
    door_options = {"with_load": True}

    def get_queryset(self):
        teams = with_team_load(scopes.teams_visible_to(self.request.user))
        if not describing_the_schema(self):
            teams = teams.annotate(contacts_overdue=contacts_overdue_count(outer="caseworker__team"))
        # An aggregate query drops Meta.ordering; pages need a stable order.
        return teams.prefetch_related(Prefetch("leaders", queryset=_leader_ids())).order_by(*Team._meta.ordering)

    def get_serializer_class(self):
        return TeamSerializer if self.action in {"list", "retrieve"} else TeamWriteSerializer

    def _out(self, team, code=status.HTTP_200_OK) -> Response:
        # The load figures are aggregates: read the written team back through the selector.
        return Response(TeamSerializer(self.get_queryset().get(pk=team.pk)).data, status=code)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = staff_services.team_create(**serializer.validated_data)
        return self._out(team, status.HTTP_201_CREATED)

    def update(self, request, *args, partial=False, **kwargs):
        serializer = self.get_serializer(self.get_object(), data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        team = staff_services.team_update(team=serializer.instance, **serializer.validated_data)
        return self._out(team)

    def perform_destroy(self, instance):
        staff_services.team_delete(team=instance)

    @extend_schema(
        request=RebalanceRequestSerializer,
        responses={200: RebalanceResultSerializer, **errors(400, 404)},
        description="Plan (apply=false) or carry out (apply=true) the fewest moves that bring every over-cap "
        "caseworker of the team down to their cap.",
    )
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def rebalance(self, request, pk=None):
        team = self.get_object()
        options = validated(RebalanceRequestSerializer, request)
        if not rules.may_rebalance_team(request.user, team=team, spill_over=options["spill_over"]):
            raise PermissionDenied("Only the team's leaders or an administrator may rebalance it.")
        kwargs = {"team": team, "include_on_leave": options["include_on_leave"], "spill_over": options["spill_over"]}
        if options["apply"]:
            plan = rebalancing.rebalance_apply(by=request.user, **kwargs)
        else:
            plan = rebalancing.rebalance_plan(**kwargs)
        return Response(RebalanceResultSerializer(plan).data)


def _leader_ids():
    return get_user_model().objects.only("id")


# The specific bodies outermost: the decorator applied last wins.
@extend_schema_view(
    create=extend_schema(request=CaseworkerCreateSerializer, responses={201: CaseworkerSerializer, **errors(400, 409)}),
    partial_update=extend_schema(
        request=CaseworkerUpdateSerializer, responses={200: CaseworkerSerializer, **errors(400, 404, 409)}
    ),
)
@extend_schema_view(**_crud_schema(CaseworkerSerializer, put=False))
class CaseworkerViewSet(ThroughTheDoor, viewsets.ModelViewSet):
    serializer_class = CaseworkerSerializer
    permission_classes = [IsAuthenticated, AdminWrites]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    door = staticmethod(doors.access_caseworker)
    door_options = {"select_related": ("user",)}

    def get_queryset(self):
        visible = scopes.caseworkers_visible_to(self.request.user).select_related("user")
        if describing_the_schema(self):
            return visible
        return visible.annotate(contacts_overdue=contacts_overdue_count(outer="caseworker"))

    def create(self, request, *args, **kwargs):
        fields = dict(validated(CaseworkerCreateSerializer, request))
        fields["password"] = fields.get("password") or None
        caseworker = allocation_services.caseworker_create(**fields)
        return Response(CaseworkerSerializer(caseworker).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        caseworker = self.get_object()
        # partial: a form-encoded PATCH must not read an absent checkbox as "false".
        changes = validated(CaseworkerUpdateSerializer, request, partial=True)
        caseworker = allocation_services.caseworker_update(caseworker=caseworker, **changes)
        return Response(CaseworkerSerializer(caseworker).data)

    def perform_destroy(self, instance):
        staff_services.caseworker_delete(caseworker=instance)


_ROLE = OpenApiParameter("role", OpenApiTypes.STR, OpenApiParameter.PATH, enum=Role.values)


@extend_schema_view(
    list=extend_schema(responses={200: PolicySerializer(many=True), **errors()}),
    retrieve=extend_schema(parameters=[_ROLE], responses={200: PolicySerializer, **errors(404)}),
    partial_update=extend_schema(
        parameters=[_ROLE],
        request=PolicyUpdateSerializer,
        responses={200: PolicySerializer, **errors(400, 404)},
        description="Change a policy: its cap, what a case weighs by complexity (any of them), the "
        "new-colleague reduction. Every caseworker of the role follows at once: caps, and the weight of "
        "their open cases; whoever is left over cap is alerted, and room that appears drains the queue.",
    ),
)
class PolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = PolicySerializer
    permission_classes = [IsAuthenticated, AdminWrites]
    lookup_field = "role"
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return scopes.policies_visible_to(self.request.user)

    def get_object(self):
        # Only a known role reaches the database: "%00" in the URL is a 404, not a driver error.
        if self.kwargs.get(self.lookup_field) not in Role.values:
            raise Http404("No such role.")
        return super().get_object()

    def partial_update(self, request, *args, **kwargs):
        policy = self.get_object()
        changes = validated(PolicyUpdateSerializer, request)
        if changes:  # a PATCH that names nothing changes nothing (no caseworker row is locked)
            policy = allocation_services.policy_update(role=policy.role, **changes)
        return Response(PolicySerializer(policy).data)

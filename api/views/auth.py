"""Signing in with a token, signing out, and who the signed-in user is."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox import views as knox_views
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from access.viewer import viewer_of

from ..parsers import StrictJSONParser
from ..schema import VALIDATION_ERROR_SCHEMA, ErrorSerializer, errors
from ..serializers.auth import TokenRequestSerializer
from ..serializers.staff import MeSerializer

_TOKEN = inline_serializer(
    "Token",
    {
        "token": serializers.CharField(),
        "expiry": serializers.DateTimeField(help_text="When the token stops working (API_TOKEN_TTL_HOURS)."),
    },
)


class TokenView(APIView):
    """`{"username", "password"[, "otp_token"]}` → `{"token", "expiry"}`; send it as
    `Authorization: Token <token>`. Every call issues a new token; the database keeps only
    its digest. An administrator who must give a second factor gets a token only with a
    valid `otp_token`, and the token then counts as verified."""

    # No session authentication here: a browser's session cookie must not decide anything,
    # and without it a token request needs no CSRF token.
    authentication_classes = ()
    permission_classes = (AllowAny,)
    parser_classes = (StrictJSONParser, FormParser, MultiPartParser)

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: _TOKEN,
            400: VALIDATION_ERROR_SCHEMA,
            429: OpenApiResponse(
                response=ErrorSerializer,
                description="Too many failed attempts for this username from this address; try again later.",
            ),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        serializer = TokenRequestSerializer(data=request.data, context={"request": request})
        try:
            serializer.is_valid(raise_exception=True)
        except ValidationError:
            # django-axes flags a locked-out attempt on the request it was given, which here
            # is DRF's wrapper; passed on to Django's request, AxesMiddleware answers it with
            # a 429 (jobcenter.security.lockout_response) instead of "wrong credentials".
            if getattr(request, "axes_locked_out", False):
                request._request.axes_locked_out = True
            raise
        user = serializer.validated_data["user"]
        instance, token = AuthToken.objects.create(user=user)
        # As a login through the page: axes resets the failure count, last_login is set.
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response({"token": token, "expiry": serializers.DateTimeField().to_representation(instance.expiry)})


class LogoutView(knox_views.LogoutView):
    """Revoke the token this request was sent with."""

    @extend_schema(request=None, responses={204: None}, summary="Revoke this token")
    def post(self, request, format=None):
        return super().post(request, format)


class LogoutAllView(knox_views.LogoutAllView):
    """Revoke every token of the signed-in user (a lost laptop, a leaked script)."""

    @extend_schema(request=None, responses={204: None}, summary="Revoke every token of this user")
    def post(self, request, format=None):
        return super().post(request, format)


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer, **errors()})
    def get(self, request):
        # MeSerializer's shape, built directly: every field is already a JSON value, and a
        # serializer instance (its fields deep-copied) cost more than the rest of the view.
        user = request.user
        viewer = viewer_of(user)
        return Response(
            {
                "id": user.pk,
                "username": user.get_username(),
                "is_admin": viewer.is_admin,
                "caseworker": viewer.caseworker_id,
                "teams_led": list(viewer.led_team_ids),
            }
        )

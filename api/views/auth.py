"""Signing in with a token, and who the signed-in user is."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from access.viewer import viewer_of

from ..parsers import StrictJSONParser
from ..schema import VALIDATION_ERROR_SCHEMA, ErrorSerializer, errors
from ..serializers.staff import MeSerializer


class TokenView(ObtainAuthToken):
    """`{"username", "password"}` → `{"token"}`; send it as `Authorization: Token <token>`."""

    # No session authentication here: a browser's session cookie must not decide anything,
    # and without it a token request needs no CSRF token.
    authentication_classes = ()
    parser_classes = (StrictJSONParser, FormParser, MultiPartParser)

    @extend_schema(
        request=AuthTokenSerializer,
        responses={
            200: inline_serializer("Token", {"token": serializers.CharField()}),
            400: VALIDATION_ERROR_SCHEMA,
            429: OpenApiResponse(
                response=ErrorSerializer,
                description="Too many failed attempts for this username from this address; try again later.",
            ),
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except ValidationError:
            # django-axes flags a locked-out attempt on the request it was given, which here
            # is DRF's wrapper; passed on to Django's request, AxesMiddleware answers it with
            # a 429 (jobcenter.security.lockout_response) instead of "wrong credentials".
            if getattr(request, "axes_locked_out", False):
                request._request.axes_locked_out = True
            raise


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer, **errors()})
    def get(self, request):
        user = request.user
        viewer = viewer_of(user)
        return Response(
            MeSerializer(
                {
                    "id": user.pk,
                    "username": user.get_username(),
                    "is_admin": viewer.is_admin,
                    "caseworker": viewer.caseworker_id,
                    "teams_led": list(viewer.led_team_ids),
                }
            ).data
        )

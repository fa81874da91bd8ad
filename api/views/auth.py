"""Signing in with a token, and who the signed-in user is."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from allocation import selectors

from ..parsers import StrictJSONParser
from ..schema import VALIDATION_ERROR_SCHEMA, errors
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
        },
        auth=[],
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer, **errors()})
    def get(self, request):
        user = request.user
        return Response(
            MeSerializer(
                {
                    "id": user.pk,
                    "username": user.get_username(),
                    "is_admin": selectors.is_admin(user),
                    "caseworker": selectors.caseworker_id_of(user),
                    "teams_led": selectors.led_team_ids(user),
                }
            ).data
        )

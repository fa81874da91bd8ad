"""The token exchange's input: username, password and, where one is required, a TOTP code."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.two_factor import second_factor_match, second_factor_registered, second_factor_required

from .base import StrictSerializer


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    otp_token = serializers.CharField(
        required=False,
        max_length=16,
        help_text="The current code of the user's TOTP device; required for administrators "
        "while two-factor authentication is required for them.",
    )

    def validate(self, attrs: dict) -> dict:
        request = self.context["request"]
        # With the request, so that django-axes counts the attempt and refuses a locked one.
        user = authenticate(request=request, username=attrs["username"], password=attrs["password"])
        if user is None:
            raise serializers.ValidationError(_("Unable to log in with provided credentials."), code="authorization")
        if second_factor_required(user):
            self._check_second_factor(user, attrs.get("otp_token", ""))
        attrs["user"] = user
        return attrs

    def _check_second_factor(self, user, code: str) -> None:
        if not second_factor_registered(user):
            message = _(
                "This account needs two-factor authentication, but has no authenticator device. "
                "Ask another administrator to register one in admin."
            )
            raise serializers.ValidationError({"otp_token": [message]}, code="otp_no_device")
        if not code:
            raise serializers.ValidationError(
                {"otp_token": [_("This account needs the code from its authenticator app.")]}, code="otp_required"
            )
        if second_factor_match(user=user, code=code) is None:
            raise serializers.ValidationError({"otp_token": [_("Wrong or expired code.")]}, code="otp_invalid")

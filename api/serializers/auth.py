"""The token exchange's input: username, password and, where one is required, a TOTP code."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.two_factor import SecondFactorRefused, second_factor_verify
from identity.errors import PasswordLoginOff
from identity.services import password_login_check

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
        try:
            password_login_check(user)
        except PasswordLoginOff as refused:
            raise serializers.ValidationError(refused.text, code=refused.code) from None
        try:
            second_factor_verify(user=user, code=attrs.get("otp_token", ""))
        except SecondFactorRefused as refused:
            raise serializers.ValidationError({refused.field: [refused.text]}, code=refused.code) from None
        attrs["user"] = user
        return attrs

"""The login page: the password, and for whoever must give one, the TOTP code in the same form.

Nobody who must give a second factor is logged in without it, so there is no half-signed-in
state to guard between two steps (jobcenter.security.SecondFactorMiddleware still guards
sessions that other doors might open). An administrator without a device is told to ask
another administrator to register one in admin: django-otp has no enrolment UI, and a
self-enrolment page reachable with a password alone would let whoever has the password
enrol their own device, the very thing a second factor must prevent.
"""

from __future__ import annotations

import django_otp
from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView as DjangoLoginView
from django.utils.translation import gettext_lazy as _

from core.two_factor import SecondFactorRefused, second_factor_required, second_factor_verify
from identity.errors import PasswordLoginOff
from identity.services import password_login_check, password_login_offered, sso_providers


class LoginForm(AuthenticationForm):
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        help_text=_("Only for accounts with two-factor authentication (administrators)."),
        required=False,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.otp_device = None
        if not settings.ADMIN_REQUIRE_OTP:
            del self.fields["otp_token"]  # nobody is asked for one

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        try:
            password_login_check(user)
        except PasswordLoginOff as refused:
            raise forms.ValidationError(refused.text, code=refused.code) from None
        try:
            self.otp_device = second_factor_verify(user=user, code=self.cleaned_data.get("otp_token", ""))
        except SecondFactorRefused as refused:
            raise forms.ValidationError(refused.text, code=refused.code) from None


class LoginView(DjangoLoginView):
    form_class = LoginForm

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.otp_device is not None:
            django_otp.login(self.request, form.otp_device)  # this session counts as verified
        return response

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["second_factor_owed"] = second_factor_required(user) and not user.is_verified()
        context["sso_providers"] = sso_providers()
        context["password_login"] = password_login_offered()
        return context

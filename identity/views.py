"""The local second factor after a single sign-on login that did not assert one.

An administrator who must give a TOTP code (ADMIN_REQUIRE_OTP) and came in through an
identity provider that did not assert multi-factor authentication gives the code here; the
password login page asks for it in the same form as the password instead.
"""

from __future__ import annotations

import django_otp
from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from core.two_factor import SecondFactorRefused, second_factor_required, second_factor_verify


class SecondFactorForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return "/"


@login_required
@require_http_methods(["GET", "POST"])
def second_factor(request):
    user = request.user
    if not second_factor_required(user) or user.is_verified():
        return redirect(_next(request))
    form = SecondFactorForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor_verify(user=user, code=form.cleaned_data["otp_token"])
        except SecondFactorRefused as refused:
            form.add_error("otp_token", refused.text)
            status = 400
        else:
            django_otp.login(request, device)
            return redirect(_next(request))
    elif request.method == "POST":
        status = 400
    return render(request, "identity/second_factor.html", {"form": form, "next": _next(request)}, status=status)

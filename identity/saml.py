"""SAML 2.0 single sign-on (KOMBIT's adgangsstyring, AD FS, any SAML IdP), with djangosaml2.

This adapter only speaks the protocol: pysaml2 checks the response (signature of the
assertion, audience, lifetime, the request it answers) and the adapter hands the asserted
identity to `identity.services.sso_login`, which alone decides who the user is and what they
may do. Nothing here creates or updates a user: djangosaml2's own user creation and
attribute mapping are bypassed, not just switched off.

Every view answers 404 while SSO_SAML_ENABLED is false, so that the routes can always be
in the URL configuration and the switch stays a setting.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from djangosaml2 import views as saml_views
from djangosaml2.backends import Saml2Backend
from saml2 import SAMLError
from saml2.s_utils import UnravelError

from identity.errors import SsoRefused
from identity.services import password_login_offered, sso_login, sso_mfa_asserted, sso_providers, sso_session_mark

logger = logging.getLogger(__name__)

PROVIDER = "saml"


def saml_claims(session_info: Mapping[str, object]) -> dict[str, object]:
    """The flat claims of identity.services from pysaml2's session_info of a checked response:
    the NameID as "sub", every attribute (a list of str), and the AuthnContextClassRef as "acr"."""
    name_id = session_info.get("name_id")
    claims: dict[str, object] = {
        key: [str(value) for value in values] for key, values in session_info.get("ava", {}).items()
    }
    claims["sub"] = getattr(name_id, "text", None) or ""
    authn_info = session_info.get("authn_info") or []
    # [(class_ref, authenticating_authorities, authn_instant), ...]; one AuthnStatement in practice
    claims["acr"] = str(authn_info[0][0] or "") if authn_info else ""
    return claims


class SamlBackend(Saml2Backend):
    """Authenticates a checked SAML response through `sso_login`, never through the user table.

    SsoRefused is not swallowed into None (which would say only "no user"): it rises to the
    assertion consumer view, which shows its message.
    """

    def authenticate(self, request, session_info=None, **kwargs):
        if session_info is None or "ava" not in session_info:
            return None  # not a SAML login: let the other backends answer
        user = sso_login(provider=PROVIDER, claims=saml_claims(session_info))
        return user if self.user_can_authenticate(user) else None

    # djangosaml2's own ways of creating and changing users, closed for good measure.
    def get_or_create_user(self, *args, **kwargs):
        raise PermissionDenied("users come from identity.services.sso_login")

    def _update_user(self, *args, **kwargs):
        raise PermissionDenied("users come from identity.services.sso_login")


def _enabled_only(view):
    @functools.wraps(view)  # keeps csrf_exempt of the views the IdP posts to
    def wrapper(request, *args, **kwargs):
        if not settings.SSO_SAML_ENABLED:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def refused_page(request: HttpRequest, text: str, *, status: int) -> HttpResponse:
    """The login page with the reason, at the given status."""
    messages.error(request, text)
    context = {
        "form": AuthenticationForm(request),
        "sso_providers": sso_providers(),
        "password_login": password_login_offered(),
    }
    return render(request, "registration/login.html", context, status=status)


class AcsView(saml_views.AssertionConsumerServiceView):
    """The assertion consumer service: djangosaml2 checks the response, we decide and mark."""

    def authenticate_user(self, request, session_info, attribute_mapping, create_unknown_user, assertion_info):
        try:
            user = super().authenticate_user(request, session_info, {}, False, assertion_info)
        except SsoRefused as refused:
            raise PermissionDenied(refused.text) from refused
        return user

    def post_login_hook(self, request, user, session_info) -> None:
        # Right after django.contrib.auth.login, as sso_session_mark requires.
        claims = saml_claims(session_info)
        sso_session_mark(request, provider=PROVIDER, mfa=sso_mfa_asserted(provider=PROVIDER, claims=claims))

    def handle_acs_failure(self, request, exception=None, status=403, **kwargs):
        if isinstance(exception, PermissionDenied) and isinstance(exception.__cause__, SsoRefused):
            text = str(exception)
        else:
            # A response that failed its checks (signature, audience, lifetime, unsolicited):
            # the details are in the log, not for the browser.
            text = _("The sign-in from the identity provider could not be accepted. Please try again.")
        return refused_page(request, text, status=status)


class LogoutView(saml_views.LogoutInitView):
    """Logs out here and, when the IdP offers single logout, there too (it answers at saml-ls).

    POST only, with the CSRF token, like Django's own logout: a link elsewhere cannot log
    anybody out. Without single logout at the IdP, djangosaml2 logs out locally only.
    """

    def post(self, request, *args, **kwargs):
        if saml_views._get_subject_id(request.saml_session) is None:
            # Not a SAML session (a password login, or the SAML cookie gone): nothing to end
            # at the IdP, and pysaml2 would fail on the missing NameID.
            auth.logout(request)
            return redirect(settings.LOGOUT_REDIRECT_URL)
        return self.get(request, *args, **kwargs)

    def handle_unsupported_slo_exception(self, request, exception, *args, **kwargs):
        messages.info(request, _("You are logged out here. The identity provider may still have you signed in."))
        return super().handle_unsupported_slo_exception(request, exception, *args, **kwargs)


class LogoutServiceView(saml_views.LogoutView):
    """The IdP's answer to our LogoutRequest (or its own request): one that cannot be read is
    a 400, as at the assertion consumer service, never pysaml2's exception."""

    def do_logout_service(self, request, data, binding, *args, **kwargs):
        try:
            return super().do_logout_service(request, data, binding, *args, **kwargs)
        except (SAMLError, UnravelError, ValueError):
            logger.info("Unreadable SAML logout message.", exc_info=True)
            return HttpResponseBadRequest(_("The logout message from the identity provider could not be read."))


login = _enabled_only(saml_views.LoginView.as_view())
acs = _enabled_only(AcsView.as_view())
logout = _enabled_only(require_POST(LogoutView.as_view()))
logout_service = _enabled_only(LogoutServiceView.as_view())
metadata = _enabled_only(saml_views.MetadataView.as_view())

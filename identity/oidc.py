"""OpenID Connect single sign-on: the protocol only (mozilla-django-oidc), never the decisions.

The authorization code flow with PKCE (S256) and a nonce; the ID token is checked against the
provider's JWKS (RS256). Who the person is and what they may do is `identity.services.sso_login`'s
to decide, from the ID token's claims merged with the userinfo answer: this module never creates or
changes a user. A refusal (`SsoRefused`) shows the login page with its message, status 403; a
broken or replayed callback (unknown state, a code the provider rejects, a token that does not
verify) shows it with status 400; a provider that cannot be reached, 503. None of them is a 500
or a redirect back to the provider.

Logout is RP-initiated: the local session ends and the browser goes to the provider's
end_session_endpoint with the ID token as `id_token_hint`, so the provider's session ends too.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from identity.errors import SsoRefused
from identity.services import (
    password_login_offered,
    session_provider,
    sso_login,
    sso_mfa_asserted,
    sso_providers,
    sso_session_mark,
)

logger = logging.getLogger(__name__)

PROVIDER = "oidc"
BACKEND = "identity.oidc.OIDCBackend"
# The session keys of this adapter: the ID token (the hint for the provider's logout), and the
# library's own, for the states of logins begun and the address to return to.
SESSION_ID_TOKEN = "oidc_id_token"  # noqa: S105 - a session key, not a secret
SESSION_STATES = "oidc_states"
SESSION_NEXT = "oidc_login_next"


class OIDCBackend(OIDCAuthenticationBackend):
    """Authenticates the callback of an authorization code flow; `sso_login` says who it is.

    Only ever called by `OIDCCallbackView` (which passes the login's nonce): a password login's
    `authenticate(username=..., password=...)` is not for this backend. It is in
    AUTHENTICATION_BACKENDS (while SSO_OIDC_ENABLED) so that sessions it opened find their user.
    """

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or not settings.SSO_OIDC_ENABLED:
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        # The library checks the signature, the expiry and the nonce, not the audience (OpenID
        # Connect Core 3.1.3.7): the ID token must be for this client.
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if self.OIDC_RP_CLIENT_ID not in audiences:
            raise SuspiciousOperation("The ID token is not for this client (aud).")
        if len(audiences) > 1 and payload.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("The ID token was issued to another client (azp).")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        # OpenID Connect Core 5.3.2: the userinfo answer is about the ID token's subject or not used.
        if str(userinfo.get("sub", "")) != str(payload.get("sub", "")):
            raise SuspiciousOperation("The userinfo answer is about another subject than the ID token.")
        claims = {**payload, **userinfo}
        user = sso_login(provider=PROVIDER, claims=claims)
        self.request.oidc_claims = claims
        return user

    def store_tokens(self, access_token, id_token):
        # Kept on the request, stored in the session by the callback only after auth.login (which
        # may flush the session when someone else was logged in).
        self.request.oidc_id_token = id_token

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


def _enabled() -> None:
    if not settings.SSO_OIDC_ENABLED:
        raise Http404


def login_page(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    """The login page with `message` above the form (the password form stays usable where allowed)."""
    form = AuthenticationForm(request)
    form.cleaned_data = {}
    form.add_error(None, message)
    context = {"form": form, "next": "", "sso_providers": sso_providers(), "password_login": password_login_offered()}
    return render(request, "registration/login.html", context, status=status)


class OIDCLoginView(OIDCAuthenticationRequestView):
    """Starts a login: a fresh state, nonce and PKCE verifier in the session, then to the provider."""

    def get(self, request):
        _enabled()
        return super().get(request)


class OIDCCallbackView(View):
    """Where the provider sends the browser back with a code (or an error)."""

    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        _enabled()
        states = request.session.get(SESSION_STATES) or {}
        state = request.GET.get("state", "")
        login = states.pop(state, None) if isinstance(states, dict) else None
        if login is not None:  # a state is good for one answer, whatever the answer is
            request.session[SESSION_STATES] = states
            request.session.save()
        if request.GET.get("error"):
            logger.info("OIDC login ended by the provider: %s", request.GET.get("error"))
            return login_page(request, _("The identity provider did not log you in."), status=403)
        if login is None or not request.GET.get("code"):
            return login_page(
                request,
                _("The login could not be completed: it expired or was not started here. Try again."),
                status=400,
            )
        backend = OIDCBackend()
        try:
            user = backend.authenticate(request, nonce=login.get("nonce"), code_verifier=login.get("code_verifier"))
        except SsoRefused as refused:
            if request.user.is_authenticated:
                auth.logout(request)  # whoever was logged in here, the provider now says someone else
            return login_page(request, refused.text, status=403)
        except requests.HTTPError as error:
            status = getattr(error.response, "status_code", 500)
            logger.warning("OIDC token or userinfo request refused: %s", error)
            if status >= 500:
                return login_page(request, _("The identity provider cannot be reached. Try again later."), status=503)
            return login_page(request, _("The identity provider did not accept the login. Try again."), status=400)
        except requests.RequestException as error:
            logger.warning("OIDC provider unreachable: %s", error)
            return login_page(request, _("The identity provider cannot be reached. Try again later."), status=503)
        except (SuspiciousOperation, jwt.PyJWTError, ValueError) as error:
            logger.warning("OIDC callback rejected: %s", error)
            return login_page(request, _("The identity provider did not accept the login. Try again."), status=400)
        if user is None or not user.is_active:
            return login_page(request, _("The identity provider did not accept the login. Try again."), status=403)
        next_url = request.session.get(SESSION_NEXT)
        auth.login(request, user, backend=BACKEND)
        request.session[SESSION_ID_TOKEN] = getattr(request, "oidc_id_token", None)
        claims = getattr(request, "oidc_claims", {})
        sso_session_mark(request, provider=PROVIDER, mfa=sso_mfa_asserted(provider=PROVIDER, claims=claims))
        if not next_url or not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            next_url = resolve_url(settings.LOGIN_REDIRECT_URL)
        return HttpResponseRedirect(next_url)


def end_session_url(request: HttpRequest) -> str | None:
    """The provider's logout address for this session (RP-initiated logout), or None."""
    id_token = request.session.get(SESSION_ID_TOKEN)
    endpoint = settings.OIDC_OP_END_SESSION_ENDPOINT
    if session_provider(request) != PROVIDER or not id_token or not endpoint:
        return None
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": settings.OIDC_RP_CLIENT_ID,
            "post_logout_redirect_uri": request.build_absolute_uri(resolve_url(settings.LOGOUT_REDIRECT_URL)),
        }
    )
    return f"{endpoint}{'&' if urlsplit(endpoint).query else '?'}{query}"


class OIDCLogoutView(View):
    """Logs out here and, for a session that came through OpenID Connect, at the provider too."""

    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        target = end_session_url(request) or resolve_url(settings.LOGOUT_REDIRECT_URL)
        auth.logout(request)
        return HttpResponseRedirect(target)

"""OpenID Connect single sign-on, included by identity/urls.py under accounts/oidc/."""

from django.urls import path

from identity import oidc

urlpatterns = [
    path("login/", oidc.OIDCLoginView.as_view(), name="oidc-login"),
    path("callback/", oidc.OIDCCallbackView.as_view(), name="oidc-callback"),
    path("logout/", oidc.OIDCLogoutView.as_view(), name="oidc-logout"),
]

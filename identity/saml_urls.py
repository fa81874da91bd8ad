"""SAML 2.0 routes, included by identity/urls.py under accounts/saml/ (the app's namespace
`identity`): saml-login, saml-acs, saml-metadata, saml-logout and saml-ls (the IdP's answer
to single logout). Their absolute addresses are in SAML_CONFIG (jobcenter/settings/base.py)."""

from django.urls import path

from identity import saml

urlpatterns = [
    path("login/", saml.login, name="saml-login"),
    path("acs/", saml.acs, name="saml-acs"),
    path("metadata/", saml.metadata, name="saml-metadata"),
    path("logout/", saml.logout, name="saml-logout"),
    path("ls/", saml.logout_service, name="saml-ls"),
]

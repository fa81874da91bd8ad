"""Single sign-on's pages, under /accounts/: the local second factor after an identity
provider that did not assert one, and each protocol's own routes when it is switched on."""

from django.urls import include, path

from . import views

app_name = "identity"

urlpatterns = [
    path("second-factor/", views.second_factor, name="second-factor"),
    path("saml/", include("identity.saml_urls")),
    path("oidc/", include("identity.oidc_urls")),
]

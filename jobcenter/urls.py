from django.contrib import admin
from django.urls import include, path

from jobcenter import health
from jobcenter import metrics as metrics_view
from web.views.login import LoginView
from web.views.password_reset import PasswordResetView

urlpatterns = [
    # Probes and the scraper (docs/operations.md): no session, no second factor.
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_view.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("reports/", include("reports.urls")),
    path("api/v1/reports/", include("reports.api_urls")),
    path("api/", include("api.urls")),
    # Ahead of Django's own route of the same name and path: the form, throttled.
    # Ahead of Django's own: the password and, for administrators, the TOTP code.
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/", include("identity.urls")),
    path("accounts/password_reset/", PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("web.urls")),
]

handler404 = "jobcenter.errors.not_found"
handler500 = "jobcenter.errors.server_error"

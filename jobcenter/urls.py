from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("reports/", include("reports.urls")),
    path("api/v1/reports/", include("reports.api_urls")),
    path("api/", include("api.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("web.urls")),
]

handler404 = "jobcenter.errors.not_found"
handler500 = "jobcenter.errors.server_error"

"""The admin site as an app config, so that `admin.site` is ours (see jobcenter.security)."""

from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "jobcenter.security.AdminSite"

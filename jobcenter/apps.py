"""The admin site as an app config, so that `admin.site` is ours (see jobcenter.security), and
the security wiring that needs the app registry."""

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig as DjangoAdminConfig


class AdminConfig(DjangoAdminConfig):
    default_site = "jobcenter.security.AdminSite"


class SecurityConfig(AppConfig):
    """jobcenter as an app: the read-only admin of API tokens (jobcenter/admin.py), the
    migration that drops DRF's old plaintext tokens, and the receiver that ends API tokens
    when a password changes (jobcenter.security)."""

    name = "jobcenter"
    verbose_name = "Security"

    def ready(self) -> None:
        from .security import connect_token_ends

        connect_token_ends()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app shares: the application error family, constraint names, the admin's
    error messages. An app so that its messages have a catalogue of their own."""

    name = "core"
    verbose_name = _("Core")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AllocationConfig(AppConfig):
    name = "allocation"
    verbose_name = _("Allocation")

    def ready(self) -> None:
        from . import services, tasks

        # A queued case, a lowered cap or policy, a caseworker sent on leave: check those
        # teams promptly after commit; the periodic check is the safety net.
        if tasks.check_caseloads_after_commit not in services._capacity_fell_hooks:
            services.on_capacity_fell(tasks.check_caseloads_after_commit)

"""Django admin of staff's models: jobcenters, teams, caseworkers and caseload policies.

Admin modules are an interface, like the pages and the API: a change that carries a rule
goes through a service. For caseworkers and policies that is an allocation service (capacity
that appears drains the queue), which this package may import although staff's models may
not; the import-linter contract says so (pyproject.toml).

Importing the submodules registers their admins when Django's autodiscovery imports this
package.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import caseworkers, jobcenters, policies, teams  # noqa: F401

admin.site.site_header = _("Jobcenter administration")
admin.site.site_title = _("Jobcenter administration")

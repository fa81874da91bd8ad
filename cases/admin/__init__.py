"""Django admin of cases' models: citizens, their access log, and cases.

Admin modules are an interface, like the pages and the API: opening a case allocates it,
so the case admin calls the allocation service, which this package may import although
cases' models may not; the import-linter contract says so (pyproject.toml).

Importing the submodules registers their admins when Django's autodiscovery imports this
package.
"""

from . import cases, citizens  # noqa: F401

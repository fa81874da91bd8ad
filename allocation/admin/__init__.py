"""Django admin for caseworkers, caseload policies, cases and the records allocation keeps.

These live here, not in `staff` or `cases`, because every change to them that carries a
rule goes through an allocation service: a raised FTE or a returning caseworker drains
the queue, a new case is allocated at once. The admin never writes `cap`, `open_cases`,
a case's status or its caseworker itself.

Importing the submodules registers their admins when Django's autodiscovery imports this
package; the names are re-exported so that `allocation.admin.<Name>` keeps working.
"""

from .cases import CASE_FIELDS, AssignmentHistoryInline, CaseAddForm, CaseAdmin
from .caseworkers import CaseworkerAddForm, CaseworkerAdmin, CaseworkerChangeForm, OverCapFilter
from .policies import CaseloadPolicyAdmin
from .records import AlertAdmin, CaseAssignmentAdmin, CaseloadSnapshotAdmin, ResolvedFilter

__all__ = [
    "CASE_FIELDS",
    "AlertAdmin",
    "AssignmentHistoryInline",
    "CaseAddForm",
    "CaseAdmin",
    "CaseAssignmentAdmin",
    "CaseloadPolicyAdmin",
    "CaseloadSnapshotAdmin",
    "CaseworkerAddForm",
    "CaseworkerAdmin",
    "CaseworkerChangeForm",
    "OverCapFilter",
    "ResolvedFilter",
]

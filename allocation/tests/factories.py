from allocation import services
from cases.models import Case
from cases.tests.factories import CitizenFactory


def open_case(
    *, team=None, jobcenter=None, programme=None, citizen=None, by=None, target_group="aktivitetsparat"
) -> Case:
    """Open a case through the real intake service (so counters and history are right)."""
    jobcenter = jobcenter or (team.jobcenter if team else None)
    citizen = citizen or (CitizenFactory(jobcenter=jobcenter) if jobcenter else CitizenFactory())
    programme = programme or (team.unit_type if team else "flere_skal_med")
    return services.case_create(citizen=citizen, programme=programme, target_group=target_group, by=by)

"""Random sequences of everything that moves cases, against the real database.

After every step: nobody above cap got a case, and nobody's load passed the cap except by
an allowed change (a lowered cap, or their cases weighing more: a heavier complexity, a
higher weight); the counters (open cases, load) equal the real open cases; a case of
complexity c waits in the queue only while nobody eligible in its pool has room for c; and
every open case has exactly one current assignment, to its holder, who belongs to the
case's pool.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Count, Q
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from allocation import rebalancing, rules, services
from allocation.errors import AllocationError
from allocation.models import CaseAssignment
from allocation.reconcile import caseload_drift
from cases.models import Case, CaseStatus, Citizen
from cases.tests.factories import CitizenFactory
from staff.errors import InvalidStaffInput
from staff.models import Caseworker, CaseworkerStatus, Complexity, Team
from staff.tests.factories import JobcenterFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

PROGRAMMES = ["flere_skal_med", "psychiatric"]
SMALL_FTE = [Decimal("0.01"), Decimal("0.02"), Decimal("0.05"), Decimal("0.1")]
WEIGHT_CHOICES = [Decimal("0.5"), Decimal("1"), Decimal("1.5"), Decimal("2")]
weights = st.fixed_dictionaries({c: st.sampled_from(WEIGHT_CHOICES) for c in Complexity.values})
index = st.integers(min_value=0, max_value=10_000)


class AllocationMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each example runs in a savepoint that teardown rolls back: a clean database per
        # example, inside the test's own transaction.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.leader = UserFactory()
        # Per caseworker before the current step: (open cases, load in hundredths, cap).
        self.before: dict[int, tuple[int, int, int]] = {}
        # Caseworkers whose cases the current step may make heavier (a complexity or weight
        # change): their load may then pass the cap, as a lowered cap may leave them over it.
        self.reweighed: set[int] = set()
        self.usernames = 0

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # --- set-up and helpers ----------------------------------------------------------------

    @initialize(caps=st.lists(st.integers(0, 3), min_size=2, max_size=5), psychiatric_cap=st.integers(0, 2))
    def jobcenter(self, caps, psychiatric_cap):
        self.jobcenter = JobcenterFactory()
        self.teams = [
            TeamFactory(jobcenter=self.jobcenter, unit_type="flere_skal_med"),
            TeamFactory(jobcenter=self.jobcenter, unit_type="flere_skal_med"),
            TeamFactory(jobcenter=self.jobcenter, unit_type="psychiatric"),
        ]
        for i, cap in enumerate(caps):
            self._hire(team=self.teams[i % 2], cap_override=cap)
        self._hire(team=self.teams[2], cap_override=psychiatric_cap)
        self._snapshot()

    def _hire(self, *, team: Team, cap_override: int | None = None, fte: Decimal = Decimal("1.00")) -> Caseworker:
        self.usernames += 1
        return services.caseworker_create(
            username=f"sm{id(self)}-{self.usernames}",
            full_name=f"Caseworker {self.usernames}",
            team=team,
            cap_override=cap_override,
            fte=fte,
        )

    def _caseworkers(self) -> list[Caseworker]:
        return list(Caseworker.objects.filter(team__jobcenter=self.jobcenter).order_by("pk"))

    def _pick(self, rows, i):
        return rows[i % len(rows)] if rows else None

    def _unclosed(self) -> list[Case]:
        return list(Case.objects.filter(jobcenter=self.jobcenter).exclude(status=CaseStatus.CLOSED).order_by("pk"))

    def _snapshot(self, reweighed=()):
        self.before = {w.pk: (w.open_cases, w.load_hundredths, w.cap) for w in self._caseworkers()}
        self.reweighed = set(reweighed)

    def _attempt(self, fn, *, reweighed=(), **kwargs):
        """Run one operation; a refusal (domain error) is a valid outcome and changes nothing."""
        self._snapshot(reweighed)
        try:
            return fn(**kwargs)
        except (AllocationError, InvalidStaffInput):
            return None

    # --- rules -----------------------------------------------------------------------------

    @rule(
        programme=st.sampled_from(PROGRAMMES),
        returning=st.booleans(),
        i=index,
        complexity=st.sampled_from(Complexity.values),
    )
    def intake(self, programme, returning, i, complexity):
        # a citizen whose cases are all closed may come back (continuity), else a new one
        former = list(
            Citizen.objects.filter(jobcenter=self.jobcenter)
            .exclude(cases__status__in=[CaseStatus.OPEN, CaseStatus.QUEUED])
            .order_by("pk")
        )
        citizen = (self._pick(former, i) if returning else None) or CitizenFactory(jobcenter=self.jobcenter)
        self._snapshot()
        case = services.case_create(citizen=citizen, programme=programme, by=self.leader, complexity=complexity)
        assert case.status in (CaseStatus.OPEN, CaseStatus.QUEUED)

    @rule(
        intakes=st.lists(
            st.tuples(st.sampled_from(PROGRAMMES), st.sampled_from(Complexity.values)), min_size=2, max_size=6
        )
    )
    def intake_several(self, intakes):
        # Queues form and caps are reached within a few steps only if cases arrive in numbers.
        for programme, complexity in intakes:
            self.intake(programme=programme, returning=False, i=0, complexity=complexity)
            self.all_invariants()

    @rule(i=index, outcome=st.sampled_from(["job", "education", "moved"]))
    def close(self, i, outcome):
        case = self._pick(self._unclosed(), i)
        if case is not None:
            self._attempt(services.case_close, case=case, outcome=outcome, by=self.leader)

    @rule(i=index, j=index)
    def reassign(self, i, j):
        case, target = self._pick(self._unclosed(), i), self._pick(self._caseworkers(), j)
        if case is not None:
            self._attempt(services.case_reassign, case=case, caseworker=target, reason="test", by=self.leader)

    @rule(i=index, on_leave=st.booleans())
    def leave_or_return(self, i, on_leave):
        status = CaseworkerStatus.ON_LEAVE if on_leave else CaseworkerStatus.ACTIVE
        self._attempt(services.caseworker_update, caseworker=self._pick(self._caseworkers(), i), status=status)

    @rule(i=index, accepting=st.booleans())
    def accepting(self, i, accepting):
        worker = self._pick(self._caseworkers(), i)
        self._attempt(services.caseworker_update, caseworker=worker, accepting_new_cases=accepting)

    @rule(i=index, fte=st.sampled_from(SMALL_FTE))
    def change_fte(self, i, fte):
        worker = self._pick(self._caseworkers(), i)
        # FTE only matters without an override: drop it so that the policy × FTE rule applies
        self._attempt(services.caseworker_update, caseworker=worker, fte=fte, cap_override=None)

    @rule(i=index, cap=st.integers(0, 4))
    def change_cap_override(self, i, cap):
        self._attempt(services.caseworker_update, caseworker=self._pick(self._caseworkers(), i), cap_override=cap)

    @rule(role=st.sampled_from(PROGRAMMES), cap=st.integers(0, 60))
    def change_policy(self, role, cap):
        self._attempt(services.policy_set_cap, role=role, cap=cap)

    @rule(i=index, complexity=st.sampled_from(Complexity.values))
    def set_complexity(self, i, complexity):
        case = self._pick(self._unclosed(), i)
        if case is not None:
            holder = [case.caseworker_id] if case.status == CaseStatus.OPEN else []
            self._attempt(services.case_set_complexity, reweighed=holder, case=case, complexity=complexity, by=None)

    @rule(role=st.sampled_from(PROGRAMMES), weights=weights)
    def change_weights(self, role, weights):
        of_role = Caseworker.objects.filter(team__jobcenter=self.jobcenter, role=role).values_list("pk", flat=True)
        self._attempt(services.policy_update, reweighed=list(of_role), role=role, weights=weights)

    @rule(t=st.integers(0, 2), include_on_leave=st.booleans(), spill_over=st.booleans())
    def rebalance(self, t, include_on_leave, spill_over):
        team = self.teams[t]
        self._attempt(
            rebalancing.rebalance_apply,
            team=team,
            by=self.leader,
            include_on_leave=include_on_leave,
            spill_over=spill_over,
        )

    @rule(t=st.integers(0, 2), cap=st.integers(0, 3))
    def hire(self, t, cap):
        self._snapshot()
        self._hire(team=self.teams[t], cap_override=cap)

    # --- invariants ------------------------------------------------------------------------

    def all_invariants(self):
        self.nobody_above_cap_got_a_case()
        self.counters_do_not_drift()
        self.queue_only_when_nobody_eligible_has_room()
        self.one_current_assignment_per_open_case_to_its_holder_in_its_pool()

    @invariant()
    def nobody_above_cap_got_a_case(self):
        """Over cap (load above cap × 100) after a step only by an allowed change: whoever is
        over cap got no case in the step, and their load rose only if the step made their
        cases heavier. A lowered cap (policy, override, FTE) adds no load, so it leaves the
        load where it was and passes."""
        for worker in self._caseworkers():
            if worker.load_hundredths > worker.cap * 100:
                before_open, before_load, before_cap = self.before.get(worker.pk, (0, 0, worker.cap))
                went = (
                    f"caseworker {worker.pk} went from {before_open} cases, load {before_load}/{before_cap * 100} "
                    f"to {worker.open_cases} cases, load {worker.load_hundredths}/{worker.cap * 100}"
                )
                assert worker.open_cases <= before_open, went
                assert worker.load_hundredths <= before_load or worker.pk in self.reweighed, went

    @invariant()
    def counters_do_not_drift(self):
        assert caseload_drift() == []

    @invariant()
    def queue_only_when_nobody_eligible_has_room(self):
        """A queued case of complexity c waits only while nobody eligible in its pool has room
        for a case of c (load + c's weight in their policy <= cap × 100): a lighter case may
        be placed while a heavier one waits."""
        queued = set(
            Case.objects.filter(jobcenter=self.jobcenter, status=CaseStatus.QUEUED).values_list(
                "programme", "complexity"
            )
        )
        for programme, complexity in queued:
            with_room = Caseworker.objects.filter(
                rules.takes_a_case_q(complexity=complexity),
                team__jobcenter=self.jobcenter,
                team__unit_type=programme,
            )
            assert not with_room.exists(), f"{programme}/{complexity}: cases queued while {list(with_room)} have room"

    @invariant()
    def one_current_assignment_per_open_case_to_its_holder_in_its_pool(self):
        cases = Case.objects.filter(jobcenter=self.jobcenter).annotate(
            current=Count("assignments", filter=Q(assignments__ended_at__isnull=True))
        )
        for case in cases.select_related("caseworker__team"):
            if case.status == CaseStatus.OPEN:
                assert case.current == 1
                holder = CaseAssignment.objects.get(case=case, ended_at__isnull=True).caseworker_id
                assert holder == case.caseworker_id
                assert case.caseworker.team.jobcenter_id == case.jobcenter_id
                assert case.caseworker.team.unit_type == case.programme
            else:
                assert case.current == 0


def test_random_operation_sequences_keep_every_invariant():
    run_state_machine_as_test(
        AllocationMachine,
        settings=settings(
            max_examples=30,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            database=None,
        ),
    )

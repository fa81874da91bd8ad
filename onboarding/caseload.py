"""The caseload import: citizens (CPR and name) and their open cases, a chunk at a time.

A row is `cpr, name, municipality_code, programme, target_group, complexity, caseworker,
opened_on`; a row without a programme registers the citizen only. Each chunk is read with a
few queries (the citizens by CPR digest, their cases that are not closed) and written in
bulk: the citizens, then the cases through `services.imported_cases_open`, which keeps the
counters under allocation's locks.

Natural keys: a citizen by the keyed digest of their CPR number; the open case by its
citizen (one case that is not closed per citizen). A row that matches what is there
changes nothing; one that contradicts an open case is refused, never silently applied: a
move between caseworkers is a reassignment, with its own rules and history.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cases import cpr as cpr_rules
from cases.models import Case, CaseStatus, Citizen, Programme, TargetGroup
from staff.models import Caseworker, Complexity, Jobcenter, load_number

from . import parsing
from .parsing import Refused
from .reasons import CREATE, UPDATE, RowOutcome

COLUMNS = ["cpr", "name", "municipality_code", "programme", "target_group", "complexity", "caseworker", "opened_on"]


@dataclass(frozen=True)
class Holder:
    id: int
    username: str
    name: str
    team_id: int
    jobcenter_id: int
    unit_type: str
    cap: int
    weights: dict


@dataclass
class CaseloadState:
    """What one run carries from chunk to chunk."""

    jobcenters: dict[str, int]
    holders: dict[str, Holder]
    seen: dict[str, int] = field(default_factory=dict)  # CPR digest -> row
    loads: dict[int, int] = field(default_factory=dict)  # caseworker -> load, as the run goes
    affected_team_ids: set[int] = field(default_factory=set)

    @classmethod
    def load(cls) -> CaseloadState:
        holders = {
            row["user__username"].lower(): Holder(
                id=row["id"],
                username=row["user__username"],
                name=row["full_name"],
                team_id=row["team_id"],
                jobcenter_id=row["team__jobcenter_id"],
                unit_type=row["team__unit_type"],
                cap=row["cap"],
                weights={c: row[f"weight_{c}_hundredths"] for c in Complexity.values},
            )
            for row in Caseworker.objects.values(
                "id",
                "user__username",
                "full_name",
                "team_id",
                "team__jobcenter_id",
                "team__unit_type",
                "cap",
                *(f"weight_{c}_hundredths" for c in Complexity.values),
            )
        }
        jobcenters = dict(Jobcenter.objects.values_list("municipality_code", "id"))
        return cls(jobcenters=jobcenters, holders=holders)

    def load_of(self, holder: Holder) -> int:
        if holder.id not in self.loads:
            self.loads[holder.id] = Caseworker.objects.values_list("load_hundredths", flat=True).get(pk=holder.id)
        return self.loads[holder.id]


@dataclass
class ParsedRow:
    outcome: RowOutcome
    cpr: cpr_rules.Cpr
    digest: str
    name: str
    jobcenter_id: int
    case: dict | None  # programme, target_group, complexity, holder, opened_at


@dataclass
class ChunkPlan:
    outcomes: list[RowOutcome]
    new_citizens: list[Citizen]
    renamed: list[Citizen]
    # (row's citizen object or id, case fields): the citizen's id is known after the insert
    new_cases: list[tuple[Citizen | int, dict]]


def caseload_chunk_plan(*, rows: list[tuple[int, dict]], state: CaseloadState) -> ChunkPlan:
    outcomes, parsed = parsing.rows_by_citizen_parsed(
        rows, lambda row, outcome: _parse(row=row, outcome=outcome, state=state)
    )
    digests = [p.digest for p in parsed]
    citizens = {
        c.cpr_digest: c
        for c in Citizen.objects.filter(cpr_digest__in=digests).only("id", "cpr_digest", "name", "jobcenter_id")
    }
    unclosed = {
        c["citizen_id"]: c
        for c in Case.objects.filter(citizen_id__in=[c.pk for c in citizens.values()])
        .exclude(status=CaseStatus.CLOSED)
        .values("citizen_id", "status", "programme", "caseworker_id", "target_group", "complexity")
    }
    plan = ChunkPlan(outcomes=outcomes, new_citizens=[], renamed=[], new_cases=[])
    for row in parsed:
        _decide(row=row, citizen=citizens.get(row.digest), unclosed=unclosed, plan=plan, state=state)
    return plan


def _parse(*, row: dict, outcome: RowOutcome, state: CaseloadState) -> ParsedRow:
    cpr = parsing.cpr(parsing.required(row, "cpr", outcome), outcome)
    name = parsing.required(row, "name", outcome)
    code = parsing.required(row, "municipality_code", outcome)
    jobcenter_id = state.jobcenters.get(code)
    if jobcenter_id is None:
        outcome.refuse("unknown_jobcenter", code=code)
        raise Refused()
    digest = cpr_rules.digest(cpr.number)
    if digest in state.seen:
        outcome.refuse("duplicate_in_file", what="CPR", row=state.seen[digest])
        raise Refused()
    state.seen[digest] = outcome.row
    case = None
    if row.get("programme"):
        programme = parsing.choice(row["programme"], Programme, "programme", outcome)
        target_group = (
            parsing.choice(row["target_group"], TargetGroup, "target_group", outcome) if row.get("target_group") else ""
        )
        complexity = parsing.choice(row.get("complexity") or Complexity.COMPLEX, Complexity, "complexity", outcome)
        username = parsing.required(row, "caseworker", outcome)
        opened_on = parsing.day(parsing.required(row, "opened_on", outcome), outcome)
        holder = state.holders.get(username.lower())
        if holder is None:
            outcome.refuse("unknown_caseworker", username=username)
            raise Refused()
        if holder.jobcenter_id != jobcenter_id:
            outcome.refuse("caseworker_other_jobcenter", username=username)
            raise Refused()
        if holder.unit_type != programme:
            outcome.refuse("caseworker_other_programme", username=username, programme=programme)
            raise Refused()
        case = {
            "programme": programme,
            "target_group": target_group,
            "complexity": complexity,
            "holder": holder,
            "opened_at": parsing.start_of(opened_on),
        }
    return ParsedRow(outcome=outcome, cpr=cpr, digest=digest, name=name, jobcenter_id=jobcenter_id, case=case)


def _decide(*, row: ParsedRow, citizen: Citizen | None, unclosed: dict, plan: ChunkPlan, state: CaseloadState) -> None:
    outcome = row.outcome
    if citizen is not None and citizen.jobcenter_id != row.jobcenter_id:
        outcome.refuse("citizen_other_jobcenter")
        return
    existing = unclosed.get(citizen.pk) if citizen is not None else None
    if row.case is not None and existing is not None and not _same_case(existing, row.case):
        outcome.refuse("other_open_case")
        return
    if citizen is None:
        citizen = Citizen(
            jobcenter_id=row.jobcenter_id,
            name=row.name,
            cpr=row.cpr.number,
            cpr_digest=row.digest,
            birth_date=row.cpr.birth_date,
        )
        plan.new_citizens.append(citizen)
        outcome.mark(CREATE)
    elif citizen.name != row.name:
        citizen.name = row.name
        plan.renamed.append(citizen)
        outcome.note("name_changed")
        outcome.mark(UPDATE)
    if row.case is not None and existing is None:
        plan.new_cases.append((citizen, row.case))
        outcome.mark(CREATE)
        _note_load(outcome=outcome, case=row.case, state=state)


def _same_case(existing: dict, wanted: dict) -> bool:
    return (
        existing["status"] == CaseStatus.OPEN
        and existing["programme"] == wanted["programme"]
        and existing["caseworker_id"] == wanted["holder"].id
        and existing["target_group"] == wanted["target_group"]
        and existing["complexity"] == wanted["complexity"]
    )


def _note_load(*, outcome: RowOutcome, case: dict, state: CaseloadState) -> None:
    """An imported caseload may leave people over cap: never a refusal, but a note."""
    holder = case["holder"]
    load = state.load_of(holder) + holder.weights[case["complexity"]]
    state.loads[holder.id] = load
    state.affected_team_ids.add(holder.team_id)
    if load > holder.cap * 100:
        outcome.note("over_cap", name=holder.name, load=load_number(load), cap=holder.cap)

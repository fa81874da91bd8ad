"""Allocation throughput against PostgreSQL's own limit.

    python bench/allocation.py [--workers 8] [--cases 20000] [--weights both] [--database-url postgres://...]

Builds a jobcenter sized like Copenhagen (docs/domain.md) in a database of its own, lets N
worker processes (and, with --threads, N threads of one process) allocate M cases through
`allocation.services.case_create`, and checks that no caseworker ended with a load above cap
and that no counter (open cases, load) drifted. Then it runs pgbench's TPC-B with the same number of clients against
the same server for comparison, at scale 1 and at scale = clients, and prints
allocations/s ÷ pgbench tps for each (target ≥ 0.5).

The jobcenter has a history (`--history` closed cases), and `--returning` percent of the
intakes are citizens of that history coming back to their earlier caseworker.
`--profile N` runs N intakes in one process under cProfile and prints where the time goes.

`--weights`: `none` runs with every weight 1 and every intake complex (a case counts 1, as
before weights); `mix` sets the policy weights simple 0.5, complex 1, very complex 2 and takes
in a realistic mix (30 % simple, 50 % complex, 20 % very complex); `both` (the default) runs
the two one after the other on the same jobcenter and prints them side by side.

Exit status 1 when a cap was exceeded, a counter drifted or an intake failed.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import multiprocessing
import os
import pstats
import re
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

# Run as a script, sys.path[0] is bench/, where this very file would shadow the
# `allocation` app; the project root must come first.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/jobcenter_bench"

# Copenhagen (docs/domain.md): ~7,000 citizens in Flere skal med at 45 per caseworker, ~28,000 in
# frequent contact in standard units at 100, plus psychiatric (25) and trial (50) units.
UNITS = [
    # unit type, teams, caseworkers per team
    ("flere_skal_med", 16, 10),
    ("standard", 28, 10),
    ("psychiatric", 4, 10),
    ("trial", 2, 10),
]
# Share of intakes per programme: psychiatric has more demand than room, so part of the run
# exercises the queue, as in real life.
PROGRAMME_MIX = [("standard", 50), ("flere_skal_med", 35), ("psychiatric", 10), ("trial", 5)]
# The weighted run: weights of every role's policy, and the share of intakes per complexity.
WEIGHTS = {"simple": "0.5", "complex": "1", "very_complex": "2"}
UNWEIGHTED = {"simple": "1", "complex": "1", "very_complex": "1"}
COMPLEXITY_MIX = [("simple", 30), ("complex", 50), ("very_complex", 20)]


@dataclass
class RunResult:
    label: str
    workers: int
    cases: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    alert_checks: int = 0

    @property
    def rate(self) -> float:
        return self.cases / self.seconds if self.seconds else 0.0


# --- Database and Django ------------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(url: str) -> None:
    import psycopg

    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"Refusing an unusual database name: {name!r}")
    admin = with_database(url, "postgres").replace("postgres://", "postgresql://", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def setup_django(url: str, *, server_side_binding: bool = False) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jobcenter.settings.test")
    # Workers keep their connection for the whole run, as a web process with CONN_MAX_AGE would.
    os.environ.setdefault("DJANGO_CONN_MAX_AGE", "600")
    import django
    from django.conf import settings

    if server_side_binding:
        # psycopg prepares a statement after its fifth use on a connection.
        settings.DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
    django.setup()


# Counts, instead of running, the prompt alert check that a queued intake triggers. In
# production the hook enqueues a Celery task (after commit) and a worker runs it; the test
# settings run tasks eagerly, which would put a whole caseload check inside every queued
# intake and measure the alerts module instead of allocation. Each worker process counts
# in its own copy and reports it with its latencies.
ALERT_TRIGGERS = {"count": 0}


def count_alert_triggers() -> None:
    from allocation import new_cases, prompt_check

    def count(**_):
        ALERT_TRIGGERS["count"] += 1

    prompt_check.after_commit = count
    # The new-cases digest after each intake is the worker's job in production too; run
    # eagerly it would put a claim and an e-mail inside every intake that is measured.
    new_cases.after_commit = lambda: None


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


# --- The jobcenter ------------------------------------------------------------------------


@dataclass
class Workload:
    items: list[tuple[int, str]]  # (citizen, programme) to take in, in citizen order
    history_case_max: int  # cases up to this id are the history, kept between runs
    returning: int  # intakes of citizens with an earlier case


def build_jobcenter(*, cases: int, history: int, returning_share: float) -> Workload:
    """Teams and caseworkers of a Copenhagen-sized jobcenter, `history` earlier citizens with
    a closed case each, and `cases` intakes: new citizens, and `returning_share` of them
    citizens of the history coming back (their earlier caseworker takes them: continuity)."""
    from allocation import services
    from allocation.models import AssignmentReason, CaseAssignment
    from cases import cpr
    from cases.models import Case, CaseStatus, Citizen, Outcome
    from staff.models import Caseworker, Jobcenter, Team

    jobcenter = Jobcenter.objects.create(name="Jobcenter København", municipality_code="101")
    for unit_type, teams, per_team in UNITS:
        for t in range(teams):
            team = Team.objects.create(jobcenter=jobcenter, name=f"{unit_type} {t + 1}", unit_type=unit_type)
            for c in range(per_team):
                services.caseworker_create(
                    username=f"{unit_type}-{t + 1}-{c + 1}", full_name=f"Sagsbehandler {t + 1}.{c + 1}", team=team
                )
    returning = min(history, round(cases * returning_share))
    fresh = cases - returning
    citizens = [
        Citizen(jobcenter=jobcenter, name=f"Borger {i}", cpr=number, cpr_digest=cpr.digest(number), birth_date=born)
        for i, (number, born) in enumerate(synthetic_cprs(history + fresh))
    ]
    Citizen.objects.bulk_create(citizens, batch_size=2000)
    ids = list(Citizen.objects.order_by("id").values_list("id", flat=True))
    earlier_ids, new_ids = ids[:history], ids[history:]

    # The history: one closed case per earlier citizen, spread over the unit's caseworkers.
    staff: dict[str, list[int]] = {}
    for pk, unit_type in Caseworker.objects.order_by("id").values_list("id", "team__unit_type"):
        staff.setdefault(unit_type, []).append(pk)
    closed_at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    opened_at = closed_at - datetime.timedelta(days=200)
    earlier_programme = dict(zip(earlier_ids, programmes(len(earlier_ids)), strict=True))
    history_cases = [
        Case(
            citizen_id=citizen_id,
            jobcenter=jobcenter,
            programme=programme,
            status=CaseStatus.CLOSED,
            caseworker_id=staff[programme][i % len(staff[programme])],
            opened_at=opened_at,
            assigned_at=opened_at,
            closed_at=closed_at,
            outcome=Outcome.JOB if i % 3 else Outcome.EDUCATION,
        )
        for i, (citizen_id, programme) in enumerate(earlier_programme.items())
    ]
    Case.objects.bulk_create(history_cases, batch_size=2000)
    CaseAssignment.objects.bulk_create(
        [
            CaseAssignment(
                case=case,
                caseworker_id=case.caseworker_id,
                assigned_at=opened_at,
                ended_at=closed_at,
                reason=AssignmentReason.INTAKE,
            )
            for case in history_cases
        ],
        batch_size=2000,
    )
    history_case_max = max((case.pk for case in history_cases), default=0)

    # Intakes in citizen order, the returning ones spread evenly through the run.
    items = list(zip(new_ids, programmes(len(new_ids)), strict=True))
    step = len(earlier_ids) / returning if returning else 0
    back = [earlier_ids[int(i * step)] for i in range(returning)]
    for n, citizen_id in enumerate(back):
        items.insert(round(n * cases / returning), (citizen_id, earlier_programme[citizen_id]))
    return Workload(items=items, history_case_max=history_case_max, returning=returning)


def programmes(count: int) -> list[str]:
    wheel = [programme for programme, weight in PROGRAMME_MIX for _ in range(weight)]
    return [wheel[i % len(wheel)] for i in range(count)]


def synthetic_cprs(count: int):
    """Distinct valid CPR numbers (1930–1999, seventh digit 0–3), deterministic."""
    day, serial = datetime.date(1930, 1, 1), 0
    for _ in range(count):
        yield f"{day:%d%m%y}-{serial:04d}", day
        serial += 1
        if serial == 4000:
            day, serial = day + datetime.timedelta(days=1), 0


def reset_cases(workload: Workload, weights: dict[str, str] | None = None) -> None:
    """Back to the history only, so that a second run meets the same jobcenter, with fresh
    statistics as a jobcenter in use has them. Both counters go back to zero (no case is open),
    and with `weights` every role's policy gets them (through the service, which copies them
    onto the caseworkers; with no open case left there is nothing to weigh again)."""
    from django.db import connection

    from allocation import services
    from staff.models import Role

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM allocation_caseassignment WHERE case_id > %s", [workload.history_case_max])
        cursor.execute("DELETE FROM cases_case WHERE id > %s", [workload.history_case_max])
        cursor.execute("UPDATE staff_caseworker SET open_cases = 0, load_hundredths = 0")
    if weights is not None:
        for role in Role.values:
            services.policy_update(role=role, weights=weights)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def complexities(count: int, *, mixed: bool, seed: int = 20261202) -> list[str]:
    """`count` complexities: all complex, or COMPLEXITY_MIX's shares exactly, shuffled
    (deterministically) so that neither programme nor returning citizens line up with one."""
    import random

    if not mixed:
        return ["complex"] * count
    wheel = [complexity for complexity, share in COMPLEXITY_MIX for _ in range(share)]
    drawn = [wheel[i * len(wheel) // count] for i in range(count)]
    random.Random(seed).shuffle(drawn)
    return drawn


def with_complexities(items: list[tuple[int, str]], *, mixed: bool) -> list[tuple[int, str, str]]:
    return [(c, p, k) for (c, p), k in zip(items, complexities(len(items), mixed=mixed), strict=True)]


# --- Allocating ---------------------------------------------------------------------------


def allocate(items: list[tuple[int, str, str]]) -> tuple[list[float], list[str]]:
    """Intake of each (citizen, programme, complexity) through the service; latencies in seconds."""
    from allocation import services
    from cases.models import Citizen

    citizens = {c.pk: c for c in Citizen.objects.filter(pk__in=[i for i, *_ in items]).only("id", "jobcenter_id")}
    latencies, errors = [], []
    for citizen_id, programme, complexity in items:
        start = time.perf_counter()
        try:
            services.case_create(
                citizen=citizens[citizen_id],
                programme=programme,
                target_group="aktivitetsparat",
                complexity=complexity,
            )
        except Exception as error:  # a benchmark reports failures instead of stopping at the first
            errors.append(f"{type(error).__name__}: {error}")
        latencies.append(time.perf_counter() - start)
    return latencies, errors


def _process_worker(items, barrier, results) -> None:
    from django.db import connection

    connection.ensure_connection()
    barrier.wait()
    latencies, errors = allocate(items)
    connection.close()
    results.put((latencies, errors, ALERT_TRIGGERS["count"]))


def run_processes(items: list[tuple[int, str, str]], workers: int, label: str = "processes") -> RunResult:
    from django.db import connections

    connections.close_all()  # children must not share the parent's socket
    ctx = multiprocessing.get_context("fork")
    barrier, results = ctx.Barrier(workers + 1), ctx.Queue()
    procs = [ctx.Process(target=_process_worker, args=(items[w::workers], barrier, results)) for w in range(workers)]
    for proc in procs:
        proc.start()
    barrier.wait()
    start = time.perf_counter()
    collected = [results.get() for _ in procs]
    seconds = time.perf_counter() - start
    for proc in procs:
        proc.join()
    result = RunResult(label, workers, len(items), seconds)
    for latencies, errors, alert_checks in collected:
        result.latencies += latencies
        result.errors += errors
        result.alert_checks += alert_checks
    return result


def run_threads(items: list[tuple[int, str, str]], workers: int, label: str = "threads") -> RunResult:
    from django.db import connection

    barrier = threading.Barrier(workers + 1)
    collected: list[tuple[list[float], list[str]]] = []

    def worker(share):
        connection.ensure_connection()
        barrier.wait()
        try:
            collected.append(allocate(share))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(items[w::workers],)) for w in range(workers)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    result = RunResult(label, workers, len(items), time.perf_counter() - start)
    for latencies, errors in collected:
        result.latencies += latencies
        result.errors += errors
    result.alert_checks = ALERT_TRIGGERS["count"]
    return result


def within_cap() -> set[int]:
    """Caseworkers whose load is within cap (before a run: everyone, no case being open)."""
    from django.db.models import F

    from staff.models import Caseworker

    return set(Caseworker.objects.filter(load_hundredths__lte=F("cap") * 100).values_list("pk", flat=True))


def check_outcome(was_within_cap: set[int]) -> dict[str, int]:
    """Nobody who was within cap passed it: neither the maintained load nor the real one (the
    open cases' weights; with weights, open cases may outnumber the cap). No counter drifted
    (`caseload_drift` compares both counters with the open cases)."""
    from django.db.models import Q, Sum
    from django.db.models.functions import Coalesce

    from allocation.reconcile import caseload_drift
    from cases.models import Case
    from staff.models import Caseworker

    rows = Caseworker.objects.annotate(
        real=Coalesce(Sum("cases__weight_hundredths", filter=Q(cases__status="open")), 0)
    ).values_list("pk", "load_hundredths", "real", "cap")
    over_cap = [pk for pk, load, real, cap in rows if pk in was_within_cap and max(load, real) > cap * 100]
    return {
        "open": Case.objects.filter(status="open").count(),
        "queued": Case.objects.filter(status="queued").count(),
        "cap_violations": len(over_cap),
        "drift": len(caseload_drift()),
    }


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(result: RunResult, outcome: dict[str, int]) -> None:
    ms = [v * 1000 for v in result.latencies]
    print(
        f"[{result.label}] {result.cases} intakes by {result.workers} workers in {result.seconds:.2f} s: "
        f"{result.rate:.0f} allocations/s, p50 {percentile(ms, 0.5):.2f} ms, p95 {percentile(ms, 0.95):.2f} ms, "
        f"mean {statistics.fmean(ms) if ms else 0:.2f} ms"
    )
    print(
        f"[{result.label}] open {outcome['open']}, queued {outcome['queued']}, "
        f"cap violations: {outcome['cap_violations']}, drift: {outcome['drift']}, errors: {len(result.errors)}"
    )
    print(f"[{result.label}] {result.alert_checks} prompt alert checks triggered (enqueued in production)")
    for error in sorted(set(result.errors))[:5]:
        print(f"[{result.label}]   error: {error}")


# --- Profile ------------------------------------------------------------------------------


def profile(items: list[tuple[int, str, str]]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counted, profiled = items[: max(1, len(items) // 10)], items[max(1, len(items) // 10) :]
    with CaptureQueriesContext(connection) as queries:
        allocate(counted)
    per_intake = len(queries.captured_queries) / len(counted)
    print(f"[profile] {per_intake:.1f} SQL statements per intake (Django logs BEGIN as none, COMMIT as one)")
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    allocate(profiled)
    profiler.disable()
    seconds = time.perf_counter() - start
    print(f"[profile] {len(profiled)} intakes in one process under cProfile: {len(profiled) / seconds:.0f}/s")
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("cumulative").print_stats(r"allocation/|psycopg/connection.py|django/db/models/base.py", 14)
    stats.sort_stats("tottime").print_stats(10)
    print("[profile] where the time goes (cumulative, then own time):")
    for line in stream.getvalue().splitlines():
        if line.strip() and not line.startswith(("   Ordered", "   List reduced")):
            print(f"[profile] {line}")


# --- pgbench ------------------------------------------------------------------------------


def run_pgbench(url: str, *, clients: int, seconds: int, scale: int) -> float:
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_pgbench"
    recreate_database(with_database(url, name))
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = parts.password
    conn = ["-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432), "-U", parts.username or "postgres"]
    subprocess.run(["pgbench", "-i", "-q", "-s", str(scale), *conn, name], check=True, env=env, capture_output=True)
    out = subprocess.run(
        ["pgbench", "-c", str(clients), "-j", str(clients), "-T", str(seconds), *conn, name],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out) or re.search(r"tps = ([\d.]+)", out)
    if not match:
        raise SystemExit(f"Could not read pgbench's output:\n{out}")
    latency = re.search(r"latency average = ([\d.]+) ms", out)
    print(
        f"[pgbench] TPC-B, scale {scale}, {clients} clients, {seconds} s: {float(match.group(1)):.0f} tps"
        + (f", latency average {latency.group(1)} ms" if latency else "")
    )
    return float(match.group(1))


def side_by_side(results: list[tuple[str, RunResult]], measured: dict[int, float]) -> None:
    """The unweighted and the weighted run of each kind (processes, threads) in two columns."""
    kinds = dict.fromkeys(result.label.split(",")[0] for _, result in results)
    for kind in kinds:
        pair = {mode: result for mode, result in results if result.label.startswith(f"{kind},")}
        plain, weighted = pair["none"], pair["mix"]
        rows = [("allocations/s", f"{plain.rate:.0f}", f"{weighted.rate:.0f}")]
        for q, name in ((0.5, "p50 ms"), (0.95, "p95 ms")):
            rows.append(
                (
                    name,
                    f"{percentile(plain.latencies, q) * 1000:.2f}",
                    f"{percentile(weighted.latencies, q) * 1000:.2f}",
                )
            )
        for scale, tps in measured.items():
            rows.append((f"÷ pgbench (scale {scale})", f"{plain.rate / tps:.2f}", f"{weighted.rate / tps:.2f}"))
        rows.append(("weighted ÷ unweighted", "", f"{weighted.rate / plain.rate if plain.rate else 0:.2f}"))
        print(f"[compare] {kind}: {'':24} {'unweighted':>12} {'weighted':>12}")
        for name, left, right in rows:
            print(f"[compare] {kind}: {name:24} {left:>12} {right:>12}")


# --- Main ---------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=8)
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument(
        "--history", type=int, default=40000, help="Closed cases the jobcenter already has (one citizen each)."
    )
    parser.add_argument(
        "--returning", type=float, default=10, metavar="PCT", help="Share of intakes that are returning citizens."
    )
    parser.add_argument("--threads", action="store_true", help="Also run the workers as threads of one process.")
    parser.add_argument(
        "--weights",
        choices=["none", "mix", "both"],
        default="both",
        help="none: every weight 1, every intake complex; mix: weights 0.5/1/2 and 30/50/20 %% "
        "simple/complex/very complex intakes; both (default): the two, side by side.",
    )
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="Profile N intakes in one process.")
    parser.add_argument("--pgbench-seconds", type=int, default=12)
    parser.add_argument(
        "--pgbench-scale",
        type=int,
        action="append",
        help="pgbench -i -s; repeat for several. Default: 1 (pgbench's default, where the clients contend "
        "for one branch row as intakes contend for the least-loaded caseworkers) and the worker count "
        "(pgbench's advice for measuring without that contention).",
    )
    parser.add_argument("--no-pgbench", action="store_true")
    parser.add_argument(
        "--server-side-binding", action="store_true", help="Let psycopg bind on the server and prepare statements."
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("The benchmark needs PostgreSQL: pass --database-url postgres://...")
    recreate_database(args.database_url)
    setup_django(args.database_url, server_side_binding=args.server_side_binding)
    migrate()
    started = time.perf_counter()
    workload = build_jobcenter(cases=args.cases, history=args.history, returning_share=args.returning / 100)
    items = workload.items
    from staff.models import Caseworker

    mix = {programme: sum(1 for _, p in items if p == programme) for programme, _ in PROGRAMME_MIX}
    print(
        f"[setup] Copenhagen-sized jobcenter: {Caseworker.objects.count()} caseworkers "
        f"({', '.join(f'{u}: {t * n}' for u, t, n in UNITS)}), a history of {args.history} closed cases, "
        f"{len(items)} intakes ({', '.join(f'{p}: {n}' for p, n in mix.items())}; "
        f"{workload.returning} returning citizens) in {time.perf_counter() - started:.1f} s"
    )
    count_alert_triggers()
    failed = False
    results: list[tuple[str, RunResult]] = []
    modes = ["none", "mix"] if args.weights == "both" else [args.weights]
    runs = [run_processes] + ([run_threads] if args.threads else [])
    for mode in modes:
        mixed = mode == "mix"
        weighted = with_complexities(items, mixed=mixed)
        if mixed:
            shares = {k: sum(1 for *_, x in weighted if x == k) for k, _ in COMPLEXITY_MIX}
            print(
                f"[weights] weighted run: weights {', '.join(f'{k} {w}' for k, w in WEIGHTS.items())}; intakes "
                + ", ".join(f"{k}: {n}" for k, n in shares.items())
            )
        for run in runs:
            reset_cases(workload, weights=WEIGHTS if mixed else UNWEIGHTED)
            ALERT_TRIGGERS["count"] = 0
            label = f"{run.__name__.removeprefix('run_')}, {'weighted' if mixed else 'unweighted'}"
            was_within_cap = within_cap()
            result = run(weighted, args.workers, label=label)
            outcome = check_outcome(was_within_cap)
            report(result, outcome)
            results.append((mode, result))
            failed |= bool(outcome["cap_violations"] or outcome["drift"] or result.errors)
            failed |= outcome["open"] + outcome["queued"] != len(items)
    if args.profile:
        mixed = modes[-1] == "mix"
        reset_cases(workload, weights=WEIGHTS if mixed else UNWEIGHTED)
        profile(with_complexities(items, mixed=mixed)[: args.profile])
    measured: dict[int, float] = {}
    if not args.no_pgbench:
        from django.db import connections

        connections.close_all()
        scales = args.pgbench_scale or [1, args.workers]
        measured = {
            scale: run_pgbench(args.database_url, clients=args.workers, seconds=args.pgbench_seconds, scale=scale)
            for scale in dict.fromkeys(scales)
        }
        for _mode, result in results:
            for scale, tps in measured.items():
                ratio = result.rate / tps if tps else 0.0
                print(
                    f"[ratio] {result.label}: {result.rate:.0f} allocations/s ÷ {tps:.0f} pgbench tps "
                    f"(scale {scale}) = {ratio:.2f} (target ≥ 0.5: {'met' if ratio >= 0.5 else 'NOT met'})"
                )
    if len(modes) == 2:
        side_by_side(results, measured)
    print("FAILED: a cap was exceeded, a counter drifted or an intake failed." if failed else "OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

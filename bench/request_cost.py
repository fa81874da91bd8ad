"""Benchmark: what a request costs, against the framework's own floor, measured side by side.

    .venv/bin/python bench/request_cost.py            # builds jobcenter_bench_requests (Copenhagen), then runs
    .venv/bin/python bench/request_cost.py --reuse    # runs again on the database already built
    .venv/bin/python bench/request_cost.py --citizens 600 --duration 2 --connections 4   # a tiny run (smoke test)

Everything runs on this machine, one after the other, with the same client (wrk, from
Debian's packages) and the same PostgreSQL:

- **the floor**: a bare Django + DRF service written into a temporary folder — Django's
  `startproject` middleware, DRF's own `TokenAuthentication`, one view answering the token's
  user as JSON — under gunicorn with the same workers and persistent connections. A second
  floor without any middleware is printed for information.
- **jobcenter**, with the production settings (DEBUG off, Redis cache, persistent
  connections) under gunicorn with the same workers: `GET /api/v1/me/` with an API token;
  case intake, `POST /api/v1/cases/` by a team leader, each request a new citizen; and the
  pages at Copenhagen scale with a session: a caseworker's landing page (Min dag) of the
  caseworker with the most cases, the case page of the case with the longest journal, and the
  board of the largest team (its leader) — each twice: saturated (every client sends its next
  request at once), and as 16 users who read each page for about a second (`--think-ms`)
  before the next click, which is the latency a person sees.

It prints requests/s, median and 95th percentile for each, and the ratios the targets are
about: `/api/v1/me/` ÷ floor (target ≥ 0.7), intake ÷ floor (≥ 0.4), and each page's p95
for 16 users (target < 100 ms). Exit status 1 when a request failed or a cap was exceeded; the targets
themselves are reported, not enforced (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

# Run as a script, sys.path[0] is bench/; the project root must come first.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench")]

from bench.bulk import build, create_database, timed  # noqa: E402
from bench.casework import COPENHAGEN, SEQUENCES, Scale, build_sql  # noqa: E402

SERVER = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")
DATABASE = os.environ.get("BENCH_DATABASE", "jobcenter_bench_requests")
FLOOR_DATABASE = DATABASE + "_floor"
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/9")
PYTHON = sys.executable

# The production settings need their secrets; these are the bench's own.
SERVER_ENV = {
    "DJANGO_SETTINGS_MODULE": "jobcenter.settings.production",
    "DJANGO_SECRET_KEY": "bench-request-cost-secret-key-" + "x" * 40,
    "CPR_ENCRYPTION_KEY": "bench-request-cost-cpr-key-" + "y" * 20,
    "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
    "DJANGO_SECURE_SSL_REDIRECT": "false",
    "EMAIL_URL": "smtp://127.0.0.1:2525",
    "REDIS_URL": REDIS,
    # Tasks the intakes publish wait on a queue of the bench's own (no worker runs here).
    "CELERY_TASK_DEFAULT_QUEUE": "bench-request-cost",
    "DATABASE_URL": f"{SERVER}/{DATABASE}",
    "LOG_FORMAT": "json",
    "DJANGO_LOG_LEVEL": "WARNING",
}

FLOOR_SETTINGS = """
SECRET_KEY = "floor-" + "z" * 50
DEBUG = False
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "floor_urls"
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "django.contrib.sessions",
                  "django.contrib.messages", "rest_framework", "rest_framework.authtoken"]
MIDDLEWARE = [] if __import__("os").environ.get("FLOOR_BARE") else [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": %(name)r, "USER": "postgres",
                         "HOST": "127.0.0.1", "PORT": 5432, "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}}
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
}
"""

FLOOR_URLS = """
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView


class Me(APIView):
    def get(self, request):
        return Response({"id": request.user.id, "username": request.user.username})


urlpatterns = [path("me/", Me.as_view())]
"""

FLOOR_WSGI = """
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "floor_settings")
from django.core.wsgi import get_wsgi_application
application = get_wsgi_application()
"""

WRK_SCRIPT = r"""
local auth = os.getenv("BENCH_AUTH")
local cookie = os.getenv("BENCH_COOKIE")
local first = tonumber(os.getenv("BENCH_FIRST_CITIZEN") or "0")
local thread_count = tonumber(os.getenv("BENCH_THREADS") or "1")
local next_thread = 0
wrk.headers["Host"] = "127.0.0.1"
if auth then wrk.headers["Authorization"] = auth end
if cookie then wrk.headers["Cookie"] = cookie end
local complexities = {"simple", "complex", "complex", "very_complex"}
local post_headers = {["Content-Type"] = "application/json"}
for name, value in pairs(wrk.headers) do post_headers[name] = value end

function setup(thread)
  thread:set("thread_number", next_thread)
  next_thread = next_thread + 1
end

local sent = 0
function request()
  if first == 0 then return wrk.format() end
  -- Intake: every request a citizen of its own (threads take interleaved ids).
  local citizen = first + thread_number + sent * thread_count
  sent = sent + 1
  local body = string.format('{"citizen": %d, "programme": "standard", "complexity": "%s"}',
                             citizen, complexities[(citizen %% 4) + 1])
  return wrk.format("POST", nil, post_headers, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests": %d, "seconds": %.3f, "failed": %d, "non_2xx": %d, "p50_ms": %.2f, "p95_ms": %.2f}\n',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
""".replace("%%", "%")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, path: str, process: subprocess.Popen, timeout: float = 60) -> None:
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {process.returncode}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2)  # noqa: S310 - our own server
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server on port {port} did not answer in {timeout} s")


def gunicorn(
    app: str, *, env: dict, workers: int, cwd: Path, config: str | None = None
) -> tuple[subprocess.Popen, int]:
    """gunicorn with `workers` sync workers; with `config`, that file's other settings too
    (the project's warms each worker before its first request; the floor has little to warm)."""
    port = free_port()
    command = [PYTHON, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--workers", str(workers)]
    command += ["--worker-class", "sync", "--config", config or "/dev/null"]
    process = subprocess.Popen(  # noqa: S603
        command, cwd=cwd, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    return process, port


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def wrk(port: int, path: str, *, args, env: dict | None = None, warm: bool = True) -> dict:
    script = args.workdir / "bench.lua"
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s"]
    command += ["-s", str(script), f"http://127.0.0.1:{port}{path}"]
    run_env = {**os.environ, "BENCH_THREADS": str(args.threads), **(env or {})}
    if warm:  # every worker has answered once, and nothing of it is counted
        warm_up = [*command[:6], "1s", *command[7:]]
        subprocess.run(warm_up, env={**run_env, "BENCH_FIRST_CITIZEN": "0"}, capture_output=True, check=True)  # noqa: S603
    out = subprocess.run(command, env=run_env, capture_output=True, text=True, check=True).stdout  # noqa: S603
    line = next(line for line in out.splitlines() if line.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["rate"] = result["requests"] / result["seconds"]
    return result


def users(port: int, path: str, *, cookie: str, args) -> dict:
    """`args.connections` people, each: a page, then a pause of 0.5–1.5 × `args.think_ms`,
    for `args.duration` seconds; each request timed from sending to the last byte. Threads of
    plain HTTP: at a dozen requests a second the client costs nothing worth measuring."""
    import http.client
    import random
    import statistics
    import threading

    latencies: list[float] = []
    failures = [0, 0]  # failed, non-2xx
    deadline = time.monotonic() + args.duration

    def person(seed: int) -> None:
        pause = random.Random(seed)  # noqa: S311 - think times, not secrets
        time.sleep(pause.uniform(0, args.think_ms / 1000))  # people do not all click at once
        while time.monotonic() < deadline:
            start = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request("GET", path, headers={"Host": "127.0.0.1", "Cookie": cookie})
                response = conn.getresponse()
                response.read()
                conn.close()
            except OSError:
                failures[0] += 1
            else:
                latencies.append(time.perf_counter() - start)
                if not 200 <= response.status < 300:
                    failures[1] += 1
            time.sleep(pause.uniform(0.5, 1.5) * args.think_ms / 1000)

    threads = [threading.Thread(target=person, args=(n,)) for n in range(args.connections)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ordered = sorted(latencies) or [0.0]
    return {
        "requests": len(latencies),
        "seconds": time.monotonic() - began,
        "rate": len(latencies) / (time.monotonic() - began),
        "failed": failures[0],
        "non_2xx": failures[1],
        "p50_ms": statistics.median(ordered) * 1000,
        "p95_ms": ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))] * 1000,
    }


def print_row(label: str, result: dict) -> None:
    flags = ""
    if result["failed"] or result["non_2xx"]:
        flags = f"   FAILED {result['failed']}, non-2xx {result['non_2xx']}"
    print(
        f"  {label:<44} {result['rate']:8.0f} req/s   p50 {result['p50_ms']:7.1f} ms   "
        f"p95 {result['p95_ms']:7.1f} ms{flags}"
    )


# --- The floor ---------------------------------------------------------------------------


def floor_prepare(workdir: Path) -> str:
    """The bare service's files and database; returns its user's token."""
    (workdir / "floor_settings.py").write_text(FLOOR_SETTINGS % {"name": FLOOR_DATABASE})
    (workdir / "floor_urls.py").write_text(FLOOR_URLS)
    (workdir / "floor_wsgi.py").write_text(FLOOR_WSGI)
    create_database(server=SERVER, database=FLOOR_DATABASE, reuse=False)
    code = textwrap.dedent(
        """
        import django; django.setup()
        from django.core.management import call_command
        call_command("migrate", verbosity=0)
        from django.contrib.auth.models import User
        from rest_framework.authtoken.models import Token
        user = User.objects.create_user("floor", password="!")
        print(Token.objects.create(user=user).key)
        """
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "floor_settings", "PYTHONPATH": str(workdir)}
    out = subprocess.run([PYTHON, "-c", code], cwd=workdir, env=env, capture_output=True, text=True, check=True)  # noqa: S603
    return out.stdout.strip().splitlines()[-1]


# --- jobcenter ---------------------------------------------------------------------------


def jobcenter_prepare(args) -> dict:
    """Logins for the runs (a token, sessions), the subjects of the pages, and citizens for
    the intakes; with the production settings the servers use (the same keys)."""
    os.environ.update(SERVER_ENV)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from knox.models import AuthToken

    from cases.models import Case, Citizen
    from staff.models import Caseworker, Team

    User = get_user_model()
    caseworker = Caseworker.objects.filter(team__unit_type="standard").order_by("-open_cases", "id").first()
    case = (
        Case.objects.filter(caseworker=caseworker, status="open")
        .annotate(entries=Count("journal"))
        .order_by("-entries", "id")
        .first()
    )
    team = Team.objects.annotate(n=Count("caseworkers")).order_by("-n", "-id").first()
    leader = team.leaders.first()
    intake_leader = Team.objects.filter(unit_type="standard").order_by("id").first().leaders.first()
    # The bench's citizens carry a placeholder for the encrypted number; the one whose case
    # page is read gets a real one, as the page shows it masked.
    citizen = Citizen.objects.get(pk=case.citizen_id)
    citizen.cpr = "0101901234"
    citizen.save()
    for user in (caseworker.user, leader, intake_leader):
        User.objects.filter(pk=user.pk).update(is_active=True)

    def session(user) -> str:
        client = Client()
        client.force_login(user)
        return f"sessionid={client.cookies['sessionid'].value}"

    # Citizens without a case, one per intake the run could make.
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM cases_citizen")
        first = cursor.fetchone()[0]
        count = args.intake_citizens
        cursor.execute(
            """INSERT INTO cases_citizen (id, jobcenter_id, name, cpr, cpr_digest, birth_date, created_at, updated_at)
               SELECT g, 1, 'Ny borger ' || g, 'bench-placeholder', md5('new' || g::text), date '1970-01-01',
                      now(), now()
               FROM generate_series(%s, %s) g""",
            [first, first + count - 1],
        )
        cursor.execute("SELECT setval('cases_citizen_id_seq', %s)", [first + count])
    return {
        "token": f"Token {AuthToken.objects.create(user=intake_leader)[1]}",
        "caseworker_session": session(caseworker.user),
        "leader_session": session(leader),
        "case_id": case.pk,
        "case_entries": case.entries,
        "caseworker_cases": caseworker.open_cases,
        "team_id": team.pk,
        "team_size": team.n,
        "first_citizen": first,
    }


def over_cap_outside_team_one() -> int:
    from django.db.models import F

    from staff.models import HUNDREDTHS, Caseworker

    # Team 1 is built over its cap, and a few others start a little over (bench/casework.py);
    # the intakes may add nobody to them.
    return Caseworker.objects.filter(load_hundredths__gt=F("cap") * HUNDREDTHS).count()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reuse", action="store_true", help="Run again on an existing bench database.")
    parser.add_argument("--citizens", type=int, default=COPENHAGEN, help="Size of the jobcenter (default Copenhagen).")
    parser.add_argument("--duration", type=int, default=10, help="Seconds per run.")
    parser.add_argument("--connections", type=int, default=16, help="Concurrent clients.")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers, for both services.")
    parser.add_argument("--think-ms", type=int, default=1000, help="A user's pause between clicks (pages).")
    parser.add_argument("--intake-citizens", type=int, default=40_000, help="New citizens for the intakes.")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")

    fresh = create_database(server=SERVER, database=DATABASE, reuse=args.reuse)
    os.environ.update(SERVER_ENV)
    if fresh:
        import django

        django.setup()
        print("build:")
        timed("build, total", build, statements=build_sql(Scale.of(args.citizens)), sequences=SEQUENCES)

    # The production settings serve hashed static files from a manifest.
    subprocess.run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, check=True)  # noqa: S603
    with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
        args.workdir = Path(tmp)
        (args.workdir / "bench.lua").write_text(WRK_SCRIPT)
        floor_token = floor_prepare(args.workdir)
        subjects = jobcenter_prepare(args)
        over_before = over_cap_outside_team_one()
        print(
            f"jobcenter: {args.citizens:,} citizens; {args.workers} gunicorn sync workers per service, "
            f"{args.connections} clients, {args.duration} s per run (wrk)"
        )
        results = {}
        floor_env = {"DJANGO_SETTINGS_MODULE": "floor_settings", "PYTHONPATH": str(args.workdir)}
        for label, extra in (("floor", {}), ("floor_bare", {"FLOOR_BARE": "1"})):
            process, port = gunicorn(
                "floor_wsgi:application", env={**floor_env, **extra}, workers=args.workers, cwd=args.workdir
            )
            try:
                wait_for(port, "/me/", process)
                results[label] = wrk(port, "/me/", args=args, env={"BENCH_AUTH": f"Token {floor_token}"})
            finally:
                stop(process)

        process, port = gunicorn(
            "jobcenter.wsgi:application", env=SERVER_ENV, workers=args.workers, cwd=ROOT, config="gunicorn.conf.py"
        )
        try:
            wait_for(port, "/api/v1/me/", process)
            results["me"] = wrk(port, "/api/v1/me/", args=args, env={"BENCH_AUTH": subjects["token"]})
            results["intake"] = wrk(
                port,
                "/api/v1/cases/",
                args=args,
                env={"BENCH_AUTH": subjects["token"], "BENCH_FIRST_CITIZEN": str(subjects["first_citizen"])},
            )
            results["day"] = wrk(port, "/", args=args, env={"BENCH_COOKIE": subjects["caseworker_session"]})
            results["case"] = wrk(
                port, f"/cases/{subjects['case_id']}/", args=args, env={"BENCH_COOKIE": subjects["caseworker_session"]}
            )
            results["board"] = wrk(
                port, f"/teams/{subjects['team_id']}/", args=args, env={"BENCH_COOKIE": subjects["leader_session"]}
            )
            # The same pages for 16 users who each read a page for about a second before the
            # next click: the latency a person sees (the runs above saturate the server).
            for key, path, cookie in (
                ("day_users", "/", subjects["caseworker_session"]),
                ("case_users", f"/cases/{subjects['case_id']}/", subjects["caseworker_session"]),
                ("board_users", f"/teams/{subjects['team_id']}/", subjects["leader_session"]),
            ):
                results[key] = users(port, path, cookie=cookie, args=args)
        finally:
            stop(process)

    floor = results["floor"]["rate"]
    print("floor (bare Django + DRF, TokenAuthentication, one view):")
    print_row("GET /me/ (startproject middleware)", results["floor"])
    print_row("GET /me/ (no middleware, for information)", results["floor_bare"])
    print("jobcenter (production settings):")
    print_row("GET /api/v1/me/ (API token)", results["me"])
    print_row("POST /api/v1/cases/ (intake, a new citizen each)", results["intake"])
    print_row(f"GET / (Min dag, {subjects['caseworker_cases']} cases)", results["day"])
    print_row(f"GET /cases/<id>/ (journal of {subjects['case_entries']})", results["case"])
    print_row(f"GET /teams/<id>/ (board, {subjects['team_size']} caseworkers)", results["board"])
    print(f"the pages for {args.connections} users, each pausing about {args.think_ms} ms between clicks:")
    print_row("GET / (Min dag)", results["day_users"])
    print_row("GET /cases/<id>/", results["case_users"])
    print_row("GET /teams/<id>/", results["board_users"])
    print("ratios and targets:")
    print(f"  /api/v1/me/ ÷ floor  {results['me']['rate'] / floor:5.2f}   (target ≥ 0.70)")
    print(f"  intake ÷ floor       {results['intake']['rate'] / floor:5.2f}   (target ≥ 0.40)")
    for key, label in (("day", "Min dag"), ("case", "case page"), ("board", "team board")):
        print(
            f"  {label:<12} p95 {results[key + '_users']['p95_ms']:6.1f} ms for {args.connections} users "
            f"(target < 100 ms); {results[key]['p95_ms']:6.1f} ms saturated"
        )
    over = over_cap_outside_team_one() - over_before
    print(f"caseworkers newly over cap after the intakes: {over}")
    failed = any(r["failed"] or r["non_2xx"] for r in results.values())
    sys.exit(1 if failed or over else 0)


if __name__ == "__main__":
    main()

"""Scaled out on one machine: two gunicorn instances (two sync workers each, ports of their own)
and two Celery workers (no beat) against one fresh PostgreSQL database and one Redis.

What must hold when requests for one jobcentre land on different machines: no caseworker goes
over cap and no intake is lost or doubled, the login lockout and the password-reset limit count
every instance's requests together, and a task one instance sends is run once, by one worker.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest
import redis
import requests

from jobcenter.tests.processes import ROOT, fresh_database, manage

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

PASSWORD = "Scale-Out-Test-2026!"
CAPS = [3, 4, 5, 6, 7]  # 25 slots in the pool
INTAKES = 40
RESET_RATE = 4
FAILURE_LIMIT = 3

_SEED = """
import json
from django.contrib.auth import get_user_model
from cases.tests.factories import CitizenFactory
from staff.tests.factories import CaseworkerFactory, JobcenterFactory, TeamFactory
jobcenter = JobcenterFactory()
teams = [TeamFactory(jobcenter=jobcenter), TeamFactory(jobcenter=jobcenter)]
for i, cap in enumerate(CAPS):
    CaseworkerFactory(team=teams[i % 2], cap_override=cap)
citizens = [CitizenFactory(jobcenter=jobcenter).pk for _ in range(INTAKES)]
User = get_user_model()
User.objects.create_superuser("root", "root@example.dk", PASSWORD)
User.objects.create_user("anna", "anna@example.dk", PASSWORD)
print(json.dumps(citizens))
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_serving(base: str, server: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        assert server.poll() is None, "gunicorn exited"
        try:
            requests.get(f"{base}/accounts/login/", timeout=10)
            return
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.1)
    raise AssertionError(f"{base} did not start")


def _wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def cluster(tmp_path):
    """Two web instances and two workers; yields (base URLs, database URL, log paths)."""
    queue = f"jobcenter-scale-{uuid.uuid4().hex[:10]}"
    prefix = f"jobcenter-scale-{uuid.uuid4().hex[:10]}"
    with fresh_database("jc_scale_out") as database_url:
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            # the development settings with DEBUG off: Redis for broker and cache when REDIS_URL
            # is set (the test settings always keep the cache in memory), no production secrets
            "DJANGO_SETTINGS_MODULE": "jobcenter.settings.local",
            "DJANGO_DEBUG": "0",
            "CELERY_BROKER_URL": os.environ["REDIS_URL"],
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "CACHE_KEY_PREFIX": prefix,
            "PASSWORD_RESET_RATE_PER_CLIENT": f"{RESET_RATE}/h",
            "AXES_FAILURE_LIMIT": str(FAILURE_LIMIT),
            "GUNICORN_WORKERS": "2",
            "DJANGO_LOG_LEVEL": "INFO",
            "CELERY_SKIP_CHECKS": "1",
        }
        env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        manage("migrate", "--noinput", "-v", "0", env=env)
        seed = _SEED.replace("CAPS", repr(CAPS)).replace("INTAKES", str(INTAKES)).replace("PASSWORD", repr(PASSWORD))
        citizens = json.loads(manage("shell", "--no-imports", "-c", seed, env=env).strip().splitlines()[-1])

        processes: list[tuple[subprocess.Popen, object]] = []
        bases, logs = [], {}
        try:
            for name in ("a", "b"):
                port = _free_port()
                log = open(tmp_path / f"web-{name}.log", "w")  # noqa: SIM115 - closed in finally
                server = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "jobcenter.wsgi"],
                    env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                processes.append((server, log))
                bases.append(f"http://127.0.0.1:{port}")
                logs[f"web-{name}"] = tmp_path / f"web-{name}.log"
            for name in ("a", "b"):
                log = open(tmp_path / f"worker-{name}.log", "w")  # noqa: SIM115 - closed in finally
                worker = subprocess.Popen(
                    [
                        *(sys.executable, "-m", "celery", "-A", "jobcenter", "worker"),
                        *("--loglevel=INFO", "--concurrency=1", f"--hostname=scale-{name}@%h"),
                        *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                    ],
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                processes.append((worker, log))
                logs[f"worker-{name}"] = tmp_path / f"worker-{name}.log"
            deadline = time.monotonic() + 90  # a loaded CI machine starts slowly
            for base, (server, _) in zip(bases, processes, strict=False):
                _wait_until_serving(base, server, deadline)
            assert _wait_for(
                lambda: all("ready." in logs[f"worker-{n}"].read_text() for n in ("a", "b")), timeout=30
            ), "the workers did not start"
            yield bases, database_url, citizens, logs
        finally:
            for process, _ in processes:
                process.terminate()
            for process, log in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                log.close()
            client = redis.Redis.from_url(os.environ["REDIS_URL"])
            for key in [*client.scan_iter(f"{prefix}:*"), *client.scan_iter(f"*{queue}*")]:
                client.delete(key)
            client.delete(queue)
            client.close()


def _rows(database_url: str, sql: str) -> list[tuple]:
    with psycopg.connect(database_url) as connection:
        return connection.execute(sql).fetchall()


def _runs(logs: dict, task: str, *workers: str) -> list[str]:
    """The ids of the runs of `task` that these workers (both, by default) logged as done."""
    pattern = rf"Task allocation\.{task}\[([0-9a-f-]+)\] succeeded"
    return [run for name in workers or ("worker-a", "worker-b") for run in re.findall(pattern, logs[name].read_text())]


def _token(base: str, username: str, password: str) -> requests.Response:
    return requests.post(f"{base}/api/v1/auth/token/", json={"username": username, "password": password}, timeout=20)


def test_two_instances_and_two_workers_share_every_limit_and_run_each_task_once(cluster):
    bases, database_url, citizens, logs = cluster
    a, b = bases
    token = _token(a, "root", PASSWORD).json()["token"]  # issued by A, accepted by B
    auth = {"Authorization": f"Token {token}"}

    # (a) 40 intakes at once into 25 slots, sent to A and B in turn
    def intake(i: int) -> tuple[int, dict]:
        response = requests.post(
            f"{bases[i % 2]}/api/v1/cases/",
            json={"citizen": citizens[i], "programme": "flere_skal_med", "target_group": "aktivitetsparat"},
            headers=auth,
            timeout=30,
        )
        return response.status_code, response.json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(intake, range(INTAKES)))

    assert [status for status, _ in answers] == [201] * INTAKES, answers
    assert Counter(body["status"] for _, body in answers) == {"open": sum(CAPS), "queued": INTAKES - sum(CAPS)}
    for name in ("web-a", "web-b"):  # both instances took their half
        assert logs[name].read_text().count('"POST /api/v1/cases/ HTTP/1.1" 201') == INTAKES // 2, name
    per_citizen = _rows(database_url, "SELECT citizen_id, count(*) FROM cases_case GROUP BY citizen_id")
    assert sorted(citizen for citizen, _ in per_citizen) == sorted(citizens)
    assert {count for _, count in per_citizen} == {1}  # assigned or queued, exactly once
    loads = _rows(
        database_url,
        """SELECT cw.cap, cw.open_cases, count(c.id) FROM staff_caseworker cw
           LEFT JOIN cases_case c ON c.caseworker_id = cw.id AND c.status = 'open' GROUP BY cw.id""",
    )
    assert sorted(cap for cap, _, _ in loads) == CAPS
    assert all(real == counted == cap for cap, counted, real in loads), loads  # full, and never over
    current = _rows(
        database_url,
        """SELECT c.status, count(a.id) FROM cases_case c
           LEFT JOIN allocation_caseassignment a ON a.case_id = c.id AND a.ended_at IS NULL GROUP BY c.id""",
    )
    assert sorted(set(current)) == [("open", 1), ("queued", 0)]

    # (c) every task the instances sent was run once, by one of the two workers: the digest
    # told every caseworker of every assignment
    assert _wait_for(
        lambda: (
            _rows(database_url, "SELECT count(*) FROM allocation_caseassignment WHERE notified_at IS NULL") == [(0,)]
        ),
        timeout=20,
    ), "the workers did not tell every caseworker"

    # Intake sends the digest when it assigned (one per operation: an intake whose second look
    # drained the queue sends one for every case it placed) and the prompt check when its case
    # stayed queued, so the counts follow the interleaving; what must hold is that every message
    # a worker took was run, once, by that worker alone.
    def received(task: str) -> list[str]:
        pattern = rf"Task allocation\.{task}\[([0-9a-f-]+)\] received"
        return [run for name in ("worker-a", "worker-b") for run in re.findall(pattern, logs[name].read_text())]

    tasks = ("notify_new_cases", "check_teams")

    def settled() -> bool:
        return all(received(task) and sorted(received(task)) == sorted(_runs(logs, task)) for task in tasks)

    assert _wait_for(settled, timeout=60), {task: (len(received(task)), len(_runs(logs, task))) for task in tasks}
    time.sleep(0.5)  # time for a second delivery of any of them to show in the logs
    for task in tasks:
        runs = _runs(logs, task)
        assert len(runs) == len(set(runs)) == len(received(task)), (task, runs)  # each once, by one worker
        assert not set(_runs(logs, task, "worker-a")) & set(_runs(logs, task, "worker-b"))
    assert all(len(_runs(logs, task)) <= INTAKES for task in tasks)  # at most one of each per intake

    # (b1) the login lockout: FAILURE_LIMIT failures on A lock the username on B too
    for _ in range(FAILURE_LIMIT):
        assert _token(a, "anna", "wrong password").status_code in (400, 429)
    locked = _token(b, "anna", PASSWORD)
    assert locked.status_code == 429 and locked.json()["code"] == "locked_out", locked.text
    assert _token(b, "root", PASSWORD).status_code == 200  # the lock is anna's, not the instance's

    # (b2) the password-reset limit per client counts A's and B's requests together
    browser = requests.Session()
    form = browser.get(f"{a}/accounts/password_reset/", timeout=20)
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)

    def ask(base: str, n: int) -> int:
        response = browser.post(
            f"{base}/accounts/password_reset/",
            data={"csrfmiddlewaretoken": csrf, "email": f"nobody{n}@example.dk"},
            allow_redirects=False,
            timeout=20,
        )
        return response.status_code

    asked = [ask(bases[n % 2], n) for n in range(RESET_RATE + 2)]
    # each instance saw at most three: counted apart, none would refuse yet
    assert asked == [302] * RESET_RATE + [429, 429], asked

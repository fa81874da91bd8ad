"""A backup can be restored: the demo jobcentre in a fresh database, `pg_dump -Fc`, `pg_restore`
into another fresh database, and the project pointed at the copy finds every case and every
row, reads every CPR number with the key kept beside the dump, and none without it.

The commands are the ones docs/operations.md ("Backups") gives operators."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess

import pytest

from jobcenter.tests.processes import fresh_database, manage

pytestmark = pytest.mark.postgres

# Every table's rows, every case, every citizen's digest, and how many CPR numbers can be read
# (decrypted, a valid number, and the digest recomputed from it matches the stored one).
_PROBE = """
import json
from django.apps import apps
from cases import cpr
from cases.models import Case, Citizen

def readable():
    count = 0
    try:  # with a wrong key the first row already fails to decrypt
        for citizen in Citizen.objects.only("cpr", "cpr_digest").iterator(chunk_size=500):
            number = citizen.cpr
            count += cpr.parse(number).number == number and cpr.digest(number) == citizen.cpr_digest
    except Exception:
        pass
    return count

digests = dict(Citizen.objects.values_list("pk", "cpr_digest"))
print(json.dumps({
    "rows": {m._meta.label: m._default_manager.count() for m in apps.get_models()},
    "cases": list(Case.objects.order_by("pk").values_list("pk", "citizen_id", "status", "caseworker_id")),
    "digests": sorted(digests.items()),
    "readable": readable(),
}))
"""


def _probe(env: dict) -> dict:
    return json.loads(manage("shell", "--no-imports", "-c", _PROBE, env=env).strip().splitlines()[-1])


def _run(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, f"{' '.join(command)}:\n{result.stdout}\n{result.stderr}"


@pytest.mark.skipif(
    not shutil.which("pg_dump") or not shutil.which("pg_restore"),
    reason="needs pg_dump and pg_restore (postgresql-client)",
)
def test_a_dump_restored_into_a_fresh_database_is_the_same_jobcentre(tmp_path):
    key = secrets.token_urlsafe(32)
    base_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "jobcenter.settings.local",
        "DJANGO_DEBUG": "0",
        "CPR_ENCRYPTION_KEY": key,
        # tasks the seeding sends go nowhere (no Redis, no broker folder left behind)
        "CELERY_BROKER_URL": "memory://",
        "DJANGO_LOG_LEVEL": "WARNING",
    }
    base_env.pop("REDIS_URL", None)
    dump = tmp_path / "jobcenter.dump"
    with fresh_database("jc_scale_backup_a") as source, fresh_database("jc_scale_backup_b") as restored:
        original = {**base_env, "DATABASE_URL": source}
        manage("migrate", "--noinput", "-v", "0", env=original)
        manage("seed_demo", "-v", "0", env=original)
        before = _probe(original)
        assert len(before["cases"]) > 1000 and before["readable"] == len(before["digests"]) > 1000

        _run("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", f"--dbname={source}")
        _run("pg_restore", "--exit-on-error", "--no-owner", f"--dbname={restored}", str(dump))

        copy = {**base_env, "DATABASE_URL": restored}
        manage("migrate", "--check", "--noinput", env=copy)  # the schema is complete, nothing to apply
        after = _probe(copy)
        assert after == before

        # without the key kept beside the dump, not one CPR number can be read
        lost_key = _probe({**copy, "CPR_ENCRYPTION_KEY": secrets.token_urlsafe(32)})
        assert lost_key["cases"] == before["cases"] and lost_key["readable"] == 0

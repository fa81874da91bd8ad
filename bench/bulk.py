"""What the national-scale benchmarks share: a fresh database built with bulk SQL, timed."""

from __future__ import annotations

import time


def create_database(*, server: str, database: str, reuse: bool) -> bool:
    """Drop and create `database`; with `reuse`, keep one that exists. True when created."""
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone()
        if exists and reuse:
            return False
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    return True


def timed(label: str, fn, *args, width: int = 60, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    print(f"  {label:<{width}} {time.perf_counter() - start:8.2f} s")
    return value


def build(*, statements: list[str], sequences: list[str]) -> None:
    """Migrate, run the bulk statements in one transaction, move the id sequences on, analyse."""
    from django.core.management import call_command
    from django.db import connection, transaction

    timed("migrate", call_command, "migrate", verbosity=0)
    with transaction.atomic(), connection.cursor() as cursor:
        for statement in statements:
            timed(" ".join(statement.split())[:60], cursor.execute, statement)
        for table in sequences:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"
            )
    with connection.cursor() as cursor:
        timed("VACUUM ANALYZE", cursor.execute, "VACUUM ANALYZE")


def counts(queries: list[tuple[str, str]]) -> dict[str, int]:
    from django.db import connection

    figures = {}
    with connection.cursor() as cursor:
        for label, sql in queries:
            cursor.execute(sql)
            figures[label] = cursor.fetchone()[0]
    return figures

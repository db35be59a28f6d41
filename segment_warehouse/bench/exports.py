"""Benchmark of the exports: records per second to a local webhook receiver and to PostgreSQL.

    python -m segment_warehouse.bench.exports                     # 100 000 members (make bench-exports)
    python -m segment_warehouse.bench.exports --members 20000     # another size

A synthetic warehouse (marts.customers + one segment, every member consented) is written to a temp
directory; each destination gets a first sync (every member is an add) and a next-day sync (1 % of the
members leave, 1 % arrive). The webhook receiver is the reference receiver (Python http.server with
TCP_NODELAY, applying each Idempotency-Key once) run in its own process, so the client is measured,
not the receiver sharing its interpreter. PostgreSQL: SEGMENTS_TEST_PG_DSN, else SEGMENTS_PG_DSN, else
the local CI server. Prints numbers; asserts nothing (target: >= 20 000 records/s for both).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import duckdb
import httpx

from segment_warehouse.exports.declarations import parse_declaration
from segment_warehouse.exports.sync import SyncResult, sync_export

TARGET_RECORDS_PER_SECOND = 20_000
DEFAULT_PG_DSN = "postgresql://segments:segments@127.0.0.1:5432/segments"
AS_OF = dt.date(2026, 3, 1)

WAREHOUSE_SQL = """
create schema marts;
create schema segments;
create table marts.customers as
select
    'c' || lpad(cast(i as varchar), 8, '0') as customer_id,
    'user' || i || '@example.com' as email,
    '+3247' || lpad(cast(i as varchar), 8, '0') as phone,
    'First' || (i % 997) as first_name,
    'Last' || (i % 1999) as last_name,
    true as email_consent,
    true as sms_consent,
    true as whatsapp_consent,
    cast(1 + i % 9 as integer) as orders_count,
    cast(20 + (i % 5000) * 0.37 as decimal(18, 2)) as total_spent_eur,
    timestamp '2025-01-01 00:00:00' + to_seconds(i * 17) as last_order_at
from range({members}) as t(i);
create table segments.seg_bench as select customer_id, last_order_at from marts.customers;
"""


def build_warehouse(path: Path, members: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute(WAREHOUSE_SQL.format(members=members))


def next_day_changes(path: Path, members: int) -> None:
    """1 % of the members leave the segment, 1 % new customers join it."""
    churn = max(1, members // 100)
    with duckdb.connect(str(path)) as con:
        con.execute(
            "delete from segments.seg_bench "
            f"where customer_id in (select customer_id from marts.customers order by customer_id limit {churn})"
        )
        con.execute(
            f"""
            insert into marts.customers
            select 'n' || lpad(cast(i as varchar), 8, '0'), 'new' || i || '@example.com', '+3248' || i, 'New', 'Member',
                true, true, true, 1, 10.00, timestamp '2026-02-28 10:00:00'
            from range({churn}) as t(i)
            """
        )
        con.execute(
            "insert into segments.seg_bench "
            "select customer_id, last_order_at from marts.customers where customer_id like 'n%'"
        )


def warm_up() -> None:
    """One-time start-up costs that are not throughput (a daily run pays them once, for everything)."""
    with duckdb.connect() as con:
        con.execute("select ?", [1]).fetchall()


def start_receiver() -> tuple[subprocess.Popen, str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "segment_warehouse.exports.receiver", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    url = line.split()[2]
    for _ in range(100):
        try:
            httpx.get(url.rsplit("/", 1)[0] + "/health", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    return process, url


def sync(warehouse: Path, entry: dict, as_of: dt.date, env: dict[str, str]) -> SyncResult:
    with duckdb.connect(str(warehouse)) as con:
        return sync_export(parse_declaration(entry), as_of, con=con, environ=env, force=True)


def report_first(result: SyncResult) -> float:
    """The first sync sends every member: its records per second is the throughput against the target."""
    records = result.adds + result.removes
    rate = records / result.duration_seconds if result.duration_seconds else 0.0
    verdict = "ok" if rate >= TARGET_RECORDS_PER_SECOND else "BELOW TARGET"
    print(
        f"  first sync (every member an add): {result.status}, {records:,} records in {result.duration_seconds:.2f}s "
        f"= {rate:,.0f} records/s ({result.attempts} requests or transactions) [{verdict}]",
        flush=True,
    )
    return rate


def report_next_day(result: SyncResult) -> None:
    """The next-day sync compares every member with the acknowledged state and sends the changes."""
    print(
        f"  next day (1 % leave, 1 % join):  {result.status}, {result.members:,} members compared, "
        f"{result.adds:,} adds + {result.removes:,} removes sent in {result.duration_seconds:.2f}s",
        flush=True,
    )


def bench_webhook(directory: Path, members: int) -> None:
    warehouse = directory / "webhook.duckdb"
    build_warehouse(warehouse, members)
    receiver, url = start_receiver()
    try:
        entry = {
            "name": "bench_webhook",
            "segment": "bench",
            "channel": "whatsapp",
            "destination": {"type": "webhook", "url_env": "BENCH_URL", "max_in_flight": 4},
            "fields": {
                "phone": "customers.phone",
                "first_name": "customers.first_name",
                "last_order_at": "segment.last_order_at",
            },
        }
        env = {"BENCH_URL": url}
        print(f"webhook (batch size 500, 4 in flight) -> {url}")
        report_first(sync(warehouse, entry, AS_OF, env))
        next_day_changes(warehouse, members)
        report_next_day(sync(warehouse, entry, AS_OF + dt.timedelta(days=1), env))
    finally:
        receiver.terminate()
        receiver.wait(timeout=10)


def bench_postgres(directory: Path, members: int) -> None:
    dsn = os.environ.get("SEGMENTS_TEST_PG_DSN") or os.environ.get("SEGMENTS_PG_DSN") or DEFAULT_PG_DSN
    import psycopg

    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as exc:
        print(f"postgres: not reachable at {dsn} ({exc}); start it with `bash .ci/start-postgres`")
        return
    warehouse = directory / "postgres.duckdb"
    build_warehouse(warehouse, members)
    schema = f"bench_exports_{uuid.uuid4().hex[:8]}"
    entry = {
        "name": "bench_postgres",
        "segment": "bench",
        "channel": "email",
        "destination": {"type": "postgres", "dsn_env": "BENCH_DSN", "schema": schema, "table": "audience"},
        "fields": {
            "email": "customers.email",
            "first_name": "customers.first_name",
            "spent": "customers.total_spent_eur",
        },
    }
    env = {"BENCH_DSN": dsn}
    print(f"postgres (one transaction per sync) -> schema {schema}")
    try:
        report_first(sync(warehouse, entry, AS_OF, env))
        next_day_changes(warehouse, members)
        report_next_day(sync(warehouse, entry, AS_OF + dt.timedelta(days=1), env))
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"drop schema if exists {schema} cascade")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--only", choices=("webhook", "postgres"), default=None)
    args = parser.parse_args(argv)
    print(f"export throughput at {args.members:,} members (target >= {TARGET_RECORDS_PER_SECOND:,} records/s)")
    print("  a sync's duration covers reading the membership and the state, the diff, planning, sending and")
    print("  acknowledging; not the process start-up (DuckDB imports pandas when it first binds a parameter:")
    print("  done once here, before timing)")
    warm_up()
    with tempfile.TemporaryDirectory(prefix="bench-exports-") as tmp:
        if args.only in (None, "webhook"):
            bench_webhook(Path(tmp), args.members)
        if args.only in (None, "postgres"):
            bench_postgres(Path(tmp), args.members)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

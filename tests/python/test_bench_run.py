"""The daily-run benchmark's own machinery: process measurement, the floor query, the floor/marts comparison.

No timing is asserted (benchmarks print numbers); these tests check that what the benchmark reports is right.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from segment_warehouse.bench.floor import render_floor_query, run_floor
from segment_warehouse.bench.measurement import MIB, measure_command
from segment_warehouse.bench.run import compare_with_floor, count_rows, runs_already_constrained
from segment_warehouse.contract import ENTITIES, raw_table_ddl

AS_OF = dt.date(2026, 11, 22)  # T = 2026-11-23 00:00:00 UTC


def test_measure_command_reports_peak_memory_of_the_child(tmp_path: Path) -> None:
    allocate = "b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"

    measurement = measure_command(
        "allocate", [sys.executable, "-c", allocate], env=os.environ, log_path=tmp_path / "a.log"
    )

    assert measurement.ok
    assert measurement.peak_rss_bytes >= 200 * MIB
    assert measurement.wall_seconds > 0


def test_the_benchmark_process_own_memory_does_not_count_in_the_child_peak(tmp_path: Path) -> None:
    # Linux carries the high-water mark of the process a child is forked from into the child's ru_maxrss:
    # measured directly, a tiny command started from a process holding 800 MiB would read as >= 800 MiB
    held = bytearray(800 * MIB)
    held[::4096] = b"x" * len(held[::4096])

    measurement = measure_command("tiny", [sys.executable, "-c", "pass"], env=os.environ, log_path=tmp_path / "t.log")

    assert measurement.ok
    assert measurement.peak_rss_bytes < 300 * MIB, measurement.peak_rss_bytes / MIB
    del held


def test_measure_command_reports_a_child_killed_by_a_signal(tmp_path: Path) -> None:
    kill_self = "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"
    measurement = measure_command(
        "killed", [sys.executable, "-c", kill_self], env=os.environ, log_path=tmp_path / "k.log"
    )

    assert measurement.returncode == -9
    assert not measurement.ok


def test_measure_command_reports_the_exit_code_and_keeps_the_output(tmp_path: Path) -> None:
    measurement = measure_command(
        "fail",
        [sys.executable, "-c", "import sys; print('something broke'); sys.exit(3)"],
        env=os.environ,
        log_path=tmp_path / "f.log",
    )

    assert measurement.returncode == 3
    assert not measurement.ok
    assert "something broke" in measurement.log_tail()


def _write_landing(landing: Path, rows: dict[str, list[str]]) -> None:
    """One Parquet file per entity, with every contract column, holding the given SQL value tuples."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute("create schema raw")
    for entity in ENTITIES.values():
        con.execute(raw_table_ddl(entity))
        names = ", ".join(entity.column_names)
        for values in rows.get(entity.name, []):
            con.execute(f"insert into raw.{entity.name} ({names}) values ({values})")
        (landing / entity.name).mkdir(parents=True)
        con.execute(f"copy (select {names} from raw.{entity.name}) to '{landing / entity.name / 'part.parquet'}'")
    con.close()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    path = tmp_path / "landing"
    no_profile = "null, " * 16  # email … custom_attributes
    _write_landing(
        path,
        {
            "customers": [
                # buyer: two versions, the one updated at T is not in force yet
                "'c1', 'a@x.fr', '+33600', 'A', 'B', 'female', '1990-03-01', 'Paris', '75001', 'FR', null, null, "
                "true, false, false, null, null, '2025-01-01', '2025-01-01', null",
                "'c1', 'new@x.fr', null, 'A', 'B', 'female', '1990-03-01', 'Paris', '75001', 'FR', null, null, "
                "false, false, false, null, null, '2025-01-01', '2026-11-23 00:00:00', null",
                # erased in a version dated after T
                f"'c2', {no_profile} '2025-01-01', '2025-01-01', null",
                f"'c2', {no_profile} '2025-01-01', '2027-01-01', '2027-01-01'",
                # created exactly at T: does not exist yet
                f"'c3', {no_profile} '2026-11-23 00:00:00', '2026-11-23 00:00:00', null",
            ],
            "orders": [
                "'o1', 'c1', '2026-10-01', '2026-10-01', 'USD', 100.00, 10.00, 0, null, null, 'paid', null, 'web'",
                "'o2', 'c1', '2026-11-01', '2026-11-01', 'EUR', 50.00, null, 0, 20.00, null, 'paid', "
                "'2026-11-23 00:00:00', 'web'",
                "'o3', 'c1', '2026-11-22 23:59:59.999999', '2026-11-22 23:59:59.999999', 'EUR', 7.00, null, 0, null, "
                "null, 'voided', null, 'web'",
                "'o4', 'c1', '2026-11-23 00:00:00', '2026-11-23 00:00:00', 'EUR', 9.00, null, 0, null, null, 'paid', "
                "null, 'web'",
                "'o5', 'c2', '2026-10-01', '2026-10-01', 'EUR', 30.00, null, 0, null, null, 'paid', null, 'web'",
            ],
        },
    )
    return path


def test_floor_query_applies_the_as_of_rules_and_exact_money(landing: Path, tmp_path: Path) -> None:
    database = tmp_path / "floor.duckdb"

    rows, _ = run_floor(landing, AS_OF, database)

    con = duckdb.connect(str(database), read_only=True)
    customers = con.execute(
        "select customer_id, orders_count, total_spent_eur, last_order_amount_ht_eur, email_consent, age "
        "from floor_customers"
    ).fetchall()
    con.close()
    assert rows == 1
    # c2 erased, c3 created at T; o1 (92.00 EUR) + o2 (cancelled at T: still valid, 50 - 20 refunded);
    # o3 voided, o4 created at T; the version of c1 updated at T (opt-in false) is not in force
    assert customers == [("c1", 2, Decimal("122.00000000"), Decimal("50.00000000"), True, 36)]


def test_floor_query_has_every_placeholder_filled(landing: Path) -> None:
    sql = render_floor_query(landing, AS_OF)

    code = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    assert not [line for line in code if "$" in line]
    assert "timestamp '2026-11-23 00:00:00'" in sql


def test_compare_with_floor_counts_differing_customers_per_column(landing: Path, tmp_path: Path) -> None:
    floor_database = tmp_path / "floor.duckdb"
    run_floor(landing, AS_OF, floor_database)
    warehouse = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("create schema marts")
    con.execute(f"attach '{floor_database}' as f (read_only)")
    con.execute(
        "create table marts.customers as select * replace (orders_count + 1 as orders_count) from f.floor_customers"
    )
    con.execute("insert into marts.customers (customer_id, orders_count) values ('c_only_in_marts', 0)")
    con.close()

    agreement, note = compare_with_floor(warehouse, floor_database)

    differing = {column: count for column, count in agreement if count}
    assert note == ""
    assert differing == {"(customer present on one side only)": 1, "orders_count": 1}
    assert count_rows(warehouse) == {"marts.customers": 2}


def test_the_constrained_run_is_skipped_only_when_the_runs_already_had_that_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("SEGMENTS_MEMORY_LIMIT", raising=False)
    default = argparse.Namespace(memory_limit=None, constrained_memory_limit="1GB")
    assert runs_already_constrained(default)  # the default memory_limit is 1GB
    assert runs_already_constrained(argparse.Namespace(memory_limit="1 gb", constrained_memory_limit="1GB"))
    assert not runs_already_constrained(argparse.Namespace(memory_limit="4GB", constrained_memory_limit="1GB"))
    assert not runs_already_constrained(argparse.Namespace(memory_limit=None, constrained_memory_limit=None))
    monkeypatch.setenv("SEGMENTS_MEMORY_LIMIT", "4GB")
    assert not runs_already_constrained(default)

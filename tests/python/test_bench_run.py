"""The daily-run benchmark's own machinery: process measurement, the floor query, the floor/marts comparison,
where a run's time went.

No timing is asserted (benchmarks print numbers); these tests check that what the benchmark reports is right.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import sys
import time
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.run_summary import StepTime
from segment_warehouse.bench.breakdown import RunBreakdown, breakdown_lines, read_dbt_times, read_step_times
from segment_warehouse.bench.floor import render_floor_query, run_floor
from segment_warehouse.bench.measurement import MIB, measure_command
from segment_warehouse.bench.run import compare_with_floor, count_rows, runs_already_constrained
from segment_warehouse.contract import ENTITIES, raw_table_ddl
from segment_warehouse.settings import PROJECT_DIR

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


def _run_partitioned_job(dagster_home: Path, partition: str) -> None:
    """A two-step job run as partition `partition` in the Dagster instance at `dagster_home` (the benchmark's
    runs record theirs there): the first step takes at least 0.3 s."""

    @dg.op
    def slow_step() -> int:
        time.sleep(0.3)
        return 1

    @dg.op
    def quick_step(value: int) -> int:
        return value + 1

    @dg.job
    def two_steps() -> None:
        quick_step(slow_step())

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        result = two_steps.execute_in_process(instance=instance, tags={"dagster/partition": partition})
        assert result.success


def test_the_breakdown_reads_the_steps_of_the_latest_run_of_the_date(tmp_path: Path) -> None:
    home = tmp_path / "dagster_home"
    home.mkdir()
    assert read_step_times(home, AS_OF) == []  # no instance configured there: nothing, no error
    shutil.copyfile(PROJECT_DIR / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    _run_partitioned_job(home, "2026-11-21")
    assert read_step_times(home, AS_OF) == []  # another date's run is not this date's

    _run_partitioned_job(home, AS_OF.isoformat())

    steps = read_step_times(home, AS_OF)
    assert [t.step for t in steps] == ["slow_step", "quick_step"]  # in the order they started
    assert steps[0].seconds >= 0.3
    assert 0 <= steps[1].seconds < steps[0].seconds


def test_the_breakdown_table_derives_what_the_steps_and_dbt_leave_out(tmp_path: Path) -> None:
    results = tmp_path / "run_results.json"
    results.write_text(
        json.dumps(
            {
                "elapsed_time": 100.0,
                "results": [
                    {"unique_id": "model.segment_warehouse.customers", "execution_time": 30.0},
                    {"unique_id": "model.segment_warehouse.orders", "execution_time": 20.0},
                    {"unique_id": "test.segment_warehouse.unique_orders_order_id.fed79b3a6e", "execution_time": 25.0},
                    {"unique_id": "seed.segment_warehouse.fx_rates", "execution_time": 0.5},
                ],
            }
        )
    )
    dbt = read_dbt_times(results, slowest=2)
    assert dbt is not None
    assert dbt.seconds_by_type == {"model": 50.0, "test": 25.0, "seed": 0.5}
    assert dbt.slowest == [("customers", 30.0), ("unique_orders_order_id", 25.0)]
    assert read_dbt_times(tmp_path / "missing.json") is None

    steps = [("landing_ingest", 40.0), ("dbt_build", 120.0), ("serving__published", 30.0)]
    full = RunBreakdown(steps=[StepTime(step, seconds, "success") for step, seconds in steps], dbt=dbt)
    nothing_recorded = RunBreakdown()
    lines = breakdown_lines([("full run", full, 200.0), ("next day", nothing_recorded, 80.0)])

    def cells(label: str) -> list[str]:
        found = [line for line in lines if line.strip().startswith(label)]
        assert len(found) == 1, (label, lines)
        return found[0].split()[-2:]

    assert cells("outside the steps") == ["10.0", "—"]  # 200 − (40 + 120 + 30); a run without steps: unknown
    assert cells("step dbt_build") == ["120.0", "—"]
    assert cells("dbt's own timer") == ["100.0", "—"]
    assert cells("models") == ["50.0", "—"]
    assert cells("outside dbt's timer") == ["20.0", "—"]
    assert cells("total") == ["200.0", "80.0"]
    assert lines[-1] == "  slowest dbt nodes, full run (s): customers 30.0, unique_orders_order_id 25.0"

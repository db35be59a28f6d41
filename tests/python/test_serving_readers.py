"""Readers never block the run, and every read sees one complete, consistent day (write-audit-publish).

A small generated shop is run for day 1 (which publishes the first serving copy). Then two reader processes
start: one holds a single read-only connection to serving.duckdb for the whole test, the other opens a fresh
read-only connection on every poll and also reads the Parquet snapshot behind ``serving/current``. While they
poll, a full ``segments run`` computes and publishes day 2. The run must succeed, no read may fail, and every
read must be self-consistent: ``marts.segment_sizes`` for the published date equals the row count of every
segment table of the same snapshot, and ``marts.published_tables`` equals every table's row count.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

DAY1 = "2026-11-21"
DAY2 = "2026-11-22"

READER = textwrap.dedent(
    """
    import json, os, sys, time, traceback
    import duckdb
    import pyarrow.parquet as pq

    mode, serving, parquet_dir, stop, out = sys.argv[1:6]

    def check_duckdb(con):
        day = con.execute("select cast(as_of_date as varchar) from marts.published").fetchone()[0]
        sizes = dict(con.execute(
            "select segment_name, members from marts.segment_sizes where cast(as_of_date as varchar) = ?", [day]
        ).fetchall())
        problems = []
        for (table,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'segments'"
        ).fetchall():
            rows = con.execute(f'select count(*) from segments."{table}"').fetchone()[0]
            if rows != sizes.get(table.removeprefix("seg_"), 0):
                problems.append(f"{day} {table}: {rows} rows, segment_sizes says {sizes.get(table[4:])}")
        for schema, table, listed in con.execute(
            "select table_schema, table_name, row_count from marts.published_tables"
        ).fetchall():
            rows = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
            if rows != listed:
                problems.append(f"{day} {schema}.{table}: {rows} rows, published_tables says {listed}")
        return day, problems

    def check_parquet():
        version = os.path.realpath(os.path.join(parquet_dir, "current"))  # resolved once per read
        day = str(pq.read_table(f"{version}/marts/published.parquet").column("as_of_date")[0].as_py())
        sizes_table = pq.read_table(f"{version}/marts/segment_sizes.parquet").to_pylist()
        sizes = {r["segment_name"]: r["members"] for r in sizes_table if str(r["as_of_date"]) == day}
        manifest = json.load(open(f"{version}/_manifest.json"))
        problems = []
        for entry in manifest["tables"]:
            rows = pq.ParquetFile(f"{version}/{entry['schema']}/{entry['table']}.parquet").metadata.num_rows
            if rows != entry["rows"]:
                problems.append(f"parquet {day} {entry['schema']}.{entry['table']}: {rows} != {entry['rows']}")
            if entry["schema"] == "segments" and rows != sizes.get(entry["table"].removeprefix("seg_"), 0):
                problems.append(f"parquet {day} {entry['table']}: {rows} rows, segment_sizes says {sizes}")
        return day, problems

    result = {"reads": 0, "days": [], "errors": [], "inconsistent": []}
    held = duckdb.connect(serving, read_only=True) if mode == "held" else None

    def read_once():
        try:
            if held is not None:
                day, problems = check_duckdb(held)
            else:
                con = duckdb.connect(serving, read_only=True)
                try:
                    day, problems = check_duckdb(con)
                finally:
                    con.close()
                parquet_day, parquet_problems = check_parquet()
                problems += parquet_problems
                result["days"].append("parquet " + parquet_day)
            result["reads"] += 1
            result["days"].append(day)
            result["inconsistent"] += problems
        except Exception:
            result["errors"].append(traceback.format_exc(limit=3))

    read_once()
    print("ready", flush=True)
    while not os.path.exists(stop):
        read_once()
        time.sleep(0.05)
    read_once()  # after the run: a fresh connection sees the new day, the held one its old snapshot
    if held is not None:
        held.close()
    json.dump(result, open(out, "w"))
    """
)


def _env(work: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "SEGMENTS_LANDING_DIR": str(work / "landing"),
        "SEGMENTS_DUCKDB_PATH": str(work / "warehouse" / "warehouse.duckdb"),
        "SEGMENTS_EXPORTS_DIR": str(work / "exports"),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "SEGMENTS_THREADS": "2",
    }
    env.pop("DAGSTER_HOME", None)  # an ephemeral Dagster instance
    env.pop("SEGMENTS_SERVING_DUCKDB_PATH", None)
    env.pop("SEGMENTS_SERVING_PARQUET_DIR", None)
    return env


def _segments(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [str(Path(sys.executable).parent / "segments"), *args]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=1800, check=False)


def test_readers_keep_reading_consistent_days_during_a_run(tmp_path: Path) -> None:
    env = _env(tmp_path)
    generated = _segments(env, "generate", "--customers", "200", "--seed", "5", "--end-date", DAY2)
    assert generated.returncode == 0, generated.stderr
    first = _segments(env, "run", "--as-of", DAY1, "--skip-exports")
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    serving = tmp_path / "warehouse" / "serving.duckdb"
    parquet_dir = tmp_path / "warehouse" / "serving"
    assert serving.exists() and (parquet_dir / "current").is_symlink()

    stop = tmp_path / "stop"
    readers = {}
    for mode in ("held", "fresh"):
        out = tmp_path / f"reader_{mode}.json"
        args = [sys.executable, "-c", READER, mode, str(serving), str(parquet_dir), str(stop), str(out)]
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        readers[mode] = (process, out)
    try:
        for mode, (process, _) in readers.items():
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready", f"reader {mode} did not start"

        started = time.perf_counter()
        second = _segments(env, "run", "--as-of", DAY2, "--skip-exports")
        run_seconds = time.perf_counter() - started
        assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-4000:]
        assert "published" in second.stdout
        stop.touch()
        results = {}
        for mode, (process, out) in readers.items():
            _, err = process.communicate(timeout=120)
            assert process.returncode == 0, f"reader {mode} crashed: {err}"
            results[mode] = json.loads(out.read_text())
    finally:
        for process, _ in readers.values():
            if process.poll() is None:
                process.kill()

    for mode, result in results.items():
        assert result["errors"] == [], f"reader {mode} got errors: {result['errors'][:3]}"
        assert result["inconsistent"] == [], f"reader {mode} saw an inconsistent day: {result['inconsistent'][:5]}"
        assert result["reads"] >= 3, f"reader {mode} read only {result['reads']} times in {run_seconds:.0f} s"
    # the held connection keeps its snapshot of day 1; fresh connections and Parquet move to day 2
    assert set(results["held"]["days"]) == {DAY1}
    fresh_days = [d for d in results["fresh"]["days"] if not d.startswith("parquet")]
    parquet_days = [d.split()[1] for d in results["fresh"]["days"] if d.startswith("parquet")]
    assert fresh_days[0] == DAY1 and fresh_days[-1] == DAY2
    assert parquet_days[0] == DAY1 and parquet_days[-1] == DAY2
    assert fresh_days == sorted(fresh_days) and parquet_days == sorted(parquet_days)  # never back in time

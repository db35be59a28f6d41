"""Write-audit-publish: the serving copy (DuckDB file + Parquet) is replaced atomically, readers keep their day."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from segment_warehouse import serving
from segment_warehouse.cli import UserError, main
from segment_warehouse.serving import publish, read_published_marker
from segment_warehouse.settings import Settings

DAY1 = dt.date(2026, 11, 21)
DAY2 = dt.date(2026, 11, 22)


def build_working_warehouse(path: Path, day: dt.date, members: int) -> None:
    """A small working warehouse as a build leaves it: raw/staging (not published), marts and segments."""
    con = duckdb.connect(str(path))
    for schema in ("raw", "staging", "marts", "segments"):
        con.execute(f"create schema if not exists {schema}")
    con.execute("create or replace table raw.customers as select 'c' || i as customer_id from range(50) t(i)")
    con.execute("create or replace view staging.stg_customers as select * from raw.customers")
    con.execute(
        "create or replace table marts.customers as "
        "select customer_id, cast(substr(customer_id, 2) as integer) as orders_count from staging.stg_customers"
    )
    con.execute(  # a view in marts reading staging: published materialized as a table
        "create or replace view marts.customer_ids as select customer_id from staging.stg_customers"
    )
    con.execute(
        f"create or replace table segments.seg_vip as select customer_id from marts.customers "
        f"where orders_count < {members}"
    )
    con.execute(
        "create or replace table segments.seg_winback as select customer_id from marts.customers "
        "where orders_count >= 45"
    )
    con.execute(
        "create or replace table marts.segment_sizes as "
        f"select date '{day}' as as_of_date, 'vip' as segment_name, (select count(*) from segments.seg_vip) as members "
        f"union all select date '{day}', 'winback', (select count(*) from segments.seg_winback)"
    )
    con.close()


@pytest.fixture
def env(tmp_path: Path, monkeypatch) -> Settings:
    monkeypatch.setenv("SEGMENTS_DUCKDB_PATH", str(tmp_path / "wh" / "warehouse.duckdb"))
    monkeypatch.delenv("SEGMENTS_SERVING_DUCKDB_PATH", raising=False)
    monkeypatch.delenv("SEGMENTS_SERVING_PARQUET_DIR", raising=False)
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    (tmp_path / "wh").mkdir()
    return Settings.from_env()


def _tables(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables order by 1"
        ).fetchall()
        return {n: con.execute(f"select count(*) from {n}").fetchone()[0] for (n,) in names}


def test_publishes_marts_and_segments_with_marker(env: Settings) -> None:
    build_working_warehouse(env.duckdb_path, DAY1, members=10)
    report = publish(DAY1, env)

    assert env.serving_duckdb_path == env.duckdb_path.parent / "serving.duckdb"
    assert report.serving_duckdb_path == env.serving_duckdb_path
    tables = _tables(env.serving_duckdb_path)
    assert tables == {
        "marts.customer_ids": 50,
        "marts.customers": 50,
        "marts.published": 1,
        "marts.published_tables": 5,
        "marts.segment_sizes": 2,
        "segments.seg_vip": 10,
        "segments.seg_winback": 5,
    }  # raw and staging are not published
    with duckdb.connect(str(env.serving_duckdb_path), read_only=True) as con:
        marker = con.execute(
            "select as_of_date, published_at, source_warehouse, tables, total_rows from marts.published"
        )
        as_of, published_at, source, n_tables, total_rows = marker.fetchone()
        listed = con.execute("select table_schema, table_name, row_count from marts.published_tables order by 1, 2")
        assert listed.fetchall() == [
            ("marts", "customer_ids", 50),
            ("marts", "customers", 50),
            ("marts", "segment_sizes", 2),
            ("segments", "seg_vip", 10),
            ("segments", "seg_winback", 5),
        ]
        view_type = con.execute("select table_type from information_schema.tables where table_name = 'customer_ids'")
        assert view_type.fetchone() == ("BASE TABLE",)
    assert as_of == DAY1 and (n_tables, total_rows) == (5, 117) and source == str(env.duckdb_path)
    assert abs((dt.datetime.now(dt.UTC).replace(tzinfo=None) - published_at).total_seconds()) < 120
    assert read_published_marker(env.serving_duckdb_path) == (DAY1, published_at)
    assert report.total_rows == 117 and len(report.tables) == 5
    assert "published 2026-11-21: 5 tables (3 marts, 2 segments)" in report.summary()

    parquet = env.serving_parquet_dir
    assert parquet == env.duckdb_path.parent / "serving"
    current = parquet / "current"
    assert current.is_symlink() and current.resolve() == report.parquet_version_dir.resolve()
    for schema, name, rows in [("segments", "seg_vip", 10), ("marts", "customers", 50), ("marts", "published", 1)]:
        assert pq.read_table(current / schema / f"{name}.parquet").num_rows == rows
        assert pq.read_table(parquet / schema / f"{name}.parquet").num_rows == rows
    manifest = json.loads((current / "_manifest.json").read_text())
    assert manifest["as_of_date"] == "2026-11-21"
    assert {"schema": "segments", "table": "seg_vip", "rows": 10} in manifest["tables"]
    # nothing half-written is left beside the targets
    assert not [p for p in env.duckdb_path.parent.iterdir() if p.name.startswith(".")]
    assert not list((parquet / "versions").glob(".staging-*"))


def test_republish_replaces_atomically_and_prunes_old_versions(env: Settings) -> None:
    build_working_warehouse(env.duckdb_path, DAY1, members=10)
    first = publish(DAY1, env)
    inode_before = env.serving_duckdb_path.stat().st_ino
    build_working_warehouse(env.duckdb_path, DAY2, members=20)
    second = publish(DAY2, env)
    assert env.serving_duckdb_path.stat().st_ino != inode_before  # a new file renamed over, never rewritten
    assert read_published_marker(env.serving_duckdb_path)[0] == DAY2
    assert _tables(env.serving_duckdb_path)["segments.seg_vip"] == 20
    # the previous Parquet version is still complete for readers that resolved `current` before
    assert pq.read_table(first.parquet_version_dir / "segments" / "seg_vip.parquet").num_rows == 10
    assert pq.read_table(env.serving_parquet_dir / "segments" / "seg_vip.parquet").num_rows == 20
    assert (env.serving_parquet_dir / "current").resolve() == second.parquet_version_dir.resolve()

    for _ in range(3):
        last = publish(DAY2, env)
    versions = sorted(p.name for p in (env.serving_parquet_dir / "versions").iterdir())
    assert len(versions) == serving.KEEP_VERSIONS
    assert last.parquet_version_dir.name in versions and first.parquet_version_dir.name not in versions


def test_removed_table_disappears_from_stable_parquet_paths(env: Settings) -> None:
    build_working_warehouse(env.duckdb_path, DAY1, members=10)
    publish(DAY1, env)
    with duckdb.connect(str(env.duckdb_path)) as con:
        con.execute("drop table segments.seg_winback")
    publish(DAY2, env)
    assert not (env.serving_parquet_dir / "segments" / "seg_winback.parquet").exists()
    assert "segments.seg_winback" not in _tables(env.serving_duckdb_path)


READER = textwrap.dedent(
    """
    import sys, time, pathlib, duckdb, pyarrow.parquet as pq
    serving, parquet_dir, go = sys.argv[1], pathlib.Path(sys.argv[2]), pathlib.Path(sys.argv[3])
    con = duckdb.connect(serving, read_only=True)
    version = (parquet_dir / "current").resolve()
    def read():
        day = con.execute("select as_of_date from marts.published").fetchone()[0]
        vip = con.execute("select count(*) from segments.seg_vip").fetchone()[0]
        size = con.execute("select members from marts.segment_sizes where segment_name = 'vip'").fetchone()[0]
        pq_vip = pq.read_table(version / "segments" / "seg_vip.parquet").num_rows
        pq_day = pq.read_table(version / "marts" / "published.parquet").column("as_of_date")[0].as_py()
        return f"{day} {vip} {size} {pq_day} {pq_vip}"
    print(read(), flush=True)
    while not go.exists():
        time.sleep(0.05)
    print(read(), flush=True)
    # DuckDB shares one database instance per path within a process: the new day is seen once the
    # process's connections to the old file are closed
    con.close()
    fresh = duckdb.connect(serving, read_only=True)
    print(fresh.execute("select as_of_date from marts.published").fetchone()[0], flush=True)
    """
)


def test_reader_holding_the_old_copy_keeps_its_day(env: Settings, tmp_path: Path) -> None:
    build_working_warehouse(env.duckdb_path, DAY1, members=10)
    publish(DAY1, env)
    go = tmp_path / "go"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(env.serving_duckdb_path), str(env.serving_parquet_dir), str(go)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout is not None
        first = reader.stdout.readline().strip()
        assert first == "2026-11-21 10 10 2026-11-21 10"
        # the reader holds a read-only connection: publishing the next day must not wait for it nor fail
        build_working_warehouse(env.duckdb_path, DAY2, members=20)
        started = time.perf_counter()
        publish(DAY2, env)
        assert time.perf_counter() - started < 60
        go.touch()
        out, err = reader.communicate(timeout=60)
    finally:
        if reader.poll() is None:
            reader.kill()
    assert reader.returncode == 0, err
    held, fresh = out.strip().splitlines()
    assert held == "2026-11-21 10 10 2026-11-21 10"  # the old snapshot, whole and consistent
    assert fresh == "2026-11-22"  # a new connection sees the new day


def test_publish_with_the_callers_connection(env: Settings) -> None:
    build_working_warehouse(env.duckdb_path, DAY1, members=7)
    with duckdb.connect(str(env.duckdb_path)) as con:  # the run's read-write connection
        report = publish(DAY1, env, con=con)
        assert con.execute("select count(*) from duckdb_databases() where not internal").fetchone() == (1,)
        con.execute("create table marts.after_publish as select 1 as x")  # still usable
    assert report.as_of_date == DAY1
    assert _tables(env.serving_duckdb_path)["segments.seg_vip"] == 7


def test_paths_come_from_the_environment(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SEGMENTS_DUCKDB_PATH", str(tmp_path / "work" / "warehouse.duckdb"))
    monkeypatch.setenv("SEGMENTS_SERVING_DUCKDB_PATH", str(tmp_path / "bi" / "shop.duckdb"))
    monkeypatch.setenv("SEGMENTS_SERVING_PARQUET_DIR", str(tmp_path / "lake"))
    (tmp_path / "work").mkdir()
    build_working_warehouse(tmp_path / "work" / "warehouse.duckdb", DAY1, members=3)
    publish("2026-11-21")
    assert read_published_marker(tmp_path / "bi" / "shop.duckdb")[0] == DAY1
    assert pq.read_table(tmp_path / "lake" / "current" / "segments" / "seg_vip.parquet").num_rows == 3


def test_nothing_is_published_when_publishing_fails(env: Settings, monkeypatch) -> None:
    build_working_warehouse(env.duckdb_path, DAY1, members=10)
    publish(DAY1, env)
    build_working_warehouse(env.duckdb_path, DAY2, members=20)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(serving, "_write_parquet", broken)
    with pytest.raises(OSError, match="disk full"):
        publish(DAY2, env)
    assert read_published_marker(env.serving_duckdb_path)[0] == DAY1
    assert pq.read_table(env.serving_parquet_dir / "current" / "segments" / "seg_vip.parquet").num_rows == 10
    assert not [p for p in env.duckdb_path.parent.iterdir() if p.name.startswith(".")]
    assert not list((env.serving_parquet_dir / "versions").glob(".*"))


def test_missing_or_unbuilt_warehouse_is_a_clear_error(env: Settings) -> None:
    with pytest.raises(UserError, match="run `segments run` first"):
        publish(DAY1, env)
    duckdb.connect(str(env.duckdb_path)).close()
    with pytest.raises(UserError, match="no marts tables"):
        publish(DAY1, env)
    assert not env.serving_duckdb_path.exists()


def _run_results(env_dir: Path, statuses: list[str], as_of: str = "2026-11-22", which: str = "build") -> None:
    env_dir.mkdir(parents=True, exist_ok=True)
    results = [{"unique_id": f"test.segment_warehouse.t{i}", "status": s} for i, s in enumerate(statuses)]
    (env_dir / "run_results.json").write_text(
        json.dumps({"args": {"which": which, "vars": {"as_of_date": as_of}}, "results": results})
    )


def test_cli_publishes_only_a_build_whose_checks_passed(env: Settings, tmp_path: Path, capsys) -> None:
    build_working_warehouse(env.duckdb_path, DAY1, members=10)
    target = Path(os.environ["DBT_TARGET_PATH"])

    assert main(["publish"]) == 1
    assert "no dbt build recorded" in capsys.readouterr().err
    assert not env.serving_duckdb_path.exists()

    _run_results(target, ["pass", "fail", "success"])
    assert main(["publish"]) == 1
    err = capsys.readouterr().err
    assert "1 failing node(s): test.segment_warehouse.t1" in err and "readers keep the last good day" in err
    assert not env.serving_duckdb_path.exists()

    _run_results(target, ["pass", "success", "warn"])
    assert main(["publish"]) == 0
    assert "published 2026-11-22" in capsys.readouterr().out
    assert read_published_marker(env.serving_duckdb_path)[0] == DAY2

    _run_results(target, ["error"])
    assert main(["publish", "--force", "--as-of", "2026-11-21"]) == 0
    assert read_published_marker(env.serving_duckdb_path)[0] == DAY1


def test_publish_while_this_process_holds_the_warehouse_read_write(env: Settings) -> None:
    build_working_warehouse(env.duckdb_path, DAY1, members=4)
    with duckdb.connect(str(env.duckdb_path)) as run_connection:  # e.g. a resource of the run's process
        report = publish(DAY1, env)
        assert run_connection.execute("select count(*) from segments.seg_vip").fetchone() == (4,)
    assert report.total_rows > 0 and _tables(env.serving_duckdb_path)["segments.seg_vip"] == 4


WRITER = "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('locked', flush=True); time.sleep(60)"


def test_publish_refuses_clearly_while_another_process_writes(env: Settings) -> None:
    build_working_warehouse(env.duckdb_path, DAY1, members=4)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(env.duckdb_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "locked"
        with pytest.raises(UserError, match="cannot read the working warehouse"):
            publish(DAY1, env)
    finally:
        writer.kill()
        writer.wait()
    assert not env.serving_duckdb_path.exists()


def test_cli_reads_the_daily_runs_build_when_it_is_the_newest(env: Settings, capsys) -> None:
    build_working_warehouse(env.duckdb_path, DAY1, members=10)
    target = Path(os.environ["DBT_TARGET_PATH"])
    _run_results(target, ["pass"], as_of="2026-11-20")  # an older hand-run build
    old = time.time() - 3600
    os.utime(target / "run_results.json", (old, old))
    _run_results(target / "dagster_build", ["pass", "fail"], as_of="2026-11-21")  # the daily run's, newer
    assert main(["publish"]) == 1
    assert "1 failing node(s)" in capsys.readouterr().err
    _run_results(target / "dagster_build", ["pass", "pass"], as_of="2026-11-21")
    assert main(["publish"]) == 0
    assert read_published_marker(env.serving_duckdb_path)[0] == DAY1

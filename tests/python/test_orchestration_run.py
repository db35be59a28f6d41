"""The daily job end to end, in-process, on a small generated shop (everything under tmp_path).

- three past dates run one after the other (a backfill), the whole graph materialized each time, and a
  re-run of a date gives the same memberships as its first run;
- a landing file with data the ingest accepts but the landing contract rejects fails the blocking Great
  Expectations check, and nothing downstream runs: no dbt model, no export, no publish;
- a dbt test of severity error that fails shows as a failed (blocking) asset check, and stops the exports.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
from dagster._core.events import DagsterEventType

from orchestration.dbt_project import dbt_project, prepare_manifest
from orchestration.definitions import build_definitions
from orchestration.run_summary import RunSummary, failure_digest
from segment_warehouse.bench.breakdown import DBT_BUILD_RESULTS, read_dbt_times
from segment_warehouse.daily_run import DailyRunOutcome, run_daily
from segment_warehouse.generate import generate_shop
from segment_warehouse.settings import PROJECT_DIR

pytestmark = pytest.mark.slow

END_DATE = dt.date(2026, 11, 22)
ORDER_COLUMNS = (
    "order_id,customer_id,created_at,updated_at,currency,total_price,total_tax,total_discounts,total_refunded,"
    "discount_codes,financial_status,cancelled_at,source_name"
)


@pytest.fixture(scope="module")
def landing_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("landing_template")
    generate_shop(landing, customers=300, seed=11, end_date=END_DATE, fmt="parquet")
    return landing


@pytest.fixture
def shop(tmp_path: Path, landing_template: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh landing copy and warehouse; every path of the run under tmp_path; no external export configured."""
    landing = tmp_path / "landing"
    shutil.copytree(landing_template, landing)
    for path in landing.rglob("*"):  # freshly landed
        path.touch()
    monkeypatch.setenv("SEGMENTS_LANDING_DIR", str(landing))
    monkeypatch.setenv("SEGMENTS_DUCKDB_PATH", str(tmp_path / "warehouse" / "warehouse.duckdb"))
    monkeypatch.setenv("SEGMENTS_EXPORTS_DIR", str(tmp_path / "exports"))
    monkeypatch.setenv("SEGMENTS_SERVING_DUCKDB_PATH", str(tmp_path / "serving" / "serving.duckdb"))
    monkeypatch.setenv("SEGMENTS_SERVING_PARQUET_DIR", str(tmp_path / "serving" / "parquet"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    monkeypatch.setenv("DBT_LOG_PATH", str(tmp_path / "target" / "logs"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    for secret in ("SEGMENTS_WEBHOOK_URL", "SEGMENTS_WEBHOOK_TOKEN", "SEGMENTS_PG_DSN"):
        monkeypatch.delenv(secret, raising=False)
    return tmp_path


def _run(as_of: dt.date, project_dir: Path | None = None, skip_exports: bool = False) -> DailyRunOutcome:
    with dg.instance_for_test() as instance:
        return run_daily(as_of, project_dir=project_dir, instance=instance, quiet=True, skip_exports=skip_exports)


def _memberships(warehouse: Path, as_of: dt.date) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select segment_name, customer_id, cast(attributes as varchar) from marts.segment_memberships "
            "where as_of_date = ? order by all",
            [as_of],
        ).fetchall()


def _check(outcome: DailyRunOutcome, asset: str, name: str):
    found = [c for c in outcome.summary.checks if c.asset == asset and c.check == name]
    assert found, f"no result for check {asset} {name}"
    return found[0]


def test_three_past_dates_backfill_the_whole_graph_and_rerun_identically(shop: Path) -> None:
    dates = [END_DATE - dt.timedelta(days=n) for n in (2, 1, 0)]
    outcomes = [_run(day) for day in dates]
    for day, outcome in zip(dates, outcomes, strict=True):
        assert outcome.success, outcome.text
        materialized = set(outcome.summary.materialized)
        # every model, seed, landing table, the sent file export and the publish step
        assert {"raw/orders", "staging/stg_orders", "marts/customers", "marts/segment_memberships"} <= materialized
        assert "exports/vip_csv" in materialized
        assert "serving/published" in materialized
        assert outcome.summary.materialized["serving/published"]["as_of_date"] == day.isoformat()
        assert not [c for c in outcome.summary.checks if not c.passed and c.blocking], outcome.text
        # the summary prints the size of every segment
        segments = sorted(p.stem for p in (PROJECT_DIR / "models" / "segments").glob("seg_*.sql"))
        for segment in segments:
            assert f"    {segment} " in outcome.text
        assert (shop / "exports" / "vip_csv" / day.isoformat()).is_dir()
    # where the time went: every step of the run, in the order it started, within the run's own time
    steps = [t.step for t in outcomes[2].summary.step_times]
    assert steps[0] == "landing_ingest" and steps[-1] == "serving__published", steps
    assert {"dbt_build", "landing_quality_checks", "output_quality_checks"} <= set(steps)
    assert all(t.status == "success" and t.seconds >= 0 for t in outcomes[2].summary.step_times)
    assert sum(t.seconds for t in outcomes[2].summary.step_times) <= outcomes[2].seconds
    assert "  time by step: landing_ingest " in outcomes[2].text
    # and dbt's own timer, as the benchmark reads it from the build's run_results.json
    dbt = read_dbt_times(shop / "target" / DBT_BUILD_RESULTS)
    assert dbt is not None and dbt.seconds_by_type["model"] > 0 and dbt.seconds_by_type["test"] > 0
    dbt_step = next(t.seconds for t in outcomes[2].summary.step_times if t.step == "dbt_build")
    assert 0 < dbt.elapsed_seconds <= dbt_step  # dbt's timer runs inside the step
    assert [s for _, s in dbt.slowest] == sorted((s for _, s in dbt.slowest), reverse=True)
    # day over day: the later runs know the size of the day before
    vip = outcomes[2].summary.materialized["segments/seg_vip"]
    assert vip["previous_as_of_date"] == dates[1].isoformat()
    assert vip["day_over_day_change"] == vip["segment_size"] - vip["previous_size"]
    # every landing table carries its load audit
    orders = outcomes[0].summary.materialized["raw/orders"]
    assert orders["files_loaded"] >= 1 and orders["rows_read"] == orders["rows_loaded"] + orders["rows_quarantined"]
    assert orders["dagster/row_count"] == orders["rows_loaded"]

    warehouse = shop / "warehouse" / "warehouse.duckdb"
    before = _memberships(warehouse, dates[1])
    assert before, "no segment member at all: the shop is too small to test anything"
    rerun = _run(dates[1], skip_exports=True)
    assert rerun.success, rerun.text
    assert _memberships(warehouse, dates[1]) == before
    assert rerun.summary.materialized["raw/orders"]["files_loaded"] == 0  # already loaded: skipped
    assert not [k for k in [*rerun.summary.materialized, *rerun.summary.observations] if k.startswith("exports/")]
    assert "exports: not run (--skip-exports)" in rerun.text


def test_landing_data_failing_the_contract_blocks_everything_downstream(shop: Path) -> None:
    # accepted by the ingest (it quarantines bad types, domains, negative amounts, not absurd dates), rejected by
    # the landing contract: an order created in 1970, an epoch-zero default leaking from a source system
    (shop / "landing" / "orders" / "late_fix.csv").write_text(
        f"{ORDER_COLUMNS}\nO-EPOCH,C000001,1970-01-01T00:00:00Z,1970-01-01T00:00:00Z,EUR,49.90,8.32,0,0,,paid,,pos\n",
        encoding="utf-8",
    )
    with dg.instance_for_test() as instance:
        outcome = run_daily(END_DATE, instance=instance, quiet=True)
        run = instance.get_run_by_id(outcome.run_id)
        assert run is not None
        digest = failure_digest(run, outcome.summary)  # what the run-failure sensor logs
    assert not outcome.success
    assert digest.startswith(f"run {outcome.run_id[:8]} of daily_warehouse as of {END_DATE} FAILED")
    assert "- step landing_quality_checks:" in digest
    assert "- blocking check failed: raw/orders landing_contract" in digest
    contract = _check(outcome, "raw/orders", "landing_contract")
    assert not contract.passed and contract.blocking and contract.severity == "ERROR"
    assert "created_at" in contract.detail and "(1)" in contract.detail
    assert outcome.summary.materialized["raw/orders"]["rows_quarantined"] == 0  # the ingest let it through
    # nothing downstream ran: no model, no export, no publish
    assert not [k for k in outcome.summary.materialized if not k.startswith("raw/")]
    assert "landing_ingest" in outcome.summary.started_steps
    assert "dbt_build" not in outcome.summary.started_steps
    assert {"marts/customers", "exports/vip_csv", "serving/published"} <= set(outcome.summary.not_materialized)
    assert not (shop / "exports" / "vip_csv").exists()
    assert not (shop / "serving" / "serving.duckdb").exists()
    assert "FAILED raw/orders landing_contract [ERROR, blocking]" in outcome.text
    assert "published: no" in outcome.text


def _project_with_a_failing_dbt_test(tmp_path: Path) -> Path:
    """The repository's dbt project plus one singular test of severity error that the data below fails."""
    project = tmp_path / "dbt_project"
    project.mkdir()
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(PROJECT_DIR / name, project / name)
    for name in ("models", "macros", "seeds", "tests/dbt"):
        shutil.copytree(PROJECT_DIR / name, project / name)
    (project / "tests" / "dbt" / "assert_order_totals_are_plausible.sql").write_text(
        "{{ config(severity='error') }}\n"
        "-- no order of the shop is worth more than 10 000 in its currency: such a total is a unit error\n"
        "select order_id, total_price from {{ ref('stg_orders') }} where total_price > 10000\n",
        encoding="utf-8",
    )
    return project


def test_a_failing_dbt_error_test_is_a_failed_blocking_check_and_stops_exports(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project_with_a_failing_dbt_test(shop)
    monkeypatch.setenv("DBT_TARGET_PATH", str(shop / "target_copy"))
    prepare_manifest(dbt_project(project), force=True)
    (shop / "landing" / "orders" / "big_order.csv").write_text(
        f"{ORDER_COLUMNS}\nO-BIG,C000001,2026-11-20T10:00:00Z,2026-11-20T10:00:00Z,EUR,24990.00,4165.00,0,0,,paid,,web\n",
        encoding="utf-8",
    )
    outcome = _run(END_DATE, project_dir=project)
    assert not outcome.success
    failed = _check(outcome, "staging/stg_orders", "assert_order_totals_are_plausible")
    assert not failed.passed and failed.blocking
    # the landing contract passed (a big amount is a valid amount): dbt ran, and stopped at the test
    assert _check(outcome, "raw/orders", "landing_contract").passed
    assert "staging/stg_customers" in outcome.summary.materialized
    assert "marts/customers" not in outcome.summary.materialized  # downstream of stg_orders: skipped by dbt
    assert not [k for k in outcome.summary.materialized if k.startswith(("exports/", "serving/"))]
    assert not (shop / "exports" / "vip_csv").exists()
    assert any(
        f.step == "dbt_build" and "assert_order_totals_are_plausible" in f.message for f in outcome.summary.failures
    )


def _hold_write_lock(warehouse: Path, release: Path) -> subprocess.Popen:
    """Another process holding the DuckDB file open for writing (a BI tool left open) until ``release`` exists."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, os, sys, time; con = duckdb.connect(sys.argv[1]); print('locked', flush=True)\n"
            "deadline = time.time() + 120\n"
            "while not os.path.exists(sys.argv[2]) and time.time() < deadline: time.sleep(0.2)",
            str(warehouse),
            str(release),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def _release_after_first_retry(instance: dg.DagsterInstance, release: Path, stop: threading.Event) -> None:
    """Create ``release`` once a step of a run of ``instance`` is up for retry (the lock was met)."""
    while not stop.is_set():
        for run in instance.get_runs():
            if instance.all_logs(run.run_id, of_type=DagsterEventType.STEP_UP_FOR_RETRY):
                release.touch()
                return
        time.sleep(0.2)


@pytest.mark.parametrize("released", [True, False], ids=["lock-released-in-time", "lock-held-too-long"])
def test_a_locked_warehouse_is_retried_then_loads_or_fails_clearly(
    shop: Path, monkeypatch: pytest.MonkeyPatch, released: bool
) -> None:
    monkeypatch.setenv("SEGMENTS_RETRY_MAX", "2")
    monkeypatch.setenv("SEGMENTS_RETRY_DELAY_SECONDS", "3")  # retries after 3 s, then 6 s
    prepare_manifest(dbt_project())
    with dg.instance_for_test() as instance:
        defs = build_definitions()
        job = defs.resolve_job_def("daily_warehouse")
        landing = [k for k in defs.resolve_asset_graph().materializable_asset_keys if k.path[0] == "raw"]
        # the first attempt meets the lock; it is released once the step is up for retry (or never)
        release = shop / "release-lock"
        holder = _hold_write_lock(shop / "warehouse" / "warehouse.duckdb", release)
        stop = threading.Event()
        releaser = threading.Thread(target=_release_after_first_retry, args=(instance, release, stop), daemon=True)
        if released:
            releaser.start()
        try:
            result = job.execute_in_process(
                partition_key=END_DATE.isoformat(), instance=instance, asset_selection=landing, raise_on_error=False
            )
        finally:
            stop.set()
            holder.kill()
            holder.wait()
        records = instance.all_logs(result.run_id)
    summary = RunSummary.from_events(r.dagster_event for r in records if r.dagster_event is not None)
    assert "landing_ingest" in summary.retried_steps
    if released:
        assert result.success
        assert {f"raw/{e}" for e in ("customers", "orders", "web_events")} <= set(summary.materialized)
    else:
        assert not result.success
        assert summary.retried_steps.count("landing_ingest") == 2
        (failure,) = [f for f in summary.failures if f.step == "landing_ingest"]
        assert "lock" in failure.message.lower()

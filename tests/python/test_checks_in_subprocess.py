"""The Great Expectations checks run in a child process: the daily job's own process never imports GX.

Importing Great Expectations takes over 200 MiB; held by the job's process, it sat beside the dbt build's
process and counted in the run's peak memory. These tests run the real code paths: the job definitions, the
landing and output suites through their child process, and a whole daily run in a process of its own.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from orchestration.checks.evaluation import (
    CONTRACT_CHECK,
    FORMATS_CHECK,
    evaluate_landing_checks,
    evaluate_output_checks,
    in_subprocess,
)
from orchestration.checks.outcomes import check_metadata
from segment_warehouse.child_process import SubprocessFailed
from segment_warehouse.contract import create_raw_tables
from segment_warehouse.settings import PROJECT_DIR, Settings

END_DATE = dt.date(2026, 11, 22)


def _settings(path: Path) -> Settings:
    return replace(Settings.from_env(), duckdb_path=path)


def _python(code: str, env: dict[str, str] | None = None, timeout: int = 120) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _environment(tmp_path: Path) -> dict[str, str]:
    """This process's environment with every path of the project under tmp_path."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEGMENTS_", "DAGSTER_", "DBT_"))}
    env.update(
        SEGMENTS_LANDING_DIR=str(tmp_path / "landing"),
        SEGMENTS_DUCKDB_PATH=str(tmp_path / "warehouse" / "warehouse.duckdb"),
        SEGMENTS_EXPORTS_DIR=str(tmp_path / "exports"),
        DBT_TARGET_PATH=str(tmp_path / "target"),
        DBT_LOG_PATH=str(tmp_path / "target" / "logs"),
    )
    return env


def test_loading_the_job_definitions_does_not_import_great_expectations(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from orchestration.dbt_project import dbt_project, prepare_manifest\n"
        "from orchestration.definitions import build_definitions\n"
        "prepare_manifest(dbt_project(), force=True)\n"
        "job = build_definitions().resolve_job_def('daily_warehouse')\n"
        "print(len(job.asset_layer.asset_graph.asset_check_keys) > 0, 'great_expectations' in sys.modules)"
    )
    assert _python(code, _environment(tmp_path)).strip().splitlines()[-1] == "True False"


def _warehouse_with_orders(path: Path) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("set TimeZone = 'UTC'")
        create_raw_tables(con)
        rows = [("O1", "2026-11-01 10:00:00", "49.90", 1), ("O-NEG", "2026-11-02 10:00:00", "-5.00", 2)]
        for order_id, created_at, total, row in rows:
            con.execute(
                "insert into raw.orders values (?, 'C1', ?, ?, 'EUR', ?, 1.00, 0, 0, null, 'paid', null, 'web', "
                "'orders/a.csv', ?, '2026-11-22 03:00:00')",
                [order_id, created_at, created_at, total, row],
            )
        con.execute(
            "insert into raw.customers (customer_id, email, country_code, created_at, updated_at, _source_file, "
            "_source_row, _loaded_at) values ('C1', 'not-an-email', 'FR', '2026-01-01', '2026-01-01', 'c.csv', 1, "
            "'2026-11-22 03:00:00')"
        )


def test_landing_checks_in_the_child_find_what_the_suites_find_in_process(tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    _warehouse_with_orders(path)
    settings = _settings(path)
    selected = [("customers", CONTRACT_CHECK), ("customers", FORMATS_CHECK), ("orders", CONTRACT_CHECK)]

    in_child = in_subprocess(evaluate_landing_checks, settings, selected, 1000)

    assert [(o.entity, o.check_name) for o in in_child] == selected
    by_check = {(o.entity, o.check_name): o.outcome for o in in_child}
    assert by_check[("customers", CONTRACT_CHECK)].passed
    formats = by_check[("customers", FORMATS_CHECK)]
    assert [(f.column, f.examples) for f in formats.failed] == [("email", ["not-an-email"])]
    orders = by_check[("orders", CONTRACT_CHECK)]
    assert [(f.column, f.unexpected_count, f.examples) for f in orders.failed] == [("total_price", 1, [-5.0])]
    assert check_metadata(orders)["validated_rows"] == 2 and orders.frame is not None
    assert not orders.frame.sampled
    # the same outcomes as evaluating in this process (the child only moves where it runs)
    assert in_child == evaluate_landing_checks(settings, selected, 1000)


def test_an_error_in_the_checks_child_is_raised_with_its_message(tmp_path: Path) -> None:
    settings = _settings(tmp_path / "missing.duckdb")
    with pytest.raises(SubprocessFailed, match=r"missing\.duckdb does not exist"):
        in_subprocess(evaluate_landing_checks, settings, [("orders", CONTRACT_CHECK)], 1000)
    with pytest.raises(SubprocessFailed, match=r"missing\.duckdb does not exist"):
        in_subprocess(evaluate_output_checks, settings, END_DATE, True, ["seg_vip"], 1000, 0.5, 100)


@pytest.mark.slow
def test_a_daily_run_passes_its_checks_without_importing_great_expectations(tmp_path: Path) -> None:
    """A whole `segments run` in a process of its own: checks evaluated, GX never in that process."""
    code = f"""
import datetime as dt, json, sys
import dagster as dg
from segment_warehouse.generate import generate_shop
from segment_warehouse.daily_run import run_daily
generate_shop({str(tmp_path / "landing")!r}, customers=60, seed=5, end_date=dt.date(2026, 11, 22), fmt="parquet")
with dg.instance_for_test() as instance:
    outcome = run_daily(dt.date(2026, 11, 22), instance=instance, quiet=True, skip_exports=True)
checks = [[c.asset, c.check, c.passed] for c in outcome.summary.checks]
print(json.dumps({{"success": outcome.success, "gx": "great_expectations" in sys.modules, "checks": checks}}))
"""
    result = json.loads(_python(code, _environment(tmp_path), timeout=900).strip().splitlines()[-1])
    assert result["success"] is True
    assert result["gx"] is False
    checks = {(asset, check): passed for asset, check, passed in result["checks"]}
    assert checks[("raw/orders", "landing_contract")] is True
    assert checks[("raw/customers", "landing_formats")] is not None
    assert checks[("marts/customers", "customers_domains")] is True
    assert any(check == "segment_size_change" for _, check in checks)

"""The quality checks on small hand-made tables: what each suite flags, what the results carry, what breaks."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import dagster as dg
import duckdb
import great_expectations.expectations as gxe
import pytest

from orchestration.checks.evaluation import segment_sizes_outcome
from orchestration.checks.freshness import freshness_result
from orchestration.checks.gx_suites import (
    Suite,
    customers_suite,
    expected_raw_columns,
    landing_contract_suite,
    landing_formats_suite,
    landing_schema_suite,
)
from orchestration.checks.gx_validation import read_frame, read_suite_frame, run_suite, schema_frame
from orchestration.checks.outcomes import broken_check_failure, check_metadata
from orchestration.checks.outputs import _segment_size_results
from orchestration.environment import OrchestrationSettings
from orchestration.retries import is_transient
from orchestration.table_metrics import segment_size
from segment_warehouse.contract import create_raw_tables

LOADED_AT = "2026-11-22 03:00:00"


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(str(tmp_path / "wh.duckdb"))
    connection.execute("set TimeZone = 'UTC'")
    create_raw_tables(connection)
    yield connection
    connection.close()


def _order(con: duckdb.DuckDBPyConnection, order_id: str, created_at: str, total: str, row: int) -> None:
    con.execute(
        "insert into raw.orders values (?, 'C1', ?, ?, 'EUR', ?, 1.00, 0, 0, null, 'paid', null, 'web', "
        "'orders/a.csv', ?, ?)",
        [order_id, created_at, created_at, total, row, LOADED_AT],
    )


def _contract(entity: str, con: duckdb.DuckDBPyConnection):
    suite = landing_contract_suite(entity)
    return run_suite(suite, read_suite_frame(con, "raw", entity, suite, 1000))


def _failures(outcome) -> dict[tuple[str | None, str], int | None]:
    return {(f.column, f.expectation): f.unexpected_count for f in outcome.failed}


def test_landing_contract_passes_clean_rows(con: duckdb.DuckDBPyConnection) -> None:
    _order(con, "O1", "2026-11-01 10:00:00", "49.90", 1)
    _order(con, "O2", "2026-11-02 10:00:00", "0.00", 2)
    outcome = _contract("orders", con)
    assert outcome.passed, outcome.failed
    assert len(outcome.outcomes) > 15  # required values, domains, ranges
    catalog = run_suite(
        landing_schema_suite("orders"), schema_frame(con, "raw", "orders", expected_raw_columns("orders"))
    )
    assert catalog.passed, catalog.failed


def test_landing_contract_flags_absurd_timestamps_and_negative_amounts(con: duckdb.DuckDBPyConnection) -> None:
    _order(con, "O1", "2026-11-01 10:00:00", "49.90", 1)
    _order(con, "O-EPOCH", "1970-01-01 00:00:00", "12.00", 2)
    _order(con, "O-NEG", "2026-11-02 10:00:00", "-5.00", 3)  # the ingest quarantines these; raw could still hold one
    outcome = _contract("orders", con)
    assert not outcome.passed
    failures = _failures(outcome)
    assert failures[("created_at", "expect_column_values_to_be_between")] == 1
    assert failures[("updated_at", "expect_column_values_to_be_between")] == 1
    assert failures[("total_price", "expect_column_values_to_be_between")] == 1
    assert len(failures) == 3
    metadata = check_metadata(outcome)
    assert metadata["unexpected_values"] == 3
    assert metadata["validated_rows"] == metadata["table_rows"] == 3
    assert metadata["sampled"] is False
    detail = {(d["column"], d["expectation"]): d for d in metadata["failures_detail"].value}
    assert detail[("total_price", "expect_column_values_to_be_between")]["examples"] == [-5.0]
    assert "1970-01-01" in str(detail[("created_at", "expect_column_values_to_be_between")]["examples"])
    assert "total_price" in metadata["failures"].value


def test_landing_schema_flags_a_new_column_and_a_changed_type(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("alter table raw.products add column color varchar")
    con.execute("alter table raw.products alter column price type double")
    outcome = run_suite(
        landing_schema_suite("products"), schema_frame(con, "raw", "products", expected_raw_columns("products"))
    )
    assert [f.expectation for f in outcome.failed] == ["expect_column_pair_values_to_be_equal"] * 2
    names, types = outcome.failed
    assert names.unexpected_count == 1 and "color" in str(names.examples)  # a column beyond the contract
    assert types.unexpected_count == 2  # price is DOUBLE instead of DECIMAL(18,2); color has no expected type
    assert "DOUBLE" in str(types.examples) and "DECIMAL(18,2)" in str(types.examples)


def test_landing_formats_flag_malformed_emails_phones_and_countries(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        ("C1", "ann@example.com", "+33 6 12 34 56 78", "FR"),
        ("C2", "not-an-email", "+33612345678", "BE"),
        ("C3", "bob@example.fr", "call me", "XX"),
        ("C4", None, None, None),  # missing values are not malformed
    ]
    for n, (customer_id, email, phone, country) in enumerate(rows, start=1):
        con.execute(
            "insert into raw.customers (customer_id, email, phone, country_code, created_at, updated_at, "
            "_source_file, _source_row, _loaded_at) values (?, ?, ?, ?, '2026-01-01', '2026-01-01', 'c.csv', ?, ?)",
            [customer_id, email, phone, country, n, LOADED_AT],
        )
    suite = landing_formats_suite("customers")
    assert suite is not None
    outcome = run_suite(suite, read_frame(con, "raw", "customers", None, 1000))
    assert _failures(outcome) == {
        ("email", "expect_column_values_to_match_regex"): 1,
        ("phone", "expect_column_values_to_match_regex"): 1,
        ("country_code", "expect_column_values_to_be_in_set"): 1,
    }
    assert landing_formats_suite("order_lines") is None


def test_big_tables_are_validated_on_their_newest_rows(con: duckdb.DuckDBPyConnection) -> None:
    for n in range(10):
        con.execute(
            "insert into raw.products values (?, 't', 'Sérum', 'Visage', 10.00, 'p.csv', ?, ?)",
            [f"P{n}", n + 1, f"2026-11-{10 + n:02d} 00:00:00"],
        )
    frame = read_frame(con, "raw", "products", None, 3, ("_loaded_at", "_source_file", "_source_row"))
    assert frame.sampled and frame.validated_rows == 3 and frame.table_rows == 10
    assert sorted(frame.data["product_id"]) == ["P7", "P8", "P9"]
    metadata = check_metadata(run_suite(landing_contract_suite("products"), frame))
    assert metadata["sample"].startswith("newest 3 rows")


def test_an_expectation_that_raises_is_a_broken_check_not_bad_data(con: duckdb.DuckDBPyConnection) -> None:
    _order(con, "O1", "2026-11-01 10:00:00", "49.90", 1)
    broken = Suite(  # a numeric bound on a text column: GX raises while evaluating it
        "broken",
        ("order_id",),
        (gxe.ExpectColumnValuesToBeBetween(column="order_id", min_value=0),),
    )
    outcome = run_suite(broken, read_frame(con, "raw", "orders", None, 1000))
    assert outcome.broken and not outcome.failed
    failure = broken_check_failure([("orders.broken", outcome)])
    assert isinstance(failure, dg.Failure)
    assert "broken check, not bad data" in failure.description
    assert "order_id" in failure.description


def test_customers_suite_flags_domains_and_missing_metrics(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema marts")
    con.execute(
        "create table marts.customers as select * from (values "
        "('C1', 'loyal', 'none', 'female', 3::bigint, 120.50::decimal(38,8), true), "
        "('C2', 'sleeping', 'none', 'male', -1::bigint, 0::decimal(38,8), null)"
        ") t(customer_id, lifecycle_stage, engagement_tier, gender, orders_count, total_spent_eur, email_consent)"
    )
    outcome = run_suite(customers_suite(), read_frame(con, "marts", "customers", None, 1000))
    failures = _failures(outcome)
    assert failures[("lifecycle_stage", "expect_column_values_to_be_in_set")] == 1
    assert failures[("orders_count", "expect_column_values_to_be_between")] == 1
    assert failures[("email_consent", "expect_column_values_to_not_be_null")] == 1
    assert (None, "expect_table_columns_to_match_set") in failures  # most §6 metrics are missing
    assert ("age", "expect_column_values_to_be_between") in failures  # not evaluated: the column is missing
    assert not outcome.broken


def _segment(con: duckdb.DuckDBPyConnection, name: str, size: int, previous: int | None) -> None:
    con.execute(f"create table segments.seg_{name} as select 'C' || range as customer_id from range({size})")
    if previous is not None:
        con.execute(
            "insert into marts.segment_memberships select date '2026-11-21', ?, 'C' || range, '{}' from range(?)",
            [name, previous],
        )


def test_segment_size_change_fails_beyond_the_ratio(con: duckdb.DuckDBPyConnection, monkeypatch) -> None:
    con.execute("create schema segments")
    con.execute("create schema marts")
    con.execute(
        "create table marts.segment_memberships (as_of_date date, segment_name varchar, customer_id varchar, "
        "attributes json)"
    )
    _segment(con, "tripled", 300, 100)
    _segment(con, "steady", 110, 100)
    _segment(con, "tiny", 40, 10)  # +300 %, but too small to judge
    _segment(con, "new", 25, None)  # no history
    _segment(con, "emptied", 0, 200)
    as_of = dt.date(2026, 11, 22)
    sizes = [segment_size(con, f"seg_{n}", as_of) for n in ("tripled", "steady", "tiny", "new", "emptied")]
    assert sizes[0] is not None and sizes[0].previous_size == 100 and sizes[0].change_ratio == 2.0
    monkeypatch.delenv("SEGMENTS_MAX_SEGMENT_CHANGE_RATIO", raising=False)
    settings = OrchestrationSettings.from_env()
    outcome = segment_sizes_outcome(sizes, settings.max_segment_change_ratio, settings.segment_change_min_size)
    results = {
        r.asset_key.path[-1]: r for r in _segment_size_results(sizes, outcome, settings, dg.AssetCheckSeverity.WARN)
    }
    assert {name: r.passed for name, r in results.items()} == {
        "seg_tripled": False,
        "seg_steady": True,
        "seg_tiny": True,
        "seg_new": True,
        "seg_emptied": False,
    }
    tripled = results["seg_tripled"].metadata
    assert tripled["segment_size"].value == 300 and tripled["previous_size"].value == 100
    assert tripled["change_ratio"].value == 2.0
    assert "too small" in results["seg_tiny"].metadata["note"].value
    assert results["seg_tripled"].severity == dg.AssetCheckSeverity.WARN


def test_freshness_fails_for_a_stale_or_missing_feed(tmp_path: Path) -> None:
    now = dt.datetime(2026, 11, 23, 5, 0, tzinfo=dt.UTC)
    (tmp_path / "orders").mkdir()
    fresh = tmp_path / "orders" / "drop_2026-11-22.parquet"
    fresh.write_bytes(b"")
    os.utime(fresh, (now.timestamp() - 3600, now.timestamp() - 3600))
    (tmp_path / "products").mkdir()
    stale = tmp_path / "products" / "full.csv"
    stale.write_text("product_id\n", encoding="utf-8")
    os.utime(stale, (now.timestamp() - 40 * 3600, now.timestamp() - 40 * 3600))

    orders = freshness_result(tmp_path, "orders", 36, now)
    assert orders.passed and orders.metadata["age_hours"].value == 1.0
    products = freshness_result(tmp_path, "products", 36, now)
    assert not products.passed and "no new file for 40.0 h" in products.metadata["reason"].value
    missing = freshness_result(tmp_path, "campaigns", 36, now)
    assert not missing.passed and missing.metadata["reason"].value == "no landing file at all"
    assert missing.severity == dg.AssetCheckSeverity.WARN


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (duckdb.IOException('Could not set lock on file "wh.duckdb": Conflicting lock is held'), True),
        (ConnectionResetError("reset by peer"), True),
        (TimeoutError(), True),
        (ValueError("as-of date 'x' is not a date"), False),
        (duckdb.ConversionException("Could not convert string 'abc' to INT32"), False),
    ],
)
def test_only_transient_failures_are_retried(error: BaseException, transient: bool) -> None:
    assert is_transient(error) is transient

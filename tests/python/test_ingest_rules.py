"""DESIGN §5 typing rules, one case per rule: what is quarantined (and why), what loads (and as what)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest
from ingest_support import VALID_ROWS, ingest, loaded, quarantined, row, write_rows

from segment_warehouse.contract import ENTITIES, FX_RATES_TO_EUR

# (entity, column, landing value, fragment of the reason)
QUARANTINE_CASES = [
    ("orders", "currency", "JPY", "currency: 'JPY' is not in fx_rates"),
    ("orders", "currency", "EURO", "currency: 'EURO' is not in fx_rates"),
    ("orders", "financial_status", "shipped", "financial_status: 'shipped' is not one of pending, paid"),
    ("orders", "total_price", "-0.01", "total_price: '-0.01' is negative"),
    ("orders", "total_refunded", "-5", "total_refunded: '-5.00' is negative"),
    ("orders", "total_price", "59.999", "total_price: '59.999' has more than 2 decimals"),
    ("orders", "total_price", "12,50", "total_price: '12,50' is not a decimal number"),
    ("orders", "total_tax", "1e3", "total_tax: '1e3' is not a decimal number"),
    ("orders", "total_price", "", "total_price: required value missing"),
    ("orders", "order_id", "   ", "order_id: required value missing"),
    ("orders", "created_at", "yesterday", "created_at: 'yesterday' is not an ISO-8601 timestamp"),
    ("orders", "created_at", "2026-02-30", "created_at: '2026-02-30' is not an ISO-8601 timestamp"),
    ("orders", "cancelled_at", "epoch", "cancelled_at: 'epoch' is not an ISO-8601 timestamp"),
    ("orders", "updated_at", "01/03/2026", "updated_at: '01/03/2026' is not an ISO-8601 timestamp"),
    ("order_lines", "quantity", "1.5", "quantity: '1.5' is not a whole number"),
    ("order_lines", "quantity", "0", "quantity: '0' is less than 1"),
    ("order_lines", "quantity", "-2", "quantity: '-2' is less than 1"),
    ("order_lines", "quantity", "two", "quantity: 'two' is not a number"),
    ("order_lines", "quantity", "99999999999", "quantity: '99999999999' is out of range for integer"),
    ("order_lines", "unit_price", "-1.00", "unit_price: '-1.00' is negative"),
    ("products", "product_type", "", "product_type: required value missing"),
    ("products", "price", "abc", "price: 'abc' is not a decimal number"),
    ("customers", "country_code", "FRA", "country_code: 'FRA' is not two letters"),
    ("customers", "country_code", "F1", "country_code: 'F1' is not two letters"),
    ("customers", "gender", "unknown", "gender: 'unknown' is not one of female, male, other"),
    ("customers", "email_opt_in", "maybe", "email_opt_in: 'maybe' is not a boolean"),
    ("customers", "sms_opt_in", "y", "sms_opt_in: 'y' is not a boolean"),
    ("customers", "latitude", "90.5", "latitude: '90.5' is outside [-90, 90]"),
    ("customers", "longitude", "-180.01", "longitude: '-180.01' is outside [-180, 180]"),
    ("customers", "latitude", "north", "latitude: 'north' is not a number"),
    ("customers", "longitude", "nan", "longitude: 'nan' is outside [-180, 180]"),
    ("customers", "birth_date", "1899-12-31", "birth_date: '1899-12-31' is before 1900-01-01"),
    ("customers", "birth_date", "2025-01-11", "birth_date: '2025-01-11' is after created_at"),
    ("customers", "birth_date", "17/05/1990", "birth_date: '17/05/1990' is not a YYYY-MM-DD date"),
    ("customers", "custom_attributes", "[1, 2]", "custom_attributes: '[1, 2]' is not a JSON object"),
    ("customers", "custom_attributes", '"vip"', "custom_attributes: '\"vip\"' is not a JSON object"),
    ("customers", "custom_attributes", "{skin: dry}", "custom_attributes: '{skin: dry}' is not valid JSON"),
    ("customers", "created_at", "", "created_at: required value missing"),
    ("messages", "channel", "fax", "channel: 'fax' is not one of whatsapp, email, sms"),
    ("messages", "direction", "sideways", "direction: 'sideways' is not one of inbound, outbound"),
    ("message_events", "event_type", "opened_twice", "event_type: 'opened_twice' is not one of delivered"),
    ("list_memberships", "list_name", "", "list_name: required value missing"),
    ("list_memberships", "unsubscribed_at", "never", "unsubscribed_at: 'never' is not an ISO-8601 timestamp"),
    ("web_events", "event_type", "scroll", "event_type: 'scroll' is not one of page_view"),
    ("web_events", "anonymous_id", "", "anonymous_id: required value missing"),
    ("campaigns", "channel", "push", "channel: 'push' is not one of whatsapp, email, sms"),
    ("campaigns", "kind", "blast", "kind: 'blast' is not one of newsletter"),
]


@pytest.fixture(scope="module")
def quarantine_cases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """One landing file per case (a good row, the bad row, a good row), all ingested in one run."""
    root = tmp_path_factory.mktemp("quarantine_cases")
    landing = root / "landing"
    for i, (entity, column, value, _) in enumerate(QUARANTINE_CASES):
        write_rows(landing, entity, f"case_{i:02d}.csv", [row(entity), row(entity, **{column: value}), row(entity)])
    report, con = ingest(landing, root / "wh.duckdb")
    assert report.ok
    yield con
    con.close()


@pytest.mark.parametrize(
    ("case", "entity", "column", "value", "reason"), [(i, *c) for i, c in enumerate(QUARANTINE_CASES)]
)
def test_bad_value_is_quarantined_with_its_reason_row_and_record(
    quarantine_cases: duckdb.DuckDBPyConnection, case: int, entity: str, column: str, value: str, reason: str
) -> None:
    con = quarantine_cases
    source_file = f"{entity}/case_{case:02d}.csv"
    audit = con.execute(
        "select rows_read, rows_loaded, rows_quarantined from raw.load_audit where source_file = ?", [source_file]
    ).fetchall()
    assert audit == [(3, 2, 1)]
    [(source_row, got_reason, record)] = con.execute(
        "select source_row, reason, record from raw.quarantine where source_file = ?", [source_file]
    ).fetchall()
    assert source_row == 2
    assert reason in got_reason
    assert json.loads(record) == row(entity, **{column: value})  # the original record, every value as received
    loaded_rows = con.execute(f"select _source_row from raw.{entity} where _source_file = ? order by 1", [source_file])
    assert loaded_rows.fetchall() == [(1,), (3,)]


# (case id, entity, landing values, columns read back, their expected typed values)
LOAD_CASES: list[tuple[str, str, dict[str, str], str, tuple[Any, ...]]] = [
    *[
        (f"boolean {v!r}", "customers", {"email_opt_in": v}, "email_opt_in", (expected,))
        for v, expected in [
            *[("TRUE", True), ("Yes", True), ("t", True), ("1", True), (" True ", True)],
            *[("0", False), ("F", False), ("no", False), ("FALSE", False), ("", None)],
        ]
    ],
    *[
        (f"timestamp {v!r}", "orders", {"created_at": v}, "created_at", (expected,))
        for v, expected in [
            ("2026-03-01T23:30:00-02:00", dt.datetime(2026, 3, 2, 1, 30)),  # offset converted to UTC
            ("2026-03-01T10:00:00+05:30", dt.datetime(2026, 3, 1, 4, 30)),
            ("2026-03-01T10:00:00Z", dt.datetime(2026, 3, 1, 10, 0)),
            ("2026-03-01 10:00:00", dt.datetime(2026, 3, 1, 10, 0)),  # no offset: UTC
            ("2026-03-01T10:00:00.123456", dt.datetime(2026, 3, 1, 10, 0, 0, 123456)),
            ("2026-03-01", dt.datetime(2026, 3, 1, 0, 0)),  # a date alone: midnight UTC
            ("2026-03-01T10:00Z", dt.datetime(2026, 3, 1, 10, 0)),  # minutes only
            ("2026-03-01T10:00+01:00", dt.datetime(2026, 3, 1, 9, 0)),
            ("2026-03-01T10:00:00+0200", dt.datetime(2026, 3, 1, 8, 0)),
            (" 2026-03-01T00:00:00+00:00 ", dt.datetime(2026, 3, 1, 0, 0)),
        ]
    ],
    *[
        (f"amount {v!r}", "orders", {"total_price": v}, "total_price", (Decimal(expected),))
        for v, expected in [
            *[("59.9", "59.90"), ("59.900", "59.90"), ("0", "0.00"), (" 12.5 ", "12.50"), (".5", "0.50")],
            *[("100.", "100.00"), ("1234567890123456.99", "1234567890123456.99")],
        ]
    ],
    *[
        (f"quantity {v!r}", "order_lines", {"quantity": v}, "quantity", (expected,))
        for v, expected in [("2", 2), ("2.0", 2), (" 3 ", 3), ("+4", 4), ("1", 1)]
    ],
    (
        "enum and currency trimmed and cased",
        "orders",
        {"financial_status": " PARTIALLY_Refunded ", "currency": " usd"},
        "financial_status, currency",
        ("partially_refunded", "USD"),
    ),
    (
        "country and gender",
        "customers",
        {"country_code": " fr ", "gender": "Male"},
        "country_code, gender",
        ("FR", "male"),
    ),
    (
        "text kept as received, blank optional values null",
        "customers",
        {"first_name": "  Zoé ", "email": "   ", "tags": ""},
        "first_name, email, tags, deleted_at",
        ("  Zoé ", None, None, None),
    ),
    (
        "range boundaries, birth date on the day of creation",
        "customers",
        {"latitude": "-90", "longitude": "180", "birth_date": "2025-01-10"},  # created_at is 2025-01-10 09:00
        "latitude, longitude, birth_date",
        (-90.0, 180.0, dt.date(2025, 1, 10)),
    ),
    ("birth date 1900-01-01", "customers", {"birth_date": "1900-01-01"}, "birth_date", (dt.date(1900, 1, 1),)),
    (
        "custom attributes object",
        "customers",
        {"custom_attributes": '{"skin": "dry", "points": 12, "tags": ["a"]}'},
        "custom_attributes::varchar",
        ('{"skin": "dry", "points": 12, "tags": ["a"]}',),
    ),
]


@pytest.fixture(scope="module")
def load_cases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[duckdb.DuckDBPyConnection]:
    """One single-row landing file per case, all ingested in one run."""
    root = tmp_path_factory.mktemp("load_cases")
    landing = root / "landing"
    for i, (_, entity, values, _, _) in enumerate(LOAD_CASES):
        write_rows(landing, entity, f"case_{i:02d}.csv", [row(entity, **values)])
    report, con = ingest(landing, root / "wh.duckdb")
    assert report.ok
    yield con
    con.close()


@pytest.mark.parametrize(
    ("case", "entity", "columns", "expected"),
    [pytest.param(i, c[1], c[3], c[4], id=c[0]) for i, c in enumerate(LOAD_CASES)],
)
def test_value_loads_typed(
    load_cases: duckdb.DuckDBPyConnection, case: int, entity: str, columns: str, expected: tuple[Any, ...]
) -> None:
    source_file = f"{entity}/case_{case:02d}.csv"
    assert load_cases.execute(
        "select count(*) from raw.quarantine where source_file = ?", [source_file]
    ).fetchone() == (0,)
    [got] = load_cases.execute(f"select {columns} from raw.{entity} where _source_file = ?", [source_file]).fetchall()
    assert got == expected
    for value, wanted in zip(got, expected, strict=True):
        if isinstance(wanted, Decimal):  # exact: 59.9 must land as 59.90, not 59.9 or 60
            assert isinstance(value, Decimal)
            assert str(value) == str(wanted)


def test_every_fx_rates_currency_loads(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    rows = [row("orders", order_id=f"o{i}", currency=c) for i, c in enumerate(FX_RATES_TO_EUR)]
    write_rows(landing, "orders", "drop.csv", rows)
    _, con = ingest(landing, tmp_path / "wh.duckdb", ["orders"])
    try:
        assert [r[0] for r in loaded(con, "orders", "currency")] == list(FX_RATES_TO_EUR)
    finally:
        con.close()


def test_a_row_with_several_problems_names_each(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_rows(landing, "orders", "drop.csv", [row("orders", currency="JPY", total_price="-3", financial_status="x")])
    _, con = ingest(landing, tmp_path / "wh.duckdb", ["orders"])
    try:
        [(_, reason, _)] = quarantined(con, "orders")
        assert reason.startswith("currency: 'JPY' is not in fx_rates")  # the first problem first
        assert "total_price: '-3.00' is negative" in reason
        assert "financial_status: 'x' is not one of" in reason
    finally:
        con.close()


def test_raw_tables_follow_the_contract_exactly(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    _, con = ingest(landing, tmp_path / "wh.duckdb")
    try:
        for name, entity in ENTITIES.items():
            described = con.execute(f"describe raw.{name}").fetchall()
            expected = [(c.name, c.duckdb_type.upper()) for c in entity.columns]
            expected += [("_source_file", "VARCHAR"), ("_source_row", "BIGINT"), ("_loaded_at", "TIMESTAMP")]
            assert [(d[0], d[1]) for d in described] == expected
        for name in VALID_ROWS:
            assert loaded(con, name) == []
    finally:
        con.close()

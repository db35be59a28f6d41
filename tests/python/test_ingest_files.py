"""Files and loads: Parquet, missing columns, reconciliation, skipping, idempotency, atomicity, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from ingest_support import ingest, loaded, quarantined, row, table_snapshot, write_file, write_parquet, write_rows

from segment_warehouse.cli import main
from segment_warehouse.ingest import IngestError, ReconciliationError, ingest_all, ingest_entity, loader, parquet_source
from segment_warehouse.warehouse import connect

TYPED_ORDERS = """
    select 'o' || i as order_id, 'c' || (i % 3) as customer_id,
           timestamptz '2026-03-01 23:30:00-02:00' + to_hours(i) as created_at,
           timestamp '2026-03-02 10:00:00' as updated_at,
           'EUR' as currency, cast(59.9 + i as decimal(10, 2)) as total_price,
           cast(null as decimal(10, 2)) as total_tax, 0 as total_discounts, cast(1.5 as double) as total_refunded,
           'paid' as financial_status, date '2026-03-05' as cancelled_at
    from range(5) t(i)
"""


def test_parquet_with_contract_types_takes_the_fast_path(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_parquet(landing, "orders", "typed.parquet", TYPED_ORDERS)
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["orders"])
    try:
        assert report.ok
        assert quarantined(con, "orders") == []
        rows = loaded(con, "orders", "order_id, created_at, updated_at, total_price, total_refunded, cancelled_at")
        assert rows[0] == (
            "o0",
            dt.datetime(2026, 3, 2, 1, 30),  # TIMESTAMPTZ converted to UTC
            dt.datetime(2026, 3, 2, 10, 0),  # TIMESTAMP: already UTC
            Decimal("59.90"),
            Decimal("1.50"),  # a double amount, rounded to the cent
            dt.datetime(2026, 3, 5, 0, 0),  # DATE: midnight UTC
        )
        assert [r[0] for r in loaded(con, "orders", "_source_row")] == [1, 2, 3, 4, 5]
    finally:
        con.close()


def test_parquet_column_of_the_wrong_type_is_typed_row_by_row(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_parquet(
        landing,
        "order_lines",
        "strings.parquet",
        """select * from (values
            ('o1', 1, 'p1', 2.0, '29.9'),
            ('o1', 2, 'p2', 1.5, '10'),
            ('o1', 3, 'p3', 3.0, 'ten'),
            ('o1', 4, 'p4', 1.0, '-1')
        ) t(order_id, line_id, product_id, quantity, unit_price)""",
    )
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["order_lines"])
    try:
        result = report.entity("order_lines")
        assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (4, 1, 3)
        assert loaded(con, "order_lines", "line_id, quantity, unit_price, _source_row") == [
            ("1", 2, Decimal("29.90"), 1)
        ]
        assert quarantined(con, "order_lines") == [
            (
                2,
                "quantity: '1.5' is not a whole number",
                {"order_id": "o1", "line_id": 2, "product_id": "p2", "quantity": 1.5, "unit_price": "10"},
            ),
            (
                3,
                "unit_price: 'ten' is not a decimal number",
                {"order_id": "o1", "line_id": 3, "product_id": "p3", "quantity": 3.0, "unit_price": "ten"},
            ),
            (
                4,
                "unit_price: '-1.00' is negative",
                {"order_id": "o1", "line_id": 4, "product_id": "p4", "quantity": 1.0, "unit_price": "-1"},
            ),
        ]
    finally:
        con.close()


def test_parquet_string_timestamps_struct_attributes_and_integer_booleans(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_parquet(
        landing,
        "customers",
        "c.parquet",
        """select 'c' || i as customer_id, {'skin': 'dry', 'points': i} as custom_attributes,
                  i as email_opt_in, ['2026-03-01T23:30:00-02:00', '2026-03-01', 'soon'][i + 1] as created_at,
                  timestamptz '2026-03-03 00:00:00+00' as updated_at
           from range(3) t(i)""",
    )
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["customers"])
    try:
        assert report.entity("customers").rows_quarantined == 1
        rows = loaded(con, "customers", "customer_id, custom_attributes::varchar, email_opt_in, created_at, updated_at")
        assert [(r[0], json.loads(r[1]), *r[2:]) for r in rows] == [
            ("c0", {"skin": "dry", "points": 0}, False, dt.datetime(2026, 3, 2, 1, 30), dt.datetime(2026, 3, 3)),
            ("c1", {"skin": "dry", "points": 1}, True, dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 3)),
        ]
        [(source_row, reason, record)] = quarantined(con, "customers")
        assert source_row == 3
        assert reason == (
            "email_opt_in: '2' is not a boolean (true/false, t/f, yes/no, 1/0); "
            "created_at: 'soon' is not an ISO-8601 timestamp"
        )
        assert record["custom_attributes"] == {"skin": "dry", "points": 2}
    finally:
        con.close()


def test_missing_required_column_fails_the_entity_naming_file_and_column(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    good = row("orders")
    write_rows(landing, "orders", "2026-03-01.csv", [good])
    without_currency = [c for c in good if c != "currency"]
    write_rows(landing, "orders", "2026-03-02.csv", [good], header=without_currency)
    write_parquet(landing, "orders", "2026-03-03.parquet", "select 'o9' as order_id, 'c1' as customer_id")
    write_rows(landing, "products", "p.csv", [row("products")])
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["orders", "products"])
    try:
        orders = report.entity("orders")
        assert not orders.ok
        assert orders.error is not None
        assert "orders/2026-03-02.csv: required column 'currency' missing" in orders.error
        assert "orders/2026-03-03.parquet: required column 'created_at', 'updated_at', 'currency'" in orders.error
        assert loaded(con, "orders") == []  # nothing of the entity: not even its good file
        assert con.execute("select count(*) from raw.load_audit where entity = 'orders'").fetchone() == (0,)
        assert report.entity("products").rows_loaded == 1  # the other entities still load
        with pytest.raises(IngestError, match=re.escape("orders/2026-03-02.csv: required column 'currency' missing")):
            report.raise_if_failed()
    finally:
        con.close()


def test_reconciliation_read_equals_loaded_plus_quarantined_per_file(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_rows(landing, "orders", "a.csv", [row("orders"), row("orders", currency="JPY"), row("orders", order_id="")])
    header = list(row("orders"))
    write_file(landing, "orders", "b.csv", ",".join(header) + "\no2,c1\n")  # a record with too few fields
    write_parquet(landing, "orders", "c.parquet", TYPED_ORDERS)
    write_rows(
        landing, "web_events", "w.csv", [row("web_events", event_type=t) for t in ("page_view", "x", "add_to_cart")]
    )
    report, con = ingest(landing, tmp_path / "wh.duckdb")
    try:
        assert report.ok
        audit = con.execute(
            "select a.source_file, a.rows_read, a.rows_loaded, a.rows_quarantined, "
            "(select count(*) from raw.orders o where o._source_file = a.source_file) "
            "+ (select count(*) from raw.web_events w where w._source_file = a.source_file), "
            "(select count(*) from raw.quarantine q where q.source_file = a.source_file) "
            "from raw.load_audit a order by 1"
        ).fetchall()
        assert audit == [
            ("orders/a.csv", 3, 1, 2, 1, 2),
            ("orders/b.csv", 1, 0, 1, 0, 1),
            ("orders/c.parquet", 5, 5, 0, 5, 0),
            ("web_events/w.csv", 3, 2, 1, 2, 1),
        ]
        for _, read, loaded_rows, quarantined_rows, in_raw, in_quarantine in audit:
            assert read == loaded_rows + quarantined_rows
            assert (loaded_rows, quarantined_rows) == (in_raw, in_quarantine)
        for entity in report.entities:
            assert entity.rows_read == entity.rows_loaded + entity.rows_quarantined
    finally:
        con.close()


def test_reingest_is_idempotent_and_only_new_files_load(tmp_path: Path) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    write_rows(landing, "orders", "day1.csv", [row("orders"), row("orders", currency="JPY")])
    write_parquet(
        landing,
        "web_events",
        "day1.parquet",
        "select 'e1' as event_id, timestamp '2026-03-01' as occurred_at, 'a1' as anonymous_id, "
        "'page_view' as event_type",
    )
    first, con = ingest(landing, warehouse)
    try:
        assert first.entity("orders").rows_read == 2
        before = table_snapshot(con)
        second = ingest_all(landing, con=con, progress=None)
        assert second.ok
        assert all(e.files_loaded == [] for e in second.entities)
        assert second.entity("orders").files_skipped == ["orders/day1.csv"]
        assert second.entity("web_events").files_skipped == ["web_events/day1.parquet"]
        assert table_snapshot(con) == before

        write_rows(landing, "orders", "day2.csv", [row("orders", order_id="o2")])
        third = ingest_all(landing, con=con, progress=None)
        assert [f.source_file for f in third.entity("orders").files_loaded] == ["orders/day2.csv"]
        assert third.entity("orders").files_skipped == ["orders/day1.csv"]
        assert [r[0] for r in loaded(con, "orders", "order_id", order="order_id")] == ["o1", "o2"]
    finally:
        con.close()


def test_changed_file_under_the_same_name_is_loaded_as_a_new_file(tmp_path: Path) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    write_rows(landing, "products", "catalogue.csv", [row("products", price="10")])
    _, con = ingest(landing, warehouse)
    try:
        write_rows(landing, "products", "catalogue.csv", [row("products", price="12")])
        report = ingest_all(landing, con=con, progress=None)
        assert [f.source_file for f in report.entity("products").files_loaded] == ["products/catalogue.csv"]
        # both versions stay in raw (staging keeps the latest): nothing is deleted
        assert loaded(con, "products", "price::varchar", order="_loaded_at") == [("10.00",), ("12.00",)]
        audit = con.execute("select source_file, count(distinct file_sha256) from raw.load_audit group by 1").fetchall()
        assert audit == [("products/catalogue.csv", 2)]
    finally:
        con.close()


def test_a_failed_file_load_leaves_nothing_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    landing = tmp_path / "landing"
    write_rows(landing, "orders", "a.csv", [row("orders"), row("orders", currency="JPY")])
    real_insert_count = loader._insert_count

    def crash_on_quarantine(con, sql: str, params: list[object]) -> int:  # type: ignore[no-untyped-def]
        if "raw.quarantine" in sql:
            raise KeyboardInterrupt("killed between the raw insert and the quarantine insert")
        return real_insert_count(con, sql, params)

    monkeypatch.setattr(loader, "_insert_count", crash_on_quarantine)
    con = connect(tmp_path / "wh.duckdb")
    try:
        with pytest.raises(KeyboardInterrupt):
            ingest_all(landing, con=con, entities=["orders"], progress=None)
        assert loaded(con, "orders") == []
        assert con.execute("select count(*) from raw.load_audit").fetchone() == (0,)
        monkeypatch.setattr(loader, "_insert_count", real_insert_count)
        report = ingest_all(landing, con=con, entities=["orders"], progress=None)  # the next run loads it whole
        assert (report.entity("orders").rows_loaded, report.entity("orders").rows_quarantined) == (1, 1)
    finally:
        con.close()


def test_a_count_mismatch_is_a_bug_that_stops_the_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    landing = tmp_path / "landing"
    write_parquet(landing, "orders", "typed.parquet", TYPED_ORDERS)
    monkeypatch.setattr(parquet_source, "row_count", lambda con, file: 6)  # pretend the file had one more row
    con = connect(tmp_path / "wh.duckdb")
    try:
        with pytest.raises(ReconciliationError, match=re.escape("orders/typed.parquet: 6 rows read but 5 loaded")):
            ingest_all(landing, con=con, entities=["orders"], progress=None)
        assert loaded(con, "orders") == []
    finally:
        con.close()


def test_hidden_and_other_files_are_ignored_and_subfolders_are_read(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_rows(landing, "campaigns", "2026/03/drop.CSV", [row("campaigns")])
    write_rows(landing, "campaigns", ".drop.csv.part", [row("campaigns", campaign_id="tmp")])
    write_rows(landing, "campaigns", ".hidden.csv", [row("campaigns", campaign_id="hidden")])
    write_file(landing, "campaigns", "README.txt", "not data")
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["campaigns"])
    try:
        assert [f.source_file for f in report.entity("campaigns").files_loaded] == ["campaigns/2026/03/drop.CSV"]
        assert loaded(con, "campaigns", "campaign_id") == [("k1",)]
    finally:
        con.close()


def test_cli_ingest(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    landing, warehouse = tmp_path / "landing", tmp_path / "cli.duckdb"
    write_rows(landing, "orders", "a.csv", [row("orders"), row("orders", total_price="-1")])
    write_rows(landing, "products", "p.csv", [row("products")])
    monkeypatch.setenv("SEGMENTS_DUCKDB_PATH", str(warehouse))
    monkeypatch.setenv("SEGMENTS_LANDING_DIR", str(landing))

    assert main(["ingest", "--entity", "orders"]) == 0
    out = capsys.readouterr().out
    assert "orders: orders/a.csv: 2 read, 1 loaded, 1 quarantined" in out
    assert "products" not in out

    assert main(["ingest"]) == 0
    out = capsys.readouterr().out
    assert "orders: 1 file(s) already loaded, skipped" in out
    assert "products: products/p.csv: 1 read, 1 loaded, 0 quarantined" in out
    summary = [line.split() for line in out.splitlines() if line.startswith(("orders ", "products ", "total "))]
    assert ["orders", "0", "1", "0", "0", "0", "ok"] in summary
    assert ["products", "1", "0", "1", "1", "0", "ok"] in summary

    assert main(["ingest", "--entity", "refunds"]) == 1
    assert "unknown entity refunds" in capsys.readouterr().err
    assert main(["ingest", "--landing-dir", str(tmp_path / "nowhere")]) == 1
    assert "landing directory" in capsys.readouterr().err


def test_ingest_all_creates_every_raw_table_even_without_files(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    landing.mkdir()
    report, con = ingest(landing, tmp_path / "wh.duckdb")
    try:
        assert report.ok
        tables = {
            r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'raw'").fetchall()
        }
        assert tables == {*(e.entity for e in report.entities), "quarantine", "load_audit", "repeated_keys"}
    finally:
        con.close()


def test_a_column_given_twice_fails_the_entity(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_file(landing, "campaigns", "c.csv", "campaign_id,channel,kind,Channel\nk1,sms,other,email\n")
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["campaigns"])
    try:
        error = report.entity("campaigns").error
        assert error is not None
        assert "campaigns/c.csv: column 'channel' appears twice (as 'channel' and 'Channel')" in error
        assert loaded(con, "campaigns") == []
    finally:
        con.close()


def test_ingest_entity_refuses_an_unknown_entity(tmp_path: Path) -> None:
    con = connect(tmp_path / "wh.duckdb")
    try:
        with pytest.raises(IngestError, match="unknown entity refunds"):
            ingest_entity(con, "refunds", tmp_path)
    finally:
        con.close()

"""CSV landing files as upstream tools really write them: BOM, CRLF, quoting, ragged records, encodings."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest_support import csv_text, ingest, loaded, quarantined, row, write_file, write_rows

from segment_warehouse.cli import main
from segment_warehouse.ingest import csv_source

LONG_TEXT = "é" * 600_000 + "x" * 400_000  # 1.6 MB of UTF-8 in one field


def test_bom_crlf_quoting_unicode_and_long_fields_load_exactly(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    rows = [
        row("products", product_id="p1", title='Crème, "extra" riche', collection="Visage"),
        row("products", product_id="p2", title="Deux\r\nlignes\nde titre", collection="Corps"),
        row("products", product_id="p3", title="Sérum 🌸✨ 精华", product_type="Sérum"),
        row("products", product_id="p4", title=LONG_TEXT, price="12.5"),
    ]
    write_file(landing, "products", "shopify.csv", "\ufeff" + csv_text(rows, newline="\r\n"))
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["products"])
    try:
        assert report.ok
        assert quarantined(con, "products") == []
        got = loaded(con, "products", "product_id, title, product_type, collection, price::varchar, _source_row")
        assert got == [
            ("p1", 'Crème, "extra" riche', "Sérum", "Visage", "29.95", 1),
            ("p2", "Deux\r\nlignes\nde titre", "Sérum", "Corps", "29.95", 2),
            ("p3", "Sérum 🌸✨ 精华", "Sérum", "Visage", "29.95", 3),
            ("p4", LONG_TEXT, "Sérum", "Visage", "12.50", 4),
        ]
    finally:
        con.close()


def test_ragged_records_are_quarantined_on_their_own_with_their_row_numbers(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    content = (
        "message_id,event_type,occurred_at\n"
        "m1,read,2026-03-01T10:00:00Z\n"  # row 1
        'm2,"clicked",2026-03-01T10:00:00Z\n'  # row 2
        "m3,read,2026-03-01T10:00:00Z,surplus\n"  # row 3: one field too many
        "m4,read\n"  # row 4: one too few
        'm5,"opened",2026-03-01T10:00:00Z\n'  # row 5
        "m6,read,2026-03-01T10:00:00Z,\n"  # row 6: one too many, even empty
        "m7,read,2026-03-01T10:00:00Z,x,y,z\n"  # row 7: three too many
        "m8\n"  # row 8: two too few
        "m9,read,2026-03-01T10:00:00Z\n"  # row 9
    )
    write_file(landing, "message_events", "webhooks.csv", content)
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["message_events"])
    try:
        result = report.entity("message_events")
        assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (9, 4, 5)
        assert loaded(con, "message_events", "message_id, _source_row") == [("m1", 1), ("m2", 2), ("m5", 5), ("m9", 9)]
        assert quarantined(con, "message_events") == [
            (
                3,
                "malformed CSV record: too many fields (the header has 3)",
                {
                    "message_id": "m3",
                    "event_type": "read",
                    "occurred_at": "2026-03-01T10:00:00Z",
                    "_extra_field": "surplus",
                },
            ),
            (
                4,
                "malformed CSV record: too few fields (2, the header has 3)",
                {"message_id": "m4", "event_type": "read", "occurred_at": None},
            ),
            (
                6,
                "malformed CSV record: too many fields (the header has 3)",
                {"message_id": "m6", "event_type": "read", "occurred_at": "2026-03-01T10:00:00Z", "_extra_field": ""},
            ),
            (
                7,
                "malformed CSV record: too many fields (the header has 3)",
                # the record keeps the header's fields and the first surplus one
                {"message_id": "m7", "event_type": "read", "occurred_at": "2026-03-01T10:00:00Z", "_extra_field": "x"},
            ),
            (
                8,
                "malformed CSV record: too few fields (1, the header has 3)",
                {"message_id": "m8", "event_type": None, "occurred_at": None},
            ),
        ]
    finally:
        con.close()


def test_row_numbers_stay_right_around_multiline_records_blank_lines_and_rejects(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # records longer than the limit are DuckDB rejects, numbered from its rejects table (which counts blank lines)
    monkeypatch.setattr(csv_source, "MAX_RECORD_BYTES", 4096)
    too_long = "/" + "x" * 5000
    content = (
        "event_id,occurred_at,anonymous_id,event_type,page_path\r\n"
        '1,2026-03-01,a,page_view,"/a\r\nsecond line"\r\n'  # row 1 spans two lines
        "2,2026-03-01,a,page_view\r\n"  # row 2: too few fields
        "\r\n"  # a blank line: skipped, not a data row
        "3,2026-03-01,a,scroll,/c\r\n"  # row 3: bad enum
        f"4,2026-03-01,a,page_view,{too_long}\r\n"  # row 4: over the record size limit
        "\n"  # another blank line, LF only
        "5,2026-03-01,a,page_view,/e\r\n"  # row 5
        "6,2026-03-01,a,page_view,/f,,,\r\n"  # row 6: too many fields
        f"7,2026-03-01,a,page_view,{too_long}\r\n"  # row 7: over the limit
        "8,2026-03-01,a,page_view,/h\r\n"  # row 8
    )
    landing = tmp_path / "landing"
    write_file(landing, "web_events", "tracker.csv", content)
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["web_events"])
    try:
        result = report.entity("web_events")
        assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (8, 3, 5)
        assert loaded(con, "web_events", "event_id, page_path, _source_row") == [
            ("1", "/a\r\nsecond line", 1),
            ("5", "/e", 5),
            ("8", "/h", 8),
        ]
        bad = quarantined(con, "web_events")
        assert [(r, reason.split(" (")[0]) for r, reason, _ in bad] == [
            (2, "malformed CSV record: too few fields"),
            (3, "event_type: 'scroll' is not one of page_view, product_view, add_to_cart, begin_checkout"),
            (4, "malformed CSV record: line size over maximum"),
            (6, "malformed CSV record: too many fields"),
            (7, "malformed CSV record: line size over maximum"),
        ]
        assert bad[2][2] == {"_csv_line": f"4,2026-03-01,a,page_view,{too_long}"}
    finally:
        con.close()


def test_row_numbers_match_file_order_in_a_large_parallel_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_source, "MAX_RECORD_BYTES", 8192)
    landing = tmp_path / "landing"
    lines = ["event_id,occurred_at,anonymous_id,event_type"]
    ragged = {1_234, 40_000, 79_999}  # one field too many: typed and quarantined
    too_long = {20_000, 41_000, 60_001}  # over the record size limit: DuckDB rejects
    for i in range(1, 80_001):
        extra = ",oops" if i in ragged else ""
        anonymous_id = "a" * 9000 if i in too_long else f"a{i % 97}"
        lines.append(f"{i},2026-03-01T00:00:00Z,{anonymous_id},page_view{extra}")
    write_file(landing, "web_events", "big.csv", "\n".join(lines) + "\n")
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["web_events"])
    try:
        assert report.entity("web_events").rows_loaded == 80_000 - len(ragged) - len(too_long)
        mismatched = con.execute("select count(*) from raw.web_events where event_id::bigint <> _source_row").fetchone()
        assert mismatched == (0,)
        assert [r for r, _, _ in quarantined(con, "web_events")] == sorted(ragged | too_long)
    finally:
        con.close()


def test_unterminated_quote_is_quarantined(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    content = 'campaign_id,name,channel,kind\nk1,Spring,email,newsletter\nk2,"Summer,sms,promotion\nk3,x,sms,other\n'
    write_file(landing, "campaigns", "c.csv", content)
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["campaigns"])
    try:
        result = report.entity("campaigns")
        # the open quote runs to the end of the file: one record, with too few fields
        assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (2, 1, 1)
        [(source_row, reason, record)] = quarantined(con, "campaigns")
        assert source_row == 2
        assert reason == "malformed CSV record: too few fields (2, the header has 4)"
        assert record["name"].startswith("Summer,sms,promotion\nk3,x,sms,other")
    finally:
        con.close()


def test_non_utf8_file_is_refused_naming_it_and_other_entities_still_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    write_rows(landing, "customers", "a_good.csv", [row("customers", customer_id="c0")])
    write_file(landing, "customers", "b_latin1.csv", csv_text([row("customers")]), encoding="latin-1")
    write_rows(landing, "orders", "orders.csv", [row("orders")])
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["customers", "orders"])
    try:
        customers = report.entity("customers")
        assert not customers.ok
        assert customers.error is not None
        assert "customers/b_latin1.csv is not a UTF-8 file" in customers.error
        assert "0xe9" in customers.error  # the é of Zoé
        assert loaded(con, "customers") == []  # nothing of the entity, not even its good file
        assert report.entity("orders").rows_loaded == 1
        assert not report.ok
    finally:
        con.close()

    # the command line loads what it can, names the file, and exits non-zero
    monkeypatch.setenv("SEGMENTS_DUCKDB_PATH", str(tmp_path / "cli.duckdb"))
    assert main(["ingest", "--landing-dir", str(landing)]) == 1
    captured = capsys.readouterr()
    assert "error: customers: customers/b_latin1.csv is not a UTF-8 file" in captured.err
    assert "FAILED" in captured.out


def test_empty_header_only_and_bom_only_files_are_empty_loads(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_file(landing, "orders", "a_zero_bytes.csv", b"")
    write_file(landing, "orders", "b_header_only.csv", "order_id,customer_id,created_at,updated_at\r\n")
    write_file(landing, "orders", "c_header_no_newline.csv", "\ufefforder_id,customer_id")
    write_file(landing, "orders", "d_bom_only.csv", "\ufeff")
    write_file(landing, "orders", "e_zero_bytes.parquet", b"")
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["orders"])
    try:
        assert report.ok
        audit = con.execute(
            "select source_file, rows_read, rows_loaded, rows_quarantined from raw.load_audit order by 1"
        ).fetchall()
        assert audit == [
            ("orders/a_zero_bytes.csv", 0, 0, 0),
            ("orders/b_header_only.csv", 0, 0, 0),
            ("orders/c_header_no_newline.csv", 0, 0, 0),
            ("orders/d_bom_only.csv", 0, 0, 0),
            ("orders/e_zero_bytes.parquet", 0, 0, 0),
        ]
        assert loaded(con, "orders") == []
    finally:
        con.close()


def test_header_names_match_case_insensitively_and_extra_columns_are_ignored(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    header = ["Campaign_ID", " NAME ", "channel", "kind", "utm_source", "launched_at"]
    values = {"Campaign_ID": "k9", " NAME ": "Soldes", "channel": "SMS", "kind": "promotion", "utm_source": "x"}
    write_file(landing, "campaigns", "c.csv", csv_text([values], header=header))
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["campaigns"])
    try:
        assert report.ok
        assert loaded(con, "campaigns", "campaign_id, name, channel, kind, launched_at") == [
            ("k9", "Soldes", "sms", "promotion", None)
        ]
    finally:
        con.close()


def test_missing_optional_column_loads_as_null(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    values = row("orders")
    header = [c for c in values if c not in ("total_tax", "cancelled_at", "source_name")]
    write_file(landing, "orders", "o.csv", csv_text([values], header=header))
    report, con = ingest(landing, tmp_path / "wh.duckdb", ["orders"])
    try:
        assert report.ok
        assert loaded(con, "orders", "order_id, total_tax, cancelled_at, source_name") == [("o1", None, None, None)]
    finally:
        con.close()


def test_exact_duplicate_rows_are_kept_in_raw(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_rows(landing, "message_events", "retries.csv", [row("message_events")] * 3)
    _, con = ingest(landing, tmp_path / "wh.duckdb", ["message_events"])
    try:
        assert [r[0] for r in loaded(con, "message_events", "_source_row")] == [1, 2, 3]
    finally:
        con.close()

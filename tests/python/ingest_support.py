"""Small landing directories and warehouses for the ingest tests (real CSV and Parquet files on disk).

Every helper writes under the test's tmp_path; nothing here uses the generator.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import duckdb

from segment_warehouse.contract import ENTITIES
from segment_warehouse.ingest import IngestReport, ingest_all
from segment_warehouse.warehouse import connect

#: one valid landing row per entity, as CSV text values
VALID_ROWS: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": "c1",
        "email": "zoe@example.com",
        "phone": "+33600000001",
        "first_name": "Zoé",
        "last_name": "Durand",
        "gender": "female",
        "birth_date": "1990-05-17",
        "city": "Lyon",
        "postal_code": "69001",
        "country_code": "FR",
        "latitude": "45.76",
        "longitude": "4.84",
        "email_opt_in": "true",
        "sms_opt_in": "false",
        "whatsapp_opt_in": "true",
        "tags": "vip,newsletter",
        "custom_attributes": '{"skin": "dry"}',
        "created_at": "2025-01-10T09:00:00Z",
        "updated_at": "2025-01-10T09:00:00Z",
        "deleted_at": "",
    },
    "orders": {
        "order_id": "o1",
        "customer_id": "c1",
        "created_at": "2026-03-01T10:00:00Z",
        "updated_at": "2026-03-01T10:00:00Z",
        "currency": "EUR",
        "total_price": "59.90",
        "total_tax": "9.98",
        "total_discounts": "0",
        "total_refunded": "",
        "discount_codes": "",
        "financial_status": "paid",
        "cancelled_at": "",
        "source_name": "web",
    },
    "order_lines": {"order_id": "o1", "line_id": "1", "product_id": "p1", "quantity": "2", "unit_price": "29.95"},
    "products": {
        "product_id": "p1",
        "title": "Sérum éclat",
        "product_type": "Sérum",
        "collection": "Visage",
        "price": "29.95",
    },
    "messages": {
        "message_id": "m1",
        "customer_id": "c1",
        "channel": "whatsapp",
        "direction": "outbound",
        "campaign_id": "k1",
        "sent_at": "2026-03-01T10:00:00Z",
    },
    "message_events": {"message_id": "m1", "event_type": "read", "occurred_at": "2026-03-01T10:05:00Z"},
    "list_memberships": {
        "list_id": "l1",
        "list_name": "VIP",
        "customer_id": "c1",
        "subscribed_at": "2026-01-01T00:00:00Z",
        "unsubscribed_at": "",
    },
    "web_events": {
        "event_id": "e1",
        "occurred_at": "2026-03-01T10:00:00Z",
        "anonymous_id": "a1",
        "customer_id": "",
        "session_id": "s1",
        "event_type": "page_view",
        "product_id": "",
        "page_path": "/",
    },
    "campaigns": {
        "campaign_id": "k1",
        "name": "Spring",
        "channel": "email",
        "kind": "newsletter",
        "launched_at": "2026-02-01",
    },
}


def row(entity: str, **values: str) -> dict[str, str]:
    """A valid row of `entity` with some values replaced."""
    unknown = set(values) - set(VALID_ROWS[entity]) - {"extra"}
    assert not unknown, f"not columns of {entity}: {unknown}"
    return {**VALID_ROWS[entity], **values}


def csv_text(rows: list[dict[str, str]], header: list[str] | None = None, newline: str = "\n") -> str:
    columns = header or list(rows[0])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=newline)
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r.get(c, "") for c in columns])
    return buffer.getvalue()


def write_file(landing: Path, entity: str, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    """Write a landing file byte for byte (no newline translation)."""
    folder = landing / entity
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def write_rows(landing: Path, entity: str, name: str, rows: list[dict[str, str]], **kwargs: Any) -> Path:
    return write_file(landing, entity, name, csv_text(rows, **kwargs))


def write_parquet(landing: Path, entity: str, name: str, select_sql: str) -> Path:
    """A Parquet landing file holding the result of `select_sql` (DuckDB SQL, types as written)."""
    folder = landing / entity
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"copy ({select_sql}) to '{path}' (format parquet)")
    con.close()
    return path


def ingest(
    landing: Path, warehouse: Path, entities: list[str] | None = None
) -> tuple[IngestReport, duckdb.DuckDBPyConnection]:
    """Run ingest_all into the warehouse file; returns the report and an open connection (caller closes)."""
    con = connect(warehouse)
    report = ingest_all(landing, con=con, entities=entities, progress=None)
    return report, con


def loaded(con: duckdb.DuckDBPyConnection, entity: str, columns: str = "*", order: str = "_source_row") -> list[tuple]:
    return con.execute(f"select {columns} from raw.{entity} order by {order}").fetchall()


def quarantined(con: duckdb.DuckDBPyConnection, entity: str) -> list[tuple[int, str, dict[str, Any]]]:
    """(source_row, reason, record as a dict) of the quarantined rows of `entity`, by row."""
    rows = con.execute(
        "select source_row, reason, record from raw.quarantine where entity = ? order by source_file, source_row",
        [entity],
    ).fetchall()
    return [(int(r), str(reason), json.loads(record)) for r, reason, record in rows]


def table_snapshot(con: duckdb.DuckDBPyConnection) -> dict[str, list[tuple]]:
    """Every raw table's full content, sorted (to compare before/after a re-run)."""
    names = [*ENTITIES, "quarantine", "load_audit"]
    return {n: sorted(con.execute(f"select * from raw.{n}").fetchall(), key=repr) for n in names}

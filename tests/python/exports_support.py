"""A tiny warehouse and export declarations for the export tests (no dbt build needed).

`TinyShop` writes `marts.customers` (with the consent and contact columns the exports read) and three
segment tables into a DuckDB file under the test's tmp_path, and changes them as days go by: consent
withdrawn, customers erased (gone from marts.customers, as the dbt models do), members leaving.
"""

from __future__ import annotations

import datetime as dt
import socket
from pathlib import Path
from typing import Any

import duckdb
import yaml

from segment_warehouse.exports.declarations import ExportDeclaration, parse_declaration

CUSTOMERS_DDL = """
create table marts.customers (
    customer_id varchar primary key,
    email varchar,
    phone varchar,
    first_name varchar,
    last_name varchar,
    country_code varchar,
    email_consent boolean not null,
    sms_consent boolean not null,
    whatsapp_consent boolean not null,
    orders_count integer not null,
    total_spent_eur decimal(18, 2) not null,
    last_order_at timestamp
)
"""


def customer_id(n: int) -> str:
    return f"c{n:06d}"


class TinyShop:
    """`n` customers c000000…; every customer is in every segment; consent everywhere except every 10th
    customer (no WhatsApp consent) and every 7th (no e-mail consent)."""

    def __init__(self, path: Path, n: int = 300) -> None:
        self.path = path
        with duckdb.connect(str(path)) as con:
            con.execute("create schema if not exists marts")
            con.execute("create schema if not exists segments")
            con.execute(CUSTOMERS_DDL)
            con.execute(
                """
                insert into marts.customers
                select
                    'c' || lpad(cast(i as varchar), 6, '0'),
                    'user' || i || '@example.com',
                    '+3247' || lpad(cast(i as varchar), 7, '0'),
                    'First' || i,
                    'Last' || i,
                    'BE',
                    i % 7 <> 3,
                    true,
                    i % 10 <> 5,
                    1 + i % 4,
                    cast(100 + i * 1.25 as decimal(18, 2)),
                    timestamp '2025-01-01 08:00:00' + to_hours(i)
                from range(?) as t(i)
                """,
                [n],
            )
            con.execute("create table segments.seg_winback as select customer_id, last_order_at from marts.customers")
            con.execute(
                "create table segments.seg_vip as "
                "select customer_id, orders_count, total_spent_eur from marts.customers"
            )
            con.execute("create table segments.seg_newsletter_subscribers as select customer_id from marts.customers")

    def execute(self, sql: str, params: list[Any] | None = None) -> list[tuple]:
        with duckdb.connect(str(self.path)) as con:
            con.execute("set TimeZone = 'UTC'")
            return con.execute(sql, params or []).fetchall()

    def consented(self, segment: str, channel: str) -> set[str]:
        consent = "" if channel == "none" else f"and c.{channel}_consent"
        rows = self.execute(
            f"select s.customer_id from segments.seg_{segment} s join marts.customers c using (customer_id) "
            f"where true {consent}"
        )
        return {r[0] for r in rows}

    def erase(self, *ids: str) -> None:
        """As the dbt build does for an erased customer: gone from marts.customers and every segment."""
        for table in ("marts.customers", *(f"segments.seg_{s}" for s in ("winback", "vip", "newsletter_subscribers"))):
            self.execute(f"delete from {table} where list_contains(?, customer_id)", [list(ids)])

    def withdraw_consent(self, channel: str, *ids: str) -> None:
        self.execute(
            f"update marts.customers set {channel}_consent = false where list_contains(?, customer_id)", [list(ids)]
        )

    def leave(self, segment: str, *ids: str) -> None:
        self.execute(f"delete from segments.seg_{segment} where list_contains(?, customer_id)", [list(ids)])

    def empty(self, segment: str) -> None:
        self.execute(f"delete from segments.seg_{segment}")

    def state_ids(self, export: str) -> set[str]:
        """Customers the destination acknowledged (checking that each appears once in the state)."""
        rows = self.execute("select customer_id from exports.destination_state where export = ?", [export])
        ids = [r[0] for r in rows]
        assert len(ids) == len(set(ids)), "exports.destination_state holds a customer twice"
        return set(ids)

    def audit(self, export: str) -> list[dict]:
        with duckdb.connect(str(self.path)) as con:
            cursor = con.execute("select * from exports.sync_audit where export = ? order by started_at", [export])
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def webhook_declaration(
    name: str = "winback_whatsapp",
    *,
    segment: str = "winback",
    channel: str = "whatsapp",
    batch_size: int = 50,
    timeout: float = 1.0,
    max_attempts: int = 6,
    max_in_flight: int = 4,
    rate_limit: dict | None = None,
    max_change_ratio: float = 0.5,
) -> dict:
    return {
        "name": name,
        "segment": segment,
        "channel": channel,
        "destination": {
            "type": "webhook",
            "url_env": "SEGMENTS_WEBHOOK_URL",
            "token_env": "SEGMENTS_WEBHOOK_TOKEN",
            "timeout_seconds": timeout,
            "max_attempts": max_attempts,
            "backoff_initial_seconds": 0.05,
            "backoff_max_seconds": 0.2,
            "max_retry_after_seconds": 2,
            "max_in_flight": max_in_flight,
        },
        "fields": {
            "phone": "customers.phone",
            "first_name": "customers.first_name",
            "last_order_at": "segment.last_order_at",
        },
        "batch_size": batch_size,
        **({"rate_limit": rate_limit} if rate_limit else {}),
        "max_change_ratio": max_change_ratio,
    }


def file_declaration(name: str = "vip_csv", fmt: str = "csv", max_change_ratio: float = 0.5) -> dict:
    return {
        "name": name,
        "segment": "vip",
        "channel": "none",
        "destination": {"type": "file", "format": fmt},
        "fields": {
            "email": "customers.email",
            "orders_count": "segment.orders_count",
            "total_spent_eur": "segment.total_spent_eur",
        },
        "max_change_ratio": max_change_ratio,
    }


def postgres_declaration(schema: str, name: str = "newsletter_postgres", max_change_ratio: float = 0.5) -> dict:
    return {
        "name": name,
        "segment": "newsletter_subscribers",
        "channel": "email",
        "destination": {"type": "postgres", "dsn_env": "SEGMENTS_PG_DSN", "schema": schema, "table": "newsletter"},
        "fields": {
            "email": "customers.email",
            "first_name": "customers.first_name",
            "spent": "customers.total_spent_eur",
        },
        "max_change_ratio": max_change_ratio,
    }


def write_declarations(path: Path, *entries: dict) -> Path:
    path.write_text(yaml.safe_dump({"version": 1, "exports": list(entries)}, sort_keys=False), encoding="utf-8")
    return path


def declaration(entry: dict) -> ExportDeclaration:
    return parse_declaration(entry)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


AS_OF = dt.date(2026, 3, 1)
NEXT_DAY = dt.date(2026, 3, 2)

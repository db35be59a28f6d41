"""PostgreSQL destination (DESIGN §7): a table kept equal to the consented membership, one transaction per sync.

The table `<schema>.<table>` has `customer_id` (primary key), the mapped fields typed after their
warehouse types, and `exported_as_of`, `exported_at`, `export_sync_id` saying which sync wrote each
row. A sync applies its removes (DELETE by key) and adds (COPY into a temporary table, then INSERT …
ON CONFLICT DO UPDATE) in one transaction, then checks the table's key set against the membership and,
if the table drifted (rows edited by hand, state lost), reconciles it fully in the same transaction.
Every statement is idempotent, so a crash between the PostgreSQL commit and the warehouse
acknowledgement is harmless: the re-run applies the same diff again.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from dataclasses import dataclass

import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
from psycopg import sql
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential, wait_random

from segment_warehouse.exports.declarations import ExportDeclaration, PostgresDestination
from segment_warehouse.exports.diff import Diff
from segment_warehouse.exports.membership import Membership
from segment_warehouse.exports.payloads import json_value

META_COLUMNS = (("exported_as_of", "date"), ("exported_at", "timestamptz"), ("export_sync_id", "text"))
CONNECT_TIMEOUT_SECONDS = 10
MAX_ATTEMPTS = 3
COPY_CHUNK_BYTES = 1 << 20


class PostgresDestinationError(RuntimeError):
    """The destination table cannot be written as declared (schema mismatch, permissions, …)."""


@dataclass(frozen=True)
class PostgresResult:
    attempts: int
    #: True when the table had drifted from the acknowledged state and was rebuilt to the membership
    reconciled: bool
    rows_after: int


def postgres_type(arrow_type: pa.DataType) -> str:
    """The PostgreSQL column type for a warehouse (Arrow) type; JSON for anything composite."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return "text"
    if pa.types.is_boolean(arrow_type):
        return "boolean"
    if pa.types.is_integer(arrow_type):
        return "bigint"
    if pa.types.is_floating(arrow_type):
        return "double precision"
    if pa.types.is_decimal(arrow_type):
        return f"numeric({arrow_type.precision}, {arrow_type.scale})"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_timestamp(arrow_type):
        return "timestamptz" if arrow_type.tz else "timestamp"
    if pa.types.is_time(arrow_type):
        return "time"
    return "jsonb"


def apply_postgres(
    dsn: str,
    declaration: ExportDeclaration,
    as_of_date: dt.date,
    membership: Membership,
    diff: Diff,
    *,
    sync_id: str,
) -> PostgresResult:
    """Apply the diff to the destination table in one transaction (retried whole on connection errors)."""
    destination = declaration.destination
    assert isinstance(destination, PostgresDestination)
    attempts = 0
    for attempt in Retrying(
        stop=stop_after_attempt(MAX_ATTEMPTS),
        wait=wait_exponential(multiplier=0.5, max=5) + wait_random(0, 0.5),
        retry=retry_if_exception_type(psycopg.OperationalError),
        reraise=True,
    ):
        with attempt:
            attempts += 1
            reconciled, rows_after = _apply_once(dsn, destination, as_of_date, membership, diff, sync_id)
    return PostgresResult(attempts=attempts, reconciled=reconciled, rows_after=rows_after)


def _apply_once(
    dsn: str,
    destination: PostgresDestination,
    as_of_date: dt.date,
    membership: Membership,
    diff: Diff,
    sync_id: str,
) -> tuple[bool, int]:
    schema = membership.typed.schema
    columns = [(name, postgres_type(schema.field(name).type)) for name in schema.names]
    target = sql.Identifier(destination.schema, destination.table)
    exported_at = dt.datetime.now(dt.UTC)
    with (
        psycopg.connect(dsn, connect_timeout=CONNECT_TIMEOUT_SECONDS, autocommit=False) as conn,
        conn.transaction(),
        conn.cursor() as cur,
    ):
        # one sync at a time per table, whoever runs it
        cur.execute("select pg_advisory_xact_lock(hashtext(%s))", (f"{destination.schema}.{destination.table}",))
        _ensure_table(cur, destination, columns)
        if diff.removes:
            _delete_keys(cur, target, [r.customer_id for r in diff.removes])
        meta = (as_of_date, exported_at, sync_id)
        if diff.adds:
            _upsert(cur, target, columns, _rows_to_copy(membership.only([m.customer_id for m in diff.adds]), meta))
        reconciled = False
        if _key_fingerprint(cur, target) != _fingerprint(membership.customer_ids()):
            # the table drifted from what we acknowledged: make it equal to the membership
            reconciled = True
            _delete_all_but(cur, target, membership.customer_ids())
            _upsert(cur, target, columns, _rows_to_copy(membership, meta))
        cur.execute(sql.SQL("select count(*) from {}").format(target))
        found = cur.fetchone()
        rows_after = int(found[0]) if found else 0
    return reconciled, rows_after


def _ensure_table(cur: psycopg.Cursor, destination: PostgresDestination, columns: list[tuple[str, str]]) -> None:
    cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(destination.schema)))
    definitions = [sql.SQL("customer_id text primary key")]
    for name, pg_type in [*columns[1:], *META_COLUMNS]:
        definitions.append(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pg_type)))
    cur.execute(
        sql.SQL("create table if not exists {} ({})").format(
            sql.Identifier(destination.schema, destination.table), sql.SQL(", ").join(definitions)
        )
    )
    cur.execute(
        "select column_name from information_schema.columns where table_schema = %s and table_name = %s "
        "order by ordinal_position",
        (destination.schema, destination.table),
    )
    found = [row[0] for row in cur.fetchall()]
    expected = [name for name, _ in columns] + [name for name, _ in META_COLUMNS]
    if sorted(found) != sorted(expected):
        raise PostgresDestinationError(
            f"table {destination.schema}.{destination.table} has columns {', '.join(found)} but the export sends "
            f"{', '.join(expected)}: the declaration's fields changed. Drop or rename the table (it is rebuilt "
            "in full by the next sync after `delete from exports.destination_state where export = ...`)"
        )


def _rows_to_copy(membership: Membership, meta: tuple[dt.date, dt.datetime, str]) -> pa.Table:
    """The rows to write, typed, with the sync's metadata columns; composite values as JSON text."""
    table = membership.typed
    for index, name in enumerate(table.column_names):
        if postgres_type(table.schema.field(name).type) == "jsonb":
            values = [None if v is None else json.dumps(json_value(v)) for v in table.column(name).to_pylist()]
            table = table.set_column(index, name, pa.array(values, pa.string()))
    as_of_date, exported_at, sync_id = meta
    count = table.num_rows
    table = table.append_column("exported_as_of", pa.array([as_of_date] * count, pa.date32()))
    table = table.append_column("exported_at", pa.array([exported_at] * count, pa.timestamp("us", tz="UTC")))
    return table.append_column("export_sync_id", pa.array([sync_id] * count, pa.string()))


def _delete_keys(cur: psycopg.Cursor, target: sql.Composed, keys: list[str]) -> None:
    cur.execute("create temporary table _export_keys (customer_id text primary key) on commit drop")
    with cur.copy("copy _export_keys (customer_id) from stdin") as copy:
        for key in keys:
            copy.write_row((key,))
    cur.execute(
        sql.SQL("delete from {} as t using _export_keys as k where t.customer_id = k.customer_id").format(target)
    )
    cur.execute("drop table _export_keys")


def _delete_all_but(cur: psycopg.Cursor, target: sql.Composed, keys: list[str]) -> None:
    cur.execute("create temporary table _export_keep (customer_id text primary key) on commit drop")
    with cur.copy("copy _export_keep (customer_id) from stdin") as copy:
        for key in keys:
            copy.write_row((key,))
    cur.execute(
        sql.SQL(
            "delete from {} as t where not exists (select 1 from _export_keep as k where k.customer_id = t.customer_id)"
        ).format(target)
    )
    cur.execute("drop table _export_keep")


def _upsert(cur: psycopg.Cursor, target: sql.Composed, columns: list[tuple[str, str]], rows: pa.Table) -> None:
    """COPY the rows (as CSV written by Arrow: vectorised) into a temporary table, then upsert by key."""
    names = [name for name, _ in columns] + [name for name, _ in META_COLUMNS]
    identifiers = sql.SQL(", ").join(sql.Identifier(n) for n in names)
    cur.execute(sql.SQL("create temporary table _export_rows (like {}) on commit drop").format(target))
    data = io.BytesIO()
    pa_csv.write_csv(rows.select(names), data, pa_csv.WriteOptions(include_header=False))
    with cur.copy(sql.SQL("copy _export_rows ({}) from stdin with (format csv)").format(identifiers)) as copy:
        view = data.getbuffer()
        for start in range(0, len(view), COPY_CHUNK_BYTES):
            copy.write(view[start : start + COPY_CHUNK_BYTES])
        view.release()
    updates = sql.SQL(", ").join(sql.SQL("{0} = excluded.{0}").format(sql.Identifier(n)) for n in names[1:])
    cur.execute(
        sql.SQL("insert into {} ({}) select {} from _export_rows on conflict (customer_id) do update set {}").format(
            target, identifiers, identifiers, updates
        )
    )
    cur.execute("drop table _export_rows")


def _fingerprint(keys: list[str]) -> str:
    return hashlib.md5("\n".join(sorted(keys)).encode("utf-8"), usedforsecurity=False).hexdigest()


def _key_fingerprint(cur: psycopg.Cursor, target: sql.Composed) -> str:
    # byte order (collate "C") to match Python's sorted()
    cur.execute(
        sql.SQL(
            "select md5(coalesce(string_agg(customer_id, E'\\n' order by customer_id collate \"C\"), '')) from {}"
        ).format(target)
    )
    found = cur.fetchone()
    return str(found[0]) if found else ""

"""Raw data for the PostgreSQL target: copy ``raw.*`` from the DuckDB warehouse into PostgreSQL schema ``raw``.

The landing ingest (quarantine, typing rules, audit) runs once, on DuckDB. To build the same dbt project on
PostgreSQL (``dbt build --target postgres``), its ``raw`` tables are copied over with the same columns and
types: DuckDB writes each table as CSV to a temporary file, streamed into PostgreSQL with ``COPY ... FROM
STDIN`` (psycopg 3), every table replaced in one transaction (readers see the previous load or the new one).

Connection settings are those of the dbt ``postgres`` output: SEGMENTS_PG_HOST, SEGMENTS_PG_PORT,
SEGMENTS_PG_USER, SEGMENTS_PG_PASSWORD (never committed), SEGMENTS_PG_DATABASE.

    python -m segment_warehouse.postgres_raw            # SEGMENTS_DUCKDB_PATH -> PostgreSQL raw.*
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psycopg
from psycopg import sql

from segment_warehouse.settings import Settings
from segment_warehouse.warehouse import configure

#: DuckDB column type -> PostgreSQL column type (what the raw contract uses, DESIGN §5 / contract.py)
TYPE_MAP: dict[str, str] = {
    "VARCHAR": "text",
    "TIMESTAMP": "timestamp",
    "TIMESTAMP WITH TIME ZONE": "timestamptz",
    "DATE": "date",
    "BOOLEAN": "boolean",
    "TINYINT": "smallint",
    "SMALLINT": "smallint",
    "INTEGER": "integer",
    "BIGINT": "bigint",
    "HUGEINT": "numeric(38, 0)",
    "DOUBLE": "double precision",
    "FLOAT": "real",
    # jsonb, not json: staging compares whole rows to collapse exact duplicates, and json has no equality
    "JSON": "jsonb",
}
DECIMAL = re.compile(r"^DECIMAL\((\d+),\s*(\d+)\)$")


def postgres_type(duckdb_type: str) -> str:
    """The PostgreSQL type a raw DuckDB column is created with."""
    upper = duckdb_type.upper()
    if upper in TYPE_MAP:
        return TYPE_MAP[upper]
    match = DECIMAL.match(upper)
    if match:
        return f"numeric({match.group(1)}, {match.group(2)})"
    raise ValueError(f"no PostgreSQL type for DuckDB type {duckdb_type!r}: add it to postgres_raw.TYPE_MAP")


def postgres_connection_settings(database: str | None = None) -> dict[str, str | int]:
    """psycopg connection keywords from the SEGMENTS_PG_* environment (the dbt postgres output's settings)."""
    return {
        "host": os.environ.get("SEGMENTS_PG_HOST", "127.0.0.1"),
        "port": int(os.environ.get("SEGMENTS_PG_PORT", "5432")),
        "user": os.environ.get("SEGMENTS_PG_USER", "segments"),
        "password": os.environ.get("SEGMENTS_PG_PASSWORD", ""),
        "dbname": database or os.environ.get("SEGMENTS_PG_DATABASE", "segments"),
        "connect_timeout": 10,
    }


@dataclass(frozen=True)
class CopiedTable:
    name: str
    rows: int


def _raw_tables(con: duckdb.DuckDBPyConnection, schema: str) -> list[tuple[str, list[tuple[str, str]]]]:
    tables = con.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = current_database() and table_schema = ? and table_type = 'BASE TABLE' "
        "order by table_name",
        [schema],
    ).fetchall()
    result = []
    for (table,) in tables:
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = current_database() and table_schema = ? and table_name = ? "
            "order by ordinal_position",
            [schema, table],
        ).fetchall()
        result.append((table, [(c, t) for c, t in columns]))
    return result


def _existing_columns(cur: psycopg.Cursor, schema: str, table: str) -> list[tuple[str, str]]:
    cur.execute(
        "select a.attname, format_type(a.atttypid, a.atttypmod) from pg_attribute a "
        "join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace "
        "where n.nspname = %s and c.relname = %s and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped "
        "order by a.attnum",
        (schema, table),
    )
    return [(name, type_) for name, type_ in cur.fetchall()]


def _normalise(pg_type: str) -> str:
    return (
        pg_type.replace(" ", "")
        .replace("timestampwithouttimezone", "timestamp")
        .replace("timestampwithtimezone", "timestamptz")
    )


def copy_raw_to_postgres(
    duckdb_con: duckdb.DuckDBPyConnection | None = None,
    pg_conn: psycopg.Connection | None = None,
    schema: str = "raw",
    progress: bool = False,
) -> list[CopiedTable]:
    """Replace PostgreSQL ``<schema>.*`` with the DuckDB warehouse's ``raw.*`` tables, in one transaction.

    A table whose columns and types already match is truncated and reloaded (the staging views that read
    it stay); otherwise it is dropped (cascading to those views, which the next dbt build recreates) and
    created again.
    """
    own_duckdb = duckdb_con is None
    if duckdb_con is None:
        duckdb_con = configure(duckdb.connect(str(Settings.from_env().duckdb_path), read_only=True))
    own_pg = pg_conn is None
    if pg_conn is None:
        pg_conn = psycopg.connect(**postgres_connection_settings())
    copied: list[CopiedTable] = []
    try:
        tables = _raw_tables(duckdb_con, "raw")
        if not tables:
            raise ValueError("the DuckDB warehouse has no raw tables: run `segments ingest` first")
        with (
            tempfile.TemporaryDirectory(prefix="segments-pg-raw-") as tmp,
            pg_conn.transaction(),
            pg_conn.cursor() as cur,
        ):
            cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
            for table, columns in tables:
                started = time.perf_counter()
                wanted = [(name, postgres_type(type_)) for name, type_ in columns]
                target = sql.Identifier(schema, table)
                existing = _existing_columns(cur, schema, table)
                if [(n, _normalise(t)) for n, t in existing] == [(n, _normalise(t)) for n, t in wanted]:
                    cur.execute(sql.SQL("truncate table {}").format(target))
                else:
                    cur.execute(sql.SQL("drop table if exists {} cascade").format(target))
                    cur.execute(
                        sql.SQL("create table {} ({})").format(
                            target,
                            sql.SQL(", ").join(
                                sql.SQL("{} {}").format(sql.Identifier(n), sql.SQL(t)) for n, t in wanted
                            ),
                        )
                    )
                csv_path = Path(tmp) / f"{table}.csv"
                names = ", ".join(f'"{n}"' for n, _ in columns)
                duckdb_con.execute(
                    f"copy (select {names} from raw.\"{table}\") to '{csv_path}' (format csv, header false)"
                )
                copy_sql = sql.SQL("copy {} ({}) from stdin with (format csv)").format(
                    target, sql.SQL(", ").join(sql.Identifier(n) for n, _ in columns)
                )
                with cur.copy(copy_sql) as copy, csv_path.open("rb") as handle:
                    while chunk := handle.read(1 << 20):
                        copy.write(chunk)
                csv_path.unlink()
                cur.execute(sql.SQL("select count(*) from {}").format(target))
                rows = int(cur.fetchone()[0])
                copied.append(CopiedTable(table, rows))
                if progress:
                    print(f"  raw.{table}: {rows:,} rows in {time.perf_counter() - started:.1f} s", flush=True)
    finally:
        if own_pg:
            pg_conn.close()
        if own_duckdb:
            duckdb_con.close()
    return copied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schema", default="raw", help="PostgreSQL schema to fill (default raw)")
    args = parser.parse_args(argv)
    settings = postgres_connection_settings()
    print(
        f"copying raw.* from {Settings.from_env().duckdb_path} to postgresql://{settings['host']}:"
        f"{settings['port']}/{settings['dbname']} schema {args.schema}"
    )
    started = time.perf_counter()
    copied = copy_raw_to_postgres(schema=args.schema, progress=True)
    total = sum(t.rows for t in copied)
    print(f"copied {len(copied)} tables, {total:,} rows in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The consented membership of an export: who the destination must hold after a sync.

Members are the rows of `segments.seg_<segment>` that are also in `marts.customers` (so erased
customers, absent from marts.customers by construction, are never members) and, unless the channel is
`none`, whose `<channel>_consent` is true. Each member carries `customer_id` and the mapped fields.
The table is read in one vectorised query; no per-member Python object is built unless needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from segment_warehouse.exports.declarations import DeclarationError, ExportDeclaration
from segment_warehouse.exports.payloads import Record, json_ready_sql

#: why a previously acknowledged customer is removed
REMOVAL_REASONS = ("not_a_customer", "left_segment", "consent_withdrawn")


#: columns the membership table carries beside customer_id and the mapped fields
PAYLOAD_JSON, PAYLOAD_HASH = "_payload_json", "_payload_hash"


@dataclass(frozen=True)
class Membership:
    """Every consented member, in customer_id order: the mapped fields with their warehouse types (for
    typed destinations: Parquet, PostgreSQL), plus each member's exact JSON record and its SHA-256."""

    table: pa.Table

    def __len__(self) -> int:
        return self.table.num_rows

    @property
    def typed(self) -> pa.Table:
        """customer_id and the mapped fields only."""
        return self.table.drop_columns([PAYLOAD_JSON, PAYLOAD_HASH])

    def customer_ids(self) -> list[str]:
        return self.table.column("customer_id").to_pylist()

    def only(self, customer_ids: list[str]) -> Membership:
        """The members among these customer ids (same order)."""
        keep = pc.is_in(self.table["customer_id"], value_set=pa.array(customer_ids, pa.string()))
        return Membership(self.table.filter(keep))

    def records(self) -> Iterator[Record]:
        columns = (self.table.column(name).to_pylist() for name in ("customer_id", PAYLOAD_JSON, PAYLOAD_HASH))
        return (Record(*row) for row in zip(*columns, strict=True))


def membership_query(declaration: ExportDeclaration) -> str:
    """SQL selecting customer_id and the mapped fields of every consented member, ordered by customer_id."""
    columns = ["cast(seg.customer_id as varchar) as customer_id"]
    for mapping in declaration.fields:
        alias = "cust" if mapping.source == "customers" else "seg"
        columns.append(f'{alias}."{mapping.column}" as "{mapping.name}"')
    consent = f'\n    and cust."{declaration.consent_column}"' if declaration.consent_column else ""
    return (
        f"select {', '.join(columns)}\n"
        f"from {declaration.segment_table} as seg\n"
        f"inner join marts.customers as cust on cust.customer_id = seg.customer_id\n"
        f"where seg.customer_id is not null{consent}\n"
        f"order by 1"
    )


def check_columns(con: duckdb.DuckDBPyConnection, declaration: ExportDeclaration) -> None:
    """Fail clearly when the segment table, marts.customers or a mapped column does not exist."""
    rows = con.execute(
        "select table_schema, table_name, column_name from information_schema.columns "
        "where (table_schema = 'segments' and table_name = ?) or (table_schema = 'marts' and table_name = 'customers')",
        [f"seg_{declaration.segment}"],
    ).fetchall()
    segment_columns = {c for s, _, c in rows if s == "segments"}
    customer_columns = {c for s, _, c in rows if s == "marts"}
    where = f"export {declaration.name!r}"
    if not segment_columns:
        raise DeclarationError(
            f"{where}: table {declaration.segment_table} does not exist in the warehouse: "
            f"check `segment: {declaration.segment}` or build the segments first (`segments run`)"
        )
    if not customer_columns:
        raise DeclarationError(
            f"{where}: table marts.customers does not exist: build the warehouse first (`segments run`)"
        )
    if "customer_id" not in segment_columns:
        raise DeclarationError(f"{where}: {declaration.segment_table} has no customer_id column; it cannot be exported")
    if declaration.consent_column and declaration.consent_column not in customer_columns:
        raise DeclarationError(
            f"{where}: channel {declaration.channel!r} needs marts.customers.{declaration.consent_column}, "
            "which is missing"
        )
    for mapping in declaration.fields:
        available = customer_columns if mapping.source == "customers" else segment_columns
        table = "marts.customers" if mapping.source == "customers" else declaration.segment_table
        if mapping.column not in available:
            raise DeclarationError(
                f"{where}: field {mapping.name!r} maps to {table}.{mapping.column}, which does not exist "
                f"(columns: {', '.join(sorted(available))})"
            )


def consented_membership(con: duckdb.DuckDBPyConnection, declaration: ExportDeclaration) -> Membership:
    """Read the consented membership of the export, with each member's JSON record and its hash."""
    check_columns(con, declaration)
    query = membership_query(declaration)
    described = con.sql(query)
    types = dict(zip(described.columns, (str(t) for t in described.types), strict=True))
    # customer_id first, then the fields by name: a reordered declaration does not change the records
    keys = ["customer_id", *sorted(name for name in described.columns if name != "customer_id")]
    record = ", ".join(f"'{name}': {json_ready_sql(_qualified(name), types[name])}" for name in keys)
    table = con.sql(
        f"with typed as ({query}),\n"
        f"records as (select typed.*, cast(to_json({{{record}}}) as varchar) as {PAYLOAD_JSON} from typed)\n"
        f"select *, sha256({PAYLOAD_JSON}) as {PAYLOAD_HASH} from records order by customer_id"
    ).to_arrow_table()
    return Membership(table)


def _qualified(name: str) -> str:
    return f'typed."{name}"'


def removal_reasons(
    con: duckdb.DuckDBPyConnection, declaration: ExportDeclaration, customer_ids: list[str]
) -> dict[str, str]:
    """Why each of these (no longer member) customers leaves the destination; see REMOVAL_REASONS."""
    if not customer_ids:
        return {}
    removed = pa.table({"customer_id": pa.array(customer_ids, pa.string())})
    con.register("_export_removed_ids", removed)
    try:
        rows = con.execute(
            f"""
            select r.customer_id,
                case
                    when cust.customer_id is null then 'not_a_customer'
                    when seg.customer_id is null then 'left_segment'
                    else 'consent_withdrawn'
                end
            from _export_removed_ids as r
            left join marts.customers as cust on cast(cust.customer_id as varchar) = r.customer_id
            left join {declaration.segment_table} as seg on cast(seg.customer_id as varchar) = r.customer_id
            """
        ).fetchall()
    finally:
        con.unregister("_export_removed_ids")
    return dict(rows)

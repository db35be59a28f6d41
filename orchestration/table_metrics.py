"""Row counts and segment sizes, recorded as materialization metadata so the Dagster UI plots them.

Read through one short-lived read-only DuckDB connection after the dbt process has exited (DuckDB
allows one writer or many readers per file, so nothing is read while dbt writes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

#: how far back the "previous size" of a segment is looked for in marts.segment_memberships
SEGMENT_HISTORY_LOOKBACK_DAYS = 7


def quote_relation(schema: str, name: str) -> str:
    return f'"{schema}"."{name}"'


def relation_exists(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> bool:
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()
    return bool(row and row[0])


def row_count(con: duckdb.DuckDBPyConnection, schema: str, name: str) -> int | None:
    """Rows in ``schema.name`` (a view is evaluated), or None when the relation does not exist."""
    if not relation_exists(con, schema, name):
        return None
    row = con.execute(f"select count(*) from {quote_relation(schema, name)}").fetchone()
    return int(row[0]) if row else 0


@dataclass(frozen=True)
class SegmentSize:
    """A segment's size as of D and its most recent earlier size (within the lookback)."""

    segment: str
    as_of_date: dt.date
    size: int
    previous_as_of_date: dt.date | None
    previous_size: int | None

    @property
    def change(self) -> int | None:
        return None if self.previous_size is None else self.size - self.previous_size

    @property
    def change_ratio(self) -> float | None:
        """|size - previous| / previous; None without history, or when the previous size was 0."""
        if self.previous_size is None or self.change is None:
            return None
        if self.previous_size == 0:
            return None if self.size == 0 else float("inf")
        return abs(self.change) / self.previous_size


def segment_name_of(table: str) -> str:
    """``seg_vip`` -> ``vip`` (the name marts.segment_memberships and exports use)."""
    return table.removeprefix("seg_")


def segment_size(
    con: duckdb.DuckDBPyConnection,
    table: str,
    as_of: dt.date,
    lookback_days: int = SEGMENT_HISTORY_LOOKBACK_DAYS,
) -> SegmentSize | None:
    """Size of ``segments.<table>`` now, and as of the latest earlier date kept in marts.segment_memberships."""
    size = row_count(con, "segments", table)
    if size is None:
        return None
    previous_date: dt.date | None = None
    previous_size: int | None = None
    if relation_exists(con, "marts", "segment_memberships"):
        name = segment_name_of(table)
        row = con.execute(
            """
            select as_of_date, count(*)
            from marts.segment_memberships
            where segment_name in (?, ?)
              and as_of_date < ?
              and as_of_date >= ?
            group by as_of_date
            order by as_of_date desc
            limit 1
            """,
            [name, table, as_of, as_of - dt.timedelta(days=lookback_days)],
        ).fetchone()
        if row is not None:
            previous_date = row[0] if isinstance(row[0], dt.date) else dt.date.fromisoformat(str(row[0]))
            previous_size = int(row[1])
    return SegmentSize(table, as_of, size, previous_date, previous_size)


def segment_metadata(size: SegmentSize) -> dict[str, object]:
    """Materialization metadata of a segment: size, previous size, change (absolute and ratio)."""
    metadata: dict[str, object] = {"segment_size": size.size}
    if size.previous_size is not None:
        metadata["previous_size"] = size.previous_size
        metadata["previous_as_of_date"] = size.previous_as_of_date.isoformat() if size.previous_as_of_date else ""
        metadata["day_over_day_change"] = size.change
        ratio = size.change_ratio
        if ratio is not None and ratio != float("inf"):
            metadata["day_over_day_change_ratio"] = round(ratio, 4)
    return metadata

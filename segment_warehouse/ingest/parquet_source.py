"""Reading a landing Parquet file with DuckDB: its own column types, 1-based row numbers."""

from __future__ import annotations

import duckdb

from segment_warehouse.ingest.discovery import LandingFile
from segment_warehouse.ingest.sql_text import identifier, literal
from segment_warehouse.ingest.typing_rules import SourceColumn


def source_columns(con: duckdb.DuckDBPyConnection, file: LandingFile) -> list[SourceColumn]:
    described = con.execute(f"describe select * from read_parquet({literal(str(file.path))})").fetchall()
    return [SourceColumn(str(name), f"__s{i}", str(type_).upper()) for i, (name, type_, *_) in enumerate(described)]


def relation_sql(file: LandingFile, columns: list[SourceColumn]) -> str:
    """The file as a relation: `__s<i>` per column (original types), `__row` = 1-based row number."""
    projection = "".join(f"{identifier(c.original_name)} as {c.sql}, " for c in columns)
    return (
        f"(select {projection}file_row_number + 1 as __row "
        f"from read_parquet({literal(str(file.path))}, file_row_number = true))"
    )


def row_count(con: duckdb.DuckDBPyConnection, file: LandingFile) -> int:
    """Rows in the file, from its metadata (independent of the typing query, for reconciliation)."""
    result = con.execute(f"select count(*) from read_parquet({literal(str(file.path))})").fetchone()
    return int(result[0]) if result else 0

"""Reading a landing CSV with DuckDB: every field as VARCHAR, malformed records captured as rejects.

The header is read by Python's csv module (it settles names, quoting and the BOM); DuckDB then parses
the data with a fixed dialect (comma, double quote, auto-detection off: sniffing never decides a type)
and stores records with too many or too few fields in a rejects table instead of failing the file.

Row numbers: DuckDB's scan keeps file order, so `row_number() over ()` numbers the parsed records;
records DuckDB rejects are numbered from the rejects table (its `line` counts records, header = 1) and
the parsed records after them are shifted past them. DuckDB skips blank lines; they are not data rows.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import duckdb

from segment_warehouse.ingest.discovery import Fingerprint, LandingFile
from segment_warehouse.ingest.sql_text import literal
from segment_warehouse.ingest.typing_rules import SourceColumn

#: a record (line, quoted newlines included) longer than this is quarantined as too long
MAX_RECORD_BYTES = 32 * 1024 * 1024
REJECTS_TABLE = "__ingest_csv_rejects"
REJECT_SCANS_TABLE = "__ingest_csv_reject_scans"
REJECTED_ROWS_TABLE = "__ingest_csv_rejected_rows"


def read_header(path: Path) -> list[str]:
    """The header record's field names ([] for a 0-byte file or one without any record)."""
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for record in csv.reader(handle):
            if record:
                return record
    return []


def source_columns(header: list[str]) -> list[SourceColumn]:
    return [SourceColumn(name, f"__s{i}", "VARCHAR") for i, name in enumerate(header)]


def relation_sql(file: LandingFile, header: list[str]) -> str:
    """The parsed data rows as a relation: `__s<i>` VARCHAR per header field, `__row` parse order."""
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(header))) + "}"
    projection = ", ".join(f"c{i} as __s{i}" for i in range(len(header)))
    return (
        f"(select {projection}, row_number() over () as __row from read_csv({literal(str(file.path))}, "
        f"columns = {columns}, header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', "
        f"store_rejects = true, rejects_table = '{REJECTS_TABLE}', rejects_scan = '{REJECT_SCANS_TABLE}', "
        f"max_line_size = {MAX_RECORD_BYTES}, buffer_size = {2 * MAX_RECORD_BYTES}))"
    )


def drop_rejects_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in (REJECTS_TABLE, REJECT_SCANS_TABLE, REJECTED_ROWS_TABLE):
        con.execute(f"drop table if exists {table}")


def _blank_record_lines(path: Path) -> list[int]:
    """Record numbers (header = 1, as DuckDB counts them) of the blank lines DuckDB skipped."""
    csv.field_size_limit(sys.maxsize)
    blanks = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for number, record in enumerate(csv.reader(handle), start=1):
            if not record:
                blanks.append(number)
    return blanks


def collect_rejected_rows(con: duckdb.DuckDBPyConnection, file: LandingFile, fp: Fingerprint) -> int:
    """Turn DuckDB's rejects into REJECTED_ROWS_TABLE(data_row, reason, record); returns their count.

    One row per rejected record (DuckDB may report a record twice), numbered as a data row.
    """
    count = con.execute(f"select count(distinct line) from {REJECTS_TABLE}").fetchone()
    rejected = int(count[0]) if count else 0
    blank_lines = _blank_record_lines(file.path) if rejected and fp.may_have_blank_lines else []
    blanks_before = (
        "(select count(*) from (select unnest(?::bigint[]) as line) b where b.line < r.line)" if blank_lines else "0"
    )
    newline_chars = "chr(10) || chr(13)"
    con.execute(
        f"create temp table {REJECTED_ROWS_TABLE} as "
        f"select r.line - 1 - {blanks_before} as data_row, "
        f"'malformed CSV record: ' || lower(r.error_type) || ' (' || r.error_message || ')' as reason, "
        f"cast(json_object('_csv_line', trim(r.csv_line, {newline_chars})) as varchar) as record "
        f"from (select line, arg_min(error_type, column_idx) as error_type, "
        f"arg_min(error_message, column_idx) as error_message, arg_min(csv_line, column_idx) as csv_line "
        f"from {REJECTS_TABLE} group by line) r",
        [blank_lines] if blank_lines else [],
    )
    return rejected


def renumbered_rows_sql(staged_table: str) -> str:
    """Staged rows with `_source_row` moved past the rejected records that preceded them.

    The k-th parsed row is data row k + (number of rejected rows r_j with r_j - j < k), j = rank of r_j.
    """
    return (
        f"(select s.* replace (s._source_row + coalesce(g.passed, 0) as _source_row) from {staged_table} s "
        f"asof left join (select gap, max(passed) as passed from (select data_row - row_number() over "
        f"(order by data_row) as gap, row_number() over (order by data_row) as passed from {REJECTED_ROWS_TABLE}) "
        f"group by gap) g on s._source_row > g.gap)"
    )

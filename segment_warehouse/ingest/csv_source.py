"""Reading a landing CSV with DuckDB: every field as VARCHAR, one column more than the header.

The header is read by Python's csv module (it settles names, quoting and the BOM); DuckDB then parses
the data with a fixed dialect (comma, double quote, auto-detection off: sniffing never decides a type;
strict mode off, so mixed CRLF/LF newlines and a stray quote inside a field do not fail the file).
A record with too many or too few fields never fails the file either: it becomes a quarantined row
(see `relation_sql`); a record over MAX_RECORD_BYTES is captured in DuckDB's rejects table and
quarantined with its raw text. An unterminated quote runs to the end of the file: one record, usually
with too few fields, quarantined.

Row numbers: DuckDB's scan keeps file order, so `row_number() over ()` numbers the parsed records;
records DuckDB rejects are numbered from the rejects table (its `line` counts records, header = 1) and
the parsed records after them are shifted past them. DuckDB skips blank lines; they are not data rows.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb

from segment_warehouse.ingest.discovery import Fingerprint, LandingFile
from segment_warehouse.ingest.sql_text import literal
from segment_warehouse.ingest.typing_rules import SourceColumn, record_json

#: a record (line, quoted newlines included) longer than this is quarantined as too long
MAX_RECORD_BYTES = 32 * 1024 * 1024
REJECTS_TABLE = "__ingest_csv_rejects"
REJECT_SCANS_TABLE = "__ingest_csv_reject_scans"
REJECTED_ROWS_TABLE = "__ingest_csv_rejected_rows"


#: DuckDB reads a field equal to this as null: nothing equals it, so an empty field reads as '' and only the
#: fields padded onto a record with too few fields are null
_NO_NULL_STRING = "__segments_ingest_no_null_string__"
EXTRA_FIELD = "__extra"
_PARALLEL_NULL_PADDING_ERROR = "null_padding in conjunction with quoted new lines"


@dataclass(frozen=True)
class CsvHeader:
    fields: list[str]  # the header record's field names ([] for a 0-byte file or one without any record)
    has_data: bool  # a record follows the header


def read_header(path: Path) -> CsvHeader:
    """The header record and whether any record follows it (Python's csv module, BOM removed)."""
    csv.field_size_limit(sys.maxsize)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        records = (r for r in csv.reader(handle) if r)
        header = next(records, [])
        return CsvHeader(header, next(records, None) is not None)


def source_columns(header: list[str]) -> list[SourceColumn]:
    return [SourceColumn(name, f"__s{i}", "VARCHAR") for i, name in enumerate(header)]


def relation_sql(file: LandingFile, header: list[str], *, parallel: bool = True) -> str:
    """The data records as a relation: `__s<i>` VARCHAR per header field, `__extra`, `__row` in file order.

    One column more than the header is declared and short records are padded with nulls (no field reads
    as null otherwise, see _NO_NULL_STRING), so a record with too many fields has `__extra` set (DuckDB
    drops the fields beyond it) and one with too few has a null last field.
    """
    count = len(header)
    columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(count + 1)) + "}"
    projection = ", ".join(f"c{i} as __s{i}" for i in range(count))
    return (
        f"(select {projection}, c{count} as {EXTRA_FIELD}, row_number() over () as __row "
        f"from read_csv({literal(str(file.path))}, columns = {columns}, header = true, auto_detect = false, "
        f"delim = ',', quote = '\"', escape = '\"', strict_mode = false, null_padding = true, "
        f"nullstr = {literal(_NO_NULL_STRING)}, "
        f"parallel = {str(parallel).lower()}, store_rejects = true, rejects_table = '{REJECTS_TABLE}', "
        f"rejects_scan = '{REJECT_SCANS_TABLE}', max_line_size = {MAX_RECORD_BYTES}, "
        f"buffer_size = {2 * MAX_RECORD_BYTES}))"
    )


def needs_serial_read(error: Exception) -> bool:
    """DuckDB's parallel reader refuses padding records when the file has quoted newlines: read it serially."""
    return _PARALLEL_NULL_PADDING_ERROR in str(error)


def structure_problem_sql(columns: list[SourceColumn]) -> str:
    """SQL naming a record's wrong field count (too many: `__extra` set; too few: last field padded)."""
    count = len(columns)
    present = " + ".join(f"cast({c.sql} is not null as integer)" for c in columns)
    return (
        f"case when {EXTRA_FIELD} is not null then 'malformed CSV record: too many fields (the header has {count})' "
        f"when {columns[-1].sql} is null then 'malformed CSV record: too few fields (' || ({present}) || "
        f"', the header has {count})' end"
    )


def record_sql(columns: list[SourceColumn]) -> str:
    """The record as JSON keyed by header names, plus `_extra_field` when the record had one field too many."""
    with_extra = [*columns, SourceColumn("_extra_field", EXTRA_FIELD, "VARCHAR")]
    return f"case when {EXTRA_FIELD} is null then {record_json(columns)} else {record_json(with_extra)} end"


def drop_rejects_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in (REJECTS_TABLE, REJECT_SCANS_TABLE, REJECTED_ROWS_TABLE):
        con.execute(f"drop table if exists {table}")


def _blank_record_lines(path: Path) -> list[int]:
    """Record numbers (header = 1, as DuckDB counts them) of the blank lines DuckDB skipped."""
    csv.field_size_limit(sys.maxsize)
    blanks = []
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            for number, record in enumerate(csv.reader(handle), start=1):
                if not record:
                    blanks.append(number)
        except csv.Error:  # a record Python cannot parse either: number what came before it exactly
            pass
    return blanks


def collect_rejected_rows(
    con: duckdb.DuckDBPyConnection, file: LandingFile, fp: Fingerprint, header_fields: int
) -> int:
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
        f"case when r.error_type = 'TOO MANY COLUMNS' "
        f"then 'malformed CSV record: too many fields (the header has {header_fields})' "
        f"else concat('malformed CSV record: ', lower(cast(r.error_type as varchar)), ' (', r.error_message, ')') "
        f"end as reason, "
        f"cast(json_object('_csv_line', trim(r.csv_line, {newline_chars})) as varchar) as record "
        f"from (select line, arg_min(error_type, coalesce(column_idx, 0)) as error_type, "
        f"arg_min(error_message, coalesce(column_idx, 0)) as error_message, "
        f"arg_min(csv_line, coalesce(column_idx, 0)) as csv_line "
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

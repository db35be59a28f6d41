"""The record sent for one member: its exact JSON text, built in the warehouse, and its fingerprint.

The membership query renders each member's record with DuckDB's `to_json` (customer_id first, then
the mapped fields in name order; timestamps as ISO-8601 UTC with `Z`, decimals as exact JSON numbers)
and hashes it with `sha256`, vectorised. The same member with the same field values always yields
byte-identical text, so the hash tells whether the destination already holds exactly this record, and
a batch's bytes (hence its Idempotency-Key) are stable across retries, resumes and re-runs.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from typing import Any, NamedTuple


class Record(NamedTuple):
    """One member's record as a destination holds it."""

    customer_id: str
    payload_json: str
    payload_hash: str

    @property
    def payload(self) -> dict[str, Any]:
        """The record as a mapping; decimals stay exact."""
        return json.loads(self.payload_json, parse_float=decimal.Decimal)


def record_of(customer_id: str, payload_json: str) -> Record:
    """A record from its JSON text (hash computed here, as the warehouse does with `sha256`)."""
    return Record(customer_id, payload_json, hashlib.sha256(payload_json.encode("utf-8")).hexdigest())


_TIMESTAMP_TYPES = {"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS", "DATETIME"}
_TIMESTAMP_TZ_TYPES = {"TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"}


def json_ready_sql(column_sql: str, duckdb_type: str) -> str:
    """SQL turning a column into the value placed in the JSON record.

    Timestamps become ISO-8601 UTC text ending in `Z` (fractional seconds only when present); every
    other type keeps DuckDB's JSON rendering (decimals as exact numbers, dates as `YYYY-MM-DD`).
    """
    kind = duckdb_type.upper()
    if kind in _TIMESTAMP_TZ_TYPES:
        column_sql = f"timezone('UTC', {column_sql})"
    elif kind in _TIMESTAMP_TYPES - {"TIMESTAMP"}:
        column_sql = f"cast({column_sql} as timestamp)"
    elif kind != "TIMESTAMP":
        return column_sql
    return (
        f"case when microsecond({column_sql}) % 1000000 = 0 "
        f"then strftime({column_sql}, '%Y-%m-%dT%H:%M:%SZ') "
        f"else strftime({column_sql}, '%Y-%m-%dT%H:%M:%S.%fZ') end"
    )


def json_value(value: Any) -> Any:
    """A Python value from the warehouse as plain JSON (for JSON columns of typed destinations)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return value.isoformat() + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    return str(value)

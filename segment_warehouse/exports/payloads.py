"""The record sent for one member, in one canonical JSON form, and its fingerprint.

The same member with the same field values always yields byte-identical JSON, so its hash tells
whether the destination already holds exactly this record, and a batch's bytes (hence its
Idempotency-Key) are stable across retries, resumes and re-runs.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from typing import Any


def json_value(value: Any) -> Any:
    """A warehouse value as plain JSON: timestamps ISO-8601 UTC with `Z`, dates ISO, decimals as numbers."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else None
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else float(value)
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


def canonical_json(payload: dict[str, Any]) -> str:
    """Compact JSON with sorted keys: equal payloads give equal text."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def payload_hash(payload_json: str) -> str:
    return hashlib.sha256(payload_json.encode("utf-8")).hexdigest()

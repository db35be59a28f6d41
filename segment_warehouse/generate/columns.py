"""NumPy arrays to Arrow columns of the landing contract's natural types (vectorised, no per-row Python)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segment_warehouse.contract import ENTITIES, Entity

#: Arrow type each contract column type is written as (Parquet keeps it; CSV renders it as text)
ARROW_TYPES: dict[str, pa.DataType] = {
    "text": pa.string(),
    "enum": pa.string(),
    "currency": pa.string(),
    "country": pa.string(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "date": pa.date32(),
    "boolean": pa.bool_(),
    "amount": pa.decimal128(18, 2),
    "quantity": pa.int32(),
    "latitude": pa.float64(),
    "longitude": pa.float64(),
    "json_object": pa.string(),
}


def entity_schema(entity: Entity) -> pa.Schema:
    return pa.schema([pa.field(c.name, ARROW_TYPES[c.type]) for c in entity.columns])


def _validity(null: np.ndarray | None) -> pa.Buffer | None:
    if null is None or not null.any():
        return None
    return pa.array(~null).buffers()[1]


def timestamps(seconds: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """UTC timestamps (microseconds) from int64 seconds since 1970."""
    micros = np.asarray(seconds, dtype=np.int64) * 1_000_000
    return pa.array(micros, type=ARROW_TYPES["timestamp"], mask=null if null is not None and null.any() else None)


def amounts(cents: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """decimal(18,2) from int64 cents, exactly (the 128-bit buffer is written directly)."""
    cents = np.asarray(cents, dtype=np.int64)
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(ARROW_TYPES["amount"], len(cents), [_validity(null), pa.py_buffer(words.tobytes())])


def ids(prefix: str, numbers: np.ndarray, null: np.ndarray | None = None, width: int = 0) -> pa.Array:
    """'<prefix><number>' strings (zero-padded to `width` digits), null where `null`."""
    digits = pc.cast(pa.array(np.asarray(numbers, dtype=np.int64)), pa.string())
    if width:
        digits = pc.utf8_lpad(digits, width, "0")
    out = pc.binary_join_element_wise(prefix, digits, "")
    if null is not None and null.any():
        out = pc.if_else(pa.array(null), pa.scalar(None, pa.string()), out)
    return out


def labels(values: Sequence[str], index: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """values[index] as strings, null where `null` (or where index < 0)."""
    index = np.asarray(index, dtype=np.int64)
    missing = index < 0 if null is None else (null | (index < 0))
    taken = pa.array(np.where(missing, 0, index)) if len(values) else pa.array([], pa.int64())
    out = pa.array(list(values), pa.string()).take(taken)
    if missing.any():
        out = pc.if_else(pa.array(missing), pa.scalar(None, pa.string()), out)
    return out


def _mask(null: np.ndarray | None) -> np.ndarray | None:
    return null if null is not None and null.any() else None


def booleans(values: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool), type=pa.bool_(), mask=_mask(null))


def floats(values: np.ndarray) -> pa.Array:
    """float64 with NaN written as null."""
    values = np.asarray(values, dtype=np.float64)
    nan = np.isnan(values)
    return pa.array(values, type=pa.float64(), mask=nan if nan.any() else None)


def dates(days_since_1970: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    return pa.array(np.asarray(days_since_1970, dtype=np.int32), type=pa.date32(), mask=_mask(null))


def integers(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int32), type=pa.int32())


def hex_ids(prefix: str, hashes: np.ndarray) -> pa.Array:
    """'<prefix>' + 16 lower-case hex digits of each uint64 (fixed width, built as one byte buffer)."""
    hashes = np.asarray(hashes, dtype=np.uint64)
    n = len(hashes)
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    nibbles = ((hashes[:, None] >> shifts) & np.uint64(0xF)).astype(np.uint8)
    alphabet = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
    head = np.frombuffer(prefix.encode("ascii"), dtype=np.uint8)
    width = len(head) + 16
    chars = np.empty((n, width), dtype=np.uint8)
    chars[:, : len(head)] = head
    chars[:, len(head) :] = alphabet[nibbles]
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int32)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(chars.tobytes())])


def join(*parts: pa.Array | str) -> pa.Array:
    """Concatenate strings element-wise (a null part makes the result null)."""
    return pc.binary_join_element_wise(*parts, "")


def table(entity_name: str, columns: dict[str, pa.Array]) -> pa.Table:
    """The columns as a table of the entity, in contract order, with the contract's Arrow types."""
    schema = entity_schema(ENTITIES[entity_name])
    missing = [f.name for f in schema if f.name not in columns]
    if missing:
        raise KeyError(f"{entity_name}: generator did not produce columns {missing}")
    return pa.Table.from_arrays([columns[f.name].cast(f.type) for f in schema], schema=schema)


def empty_table(entity_name: str) -> pa.Table:
    return entity_schema(ENTITIES[entity_name]).empty_table()

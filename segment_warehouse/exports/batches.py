"""Webhook batches: their exact bodies and Idempotency-Keys (DESIGN §7, webhook protocol).

A plan is the ordered list of batches of one sync: removes first, then adds, each sorted by
customer_id and cut into `batch_size` records. The key of a batch is derived from the export, the
as-of date, the plan's sequence number, the operation and the SHA-256 of the body: re-planning the
same diff from the same state gives the same keys, and the journal keeps them verbatim for resumes.
The plan sequence number makes keys differ when equal content is legitimately sent again later
(a customer added, removed, then added again on the same as-of date).

When a receiver rejects a batch with a 4xx, the batch is halved; each half gets a key derived from
the parent key and the half's body, so a resumed split re-sends the same halves under the same keys.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from segment_warehouse.exports.payloads import Record, record_of

OPERATIONS = ("remove", "add")


#: one record of a batch: its customer, its exact JSON text and that text's SHA-256
BatchRecord = Record


@dataclass(frozen=True)
class Batch:
    """A batch ready to send (a journal batch, or a half of one after a 4xx)."""

    plan_id: str
    batch_no: int
    operation: str
    idempotency_key: str
    body: str
    records: tuple[BatchRecord, ...]


def render_body(export: str, segment: str, as_of_date: dt.date, operation: str, payloads: Sequence[str]) -> str:
    """The request body, built from records already in canonical JSON (byte-stable)."""
    head = json.dumps(
        {"export": export, "segment": segment, "as_of_date": as_of_date.isoformat(), "operation": operation},
        separators=(",", ":"),
        ensure_ascii=False,
    )[:-1]
    return f'{head},"records":[{",".join(payloads)}]}}'


def _digest(material: str) -> str:
    return hashlib.sha256(material.encode("utf-8")).hexdigest()[:32]


def batch_key(export: str, as_of_date: dt.date, plan_seq: int, operation: str, body: str) -> str:
    return f"{export}.{as_of_date.isoformat()}.p{plan_seq}.{operation}.{_digest(body)}"


def half_key(parent_key: str, body: str) -> str:
    """Key of a half of a rejected batch: same prefix, digest of the parent key and the half's body."""
    prefix = parent_key.rsplit(".", 1)[0]
    return f"{prefix}.{_digest(parent_key + '|' + body)}"


def chunk(items: Sequence[BatchRecord], size: int) -> list[tuple[BatchRecord, ...]]:
    return [tuple(items[i : i + size]) for i in range(0, len(items), size)]


def plan_batches(
    *,
    export: str,
    segment: str,
    as_of_date: dt.date,
    plan_id: str,
    plan_seq: int,
    removes: Sequence[BatchRecord],
    adds: Sequence[BatchRecord],
    batch_size: int,
) -> list[Batch]:
    """Cut the sorted removes, then the sorted adds, into batches with their bodies and keys."""
    batches: list[Batch] = []
    for operation, records in (("remove", removes), ("add", adds)):
        ordered = sorted(records, key=lambda r: r.customer_id)
        for part in chunk(ordered, batch_size):
            body = render_body(export, segment, as_of_date, operation, [r.payload_json for r in part])
            batches.append(
                Batch(
                    plan_id=plan_id,
                    batch_no=len(batches) + 1,
                    operation=operation,
                    idempotency_key=batch_key(export, as_of_date, plan_seq, operation, body),
                    body=body,
                    records=part,
                )
            )
    return batches


_DECODER = json.JSONDecoder()
_RECORDS = '"records":['


def records_of_body(body: str) -> tuple[Record, ...]:
    """The records of a stored body (a batch resumed from the journal), each cut verbatim from the body,
    so that its text and hash are exactly those planned."""
    position = body.index(_RECORDS) + len(_RECORDS)
    records = []
    while body[position] != "]":
        value, end = _DECODER.raw_decode(body, position)
        records.append(record_of(str(value["customer_id"]), body[position:end]))
        position = end + 1 if body[end] == "," else end
    return tuple(records)


def split_batch(batch: Batch) -> tuple[Batch, Batch]:
    """Halve a batch a receiver rejected, keeping header fields; keys derive from the parent's."""
    document = json.loads(batch.body)
    as_of_date = dt.date.fromisoformat(document["as_of_date"])
    middle = len(batch.records) // 2
    halves = []
    for part in (batch.records[:middle], batch.records[middle:]):
        body = render_body(
            document["export"], document["segment"], as_of_date, batch.operation, [r.payload_json for r in part]
        )
        halves.append(
            Batch(
                plan_id=batch.plan_id,
                batch_no=batch.batch_no,
                operation=batch.operation,
                idempotency_key=half_key(batch.idempotency_key, body),
                body=body,
                records=part,
            )
        )
    return halves[0], halves[1]

"""What each destination acknowledged, the send plans, the audit trail: tables of schema `exports`.

- `exports.destination_state`: one row per (export, customer_id) the destination acknowledged as a member,
  with the exact record it holds (payload and its hash). The next sync diffs against it.
- `exports.sync_plans` / `exports.plan_batches` / `exports.plan_bodies`: the webhook journal. A plan is
  written (in one transaction) before anything is sent; each batch keeps its Idempotency-Key and its
  exact body until the plan completes (the bodies, which hold personal data, are then deleted), so a
  resumed run re-sends identical batches under identical keys.
- `exports.sync_audit`: one row per sync (DESIGN §7): export, as-of date, adds, removes, rejected,
  attempts, status, duration, and more.
- `exports.rejected_records`: the rows a destination refused (4xx), with its answer; they are not
  acknowledged, so the next sync's diff sends them again.

State is only ever written for rows a destination acknowledged, in short transactions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

from segment_warehouse.exports.batches import Batch, records_of_body
from segment_warehouse.exports.payloads import Record

SCHEMA = "exports"

DDL = (
    f"create schema if not exists {SCHEMA}",
    f"""
    create table if not exists {SCHEMA}.destination_state (
        -- key (export, customer_id): kept unique by commit_acknowledgement (delete, then insert, in one
        -- transaction); no index, which would make acknowledging 100 000 records four times slower
        export varchar not null,
        customer_id varchar not null,
        payload_hash varchar not null,
        -- the exact JSON text acknowledged (plain text: it was produced by to_json, no need to re-validate)
        payload varchar not null,
        as_of_date date not null,
        sync_id varchar not null,
        acknowledged_at timestamp not null
    )
    """,
    f"""
    create table if not exists {SCHEMA}.sync_audit (
        sync_id varchar primary key,
        export varchar not null,
        segment varchar not null,
        destination_type varchar not null,
        as_of_date date not null,
        status varchar not null,
        adds integer not null default 0,
        removes integer not null default 0,
        rejected integer not null default 0,
        attempts integer not null default 0,
        duration_seconds double,
        members integer,
        previous_size integer,
        resumed_batches integer not null default 0,
        forced boolean not null default false,
        started_at timestamp not null,
        finished_at timestamp,
        message varchar
    )
    """,
    f"""
    create table if not exists {SCHEMA}.sync_plans (
        plan_id varchar primary key,
        export varchar not null,
        plan_seq integer not null,
        sync_id varchar not null,
        as_of_date date not null,
        status varchar not null,
        batches integer not null,
        records integer not null,
        created_at timestamp not null,
        completed_at timestamp
    )
    """,
    f"""
    create table if not exists {SCHEMA}.plan_batches (
        plan_id varchar not null,
        batch_no integer not null,
        export varchar not null,
        as_of_date date not null,
        operation varchar not null,
        idempotency_key varchar not null,
        record_count integer not null,
        status varchar not null,
        attempts integer not null default 0,
        acknowledged_at timestamp,
        primary key (plan_id, batch_no)
    )
    """,
    f"""
    create table if not exists {SCHEMA}.plan_bodies (
        plan_id varchar not null,
        batch_no integer not null,
        body varchar not null,
        primary key (plan_id, batch_no)
    )
    """,
    f"""
    create table if not exists {SCHEMA}.rejected_records (
        sync_id varchar not null,
        export varchar not null,
        as_of_date date not null,
        operation varchar not null,
        customer_id varchar not null,
        idempotency_key varchar,
        status_code integer,
        response_body varchar,
        rejected_at timestamp not null
    )
    """,
)

AUDIT_STATUSES = ("running", "succeeded", "failed", "refused", "skipped", "interrupted")


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    for statement in DDL:
        con.execute(statement)


def state_tables_exist(con: duckdb.DuckDBPyConnection) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = 'plan_batches'",
        [SCHEMA],
    ).fetchone()
    return bool(found and found[0])


@dataclass
class Acknowledgement:
    """Rows a destination acknowledged (and rows it rejected), to be committed together."""

    added: list[Record] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    #: (plan_id, batch_no, status, attempts) of journal batches now settled
    settled_batches: list[tuple[str, int, str, int]] = field(default_factory=list)
    #: (operation, customer_id, idempotency_key, status_code, response_body)
    rejected: list[tuple[str, str, str | None, int | None, str]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.settled_batches or self.rejected)

    def extend(self, other: Acknowledgement) -> None:
        self.added.extend(other.added)
        self.removed.extend(other.removed)
        self.settled_batches.extend(other.settled_batches)
        self.rejected.extend(other.rejected)


def commit_acknowledgement(
    con: duckdb.DuckDBPyConnection, export: str, sync_id: str, as_of_date: dt.date, ack: Acknowledgement
) -> None:
    """Record acknowledged adds/removes, settled batches and rejected rows in one short transaction.

    One acknowledgement never holds both an add and a remove of the same customer (a plan has one
    operation per customer, and each plan's acknowledgements are committed before the next plan starts).
    """
    if not ack:
        return
    now = utc_now()
    con.begin()
    try:
        touched = sorted({r.customer_id for r in ack.added} | set(ack.removed))
        if touched:
            con.register("_export_touched", pa.table({"customer_id": pa.array(touched, pa.string())}))
            con.execute(
                f"delete from {SCHEMA}.destination_state where export = ? "
                "and customer_id in (select customer_id from _export_touched)",
                [export],
            )
            con.unregister("_export_touched")
        if ack.added:
            # the last acknowledgement of a customer wins (the list is in acknowledgement order)
            latest = list({record.customer_id: record for record in ack.added}.values())
            added = pa.table(
                {
                    "customer_id": pa.array([r.customer_id for r in latest], pa.string()),
                    "payload_hash": pa.array([r.payload_hash for r in latest], pa.string()),
                    "payload": pa.array([r.payload_json for r in latest], pa.string()),
                }
            )
            con.register("_export_acked_adds", added)
            con.execute(
                f"insert into {SCHEMA}.destination_state "
                "select ?, customer_id, payload_hash, payload, ?, ?, ? from _export_acked_adds",
                [export, as_of_date, sync_id, now],
            )
            con.unregister("_export_acked_adds")
        if ack.settled_batches:
            settled = pa.table(
                {
                    "plan_id": pa.array([b[0] for b in ack.settled_batches], pa.string()),
                    "batch_no": pa.array([b[1] for b in ack.settled_batches], pa.int32()),
                    "status": pa.array([b[2] for b in ack.settled_batches], pa.string()),
                    "attempts": pa.array([b[3] for b in ack.settled_batches], pa.int32()),
                }
            )
            con.register("_export_settled", settled)
            con.execute(
                f"update {SCHEMA}.plan_batches as b set status = s.status, attempts = b.attempts + s.attempts, "
                "acknowledged_at = ? from _export_settled as s where b.plan_id = s.plan_id and b.batch_no = s.batch_no",
                [now],
            )
            con.unregister("_export_settled")
        if ack.rejected:
            con.executemany(
                f"insert into {SCHEMA}.rejected_records values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (sync_id, export, as_of_date, op, cid, key, code, (body or "")[:2000], now)
                    for op, cid, key, code, body in ack.rejected
                ],
            )
        con.commit()
    except BaseException:
        con.rollback()
        raise


# --- the webhook journal -------------------------------------------------------------------------


def next_plan_seq(con: duckdb.DuckDBPyConnection, export: str) -> int:
    found = con.execute(
        f"select coalesce(max(plan_seq), 0) + 1 from {SCHEMA}.sync_plans where export = ?", [export]
    ).fetchone()
    return int(found[0]) if found else 1


def save_plan(
    con: duckdb.DuckDBPyConnection,
    export: str,
    plan_id: str,
    plan_seq: int,
    sync_id: str,
    as_of_date: dt.date,
    batches: Sequence[Batch],
) -> None:
    """Persist a whole plan, atomically, before its first batch is sent."""
    con.begin()
    try:
        con.execute(
            f"insert into {SCHEMA}.sync_plans values (?, ?, ?, ?, ?, 'open', ?, ?, ?, null)",
            [
                plan_id,
                export,
                plan_seq,
                sync_id,
                as_of_date,
                len(batches),
                sum(len(b.records) for b in batches),
                utc_now(),
            ],
        )
        if batches:
            table = pa.table(
                {
                    "batch_no": pa.array([b.batch_no for b in batches], pa.int32()),
                    "operation": pa.array([b.operation for b in batches], pa.string()),
                    "idempotency_key": pa.array([b.idempotency_key for b in batches], pa.string()),
                    "record_count": pa.array([len(b.records) for b in batches], pa.int32()),
                    "body": pa.array([b.body for b in batches], pa.string()),
                }
            )
            con.register("_export_plan_batches", table)
            con.execute(
                f"insert into {SCHEMA}.plan_batches "
                "select ?, batch_no, ?, ?, operation, idempotency_key, record_count, 'pending', 0, null "
                "from _export_plan_batches",
                [plan_id, export, as_of_date],
            )
            con.execute(
                f"insert into {SCHEMA}.plan_bodies select ?, batch_no, body from _export_plan_batches", [plan_id]
            )
            con.unregister("_export_plan_batches")
        con.commit()
    except BaseException:
        con.rollback()
        raise


def open_plans(con: duckdb.DuckDBPyConnection, export: str) -> list[tuple[str, dt.date]]:
    """Unfinished plans of this export (a crash or a failure interrupted them), oldest first."""
    if not state_tables_exist(con):
        return []
    return [
        (plan_id, as_of)
        for plan_id, as_of in con.execute(
            f"select plan_id, as_of_date from {SCHEMA}.sync_plans "
            "where export = ? and status = 'open' order by plan_seq",
            [export],
        ).fetchall()
    ]


def pending_batches(con: duckdb.DuckDBPyConnection, plan_ids: Iterable[str]) -> list[Batch]:
    """The batches of these plans not yet settled, in plan and batch order, exactly as planned."""
    ids = list(plan_ids)
    if not ids:
        return []
    placeholders = ", ".join("?" for _ in ids)
    rows = con.execute(
        f"select b.plan_id, b.batch_no, b.operation, b.idempotency_key, d.body "
        f"from {SCHEMA}.plan_batches as b join {SCHEMA}.sync_plans as p using (plan_id) "
        f"join {SCHEMA}.plan_bodies as d using (plan_id, batch_no) "
        f"where b.plan_id in ({placeholders}) and b.status = 'pending' order by p.plan_seq, b.batch_no",
        ids,
    ).fetchall()
    return [
        Batch(
            plan_id=plan_id,
            batch_no=no,
            operation=op,
            idempotency_key=key,
            body=body,
            records=records_of_body(body),
        )
        for plan_id, no, op, key, body in rows
    ]


def complete_plans(con: duckdb.DuckDBPyConnection, plan_ids: Iterable[str]) -> None:
    """Close plans with no pending batch left and drop their bodies (they hold personal data)."""
    for plan_id in plan_ids:
        con.begin()
        try:
            left = con.execute(
                f"select count(*) from {SCHEMA}.plan_batches where plan_id = ? and status = 'pending'", [plan_id]
            ).fetchone()
            if left and left[0] == 0:
                con.execute(f"delete from {SCHEMA}.plan_bodies where plan_id = ?", [plan_id])
                con.execute(
                    f"update {SCHEMA}.sync_plans set status = 'completed', completed_at = ? where plan_id = ?",
                    [utc_now(), plan_id],
                )
            con.commit()
        except BaseException:
            con.rollback()
            raise


def forget_erased(con: duckdb.DuckDBPyConnection, export: str) -> int:
    """Delete the rejected rows of customers who are no longer in marts.customers (erased): an answer
    body may echo their data. Returns how many rows were deleted."""
    rows = con.execute(
        f"delete from {SCHEMA}.rejected_records as r where r.export = ? and not exists "
        "(select 1 from marts.customers as c where cast(c.customer_id as varchar) = r.customer_id) "
        "returning r.customer_id",
        [export],
    ).fetchall()
    return len(rows)


# --- the audit trail -----------------------------------------------------------------------------


def mark_interrupted(con: duckdb.DuckDBPyConnection, export: str) -> int:
    """Syncs of this export still `running` were killed or crashed: say so in their audit rows."""
    rows = con.execute(
        f"update {SCHEMA}.sync_audit set status = 'interrupted', "
        "message = coalesce(message || '; ', '') || 'the process stopped before the sync finished' "
        "where export = ? and status = 'running' returning sync_id",
        [export],
    ).fetchall()
    return len(rows)


def start_audit(
    con: duckdb.DuckDBPyConnection,
    *,
    sync_id: str,
    export: str,
    segment: str,
    destination_type: str,
    as_of_date: dt.date,
    forced: bool,
    started_at: dt.datetime,
) -> None:
    con.execute(
        f"insert into {SCHEMA}.sync_audit (sync_id, export, segment, destination_type, as_of_date, status, "
        "forced, started_at) values (?, ?, ?, ?, ?, 'running', ?, ?)",
        [sync_id, export, segment, destination_type, as_of_date, forced, started_at],
    )


def finish_audit(
    con: duckdb.DuckDBPyConnection,
    *,
    sync_id: str,
    status: str,
    adds: int,
    removes: int,
    rejected: int,
    attempts: int,
    duration_seconds: float,
    members: int | None,
    previous_size: int | None,
    resumed_batches: int,
    message: str | None,
) -> None:
    if status not in AUDIT_STATUSES:
        raise ValueError(f"unknown audit status {status!r}")
    con.execute(
        f"update {SCHEMA}.sync_audit set status = ?, adds = ?, removes = ?, rejected = ?, attempts = ?, "
        "duration_seconds = ?, members = ?, previous_size = ?, resumed_batches = ?, finished_at = ?, message = ? "
        "where sync_id = ?",
        [
            status,
            adds,
            removes,
            rejected,
            attempts,
            duration_seconds,
            members,
            previous_size,
            resumed_batches,
            utc_now(),
            message,
            sync_id,
        ],
    )

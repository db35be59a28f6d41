"""One sync of one export (DESIGN §7): diff, consent, breaker, delivery, acknowledgement, audit.

Order of a sync:
1. skip (with the reason, audited) when a required environment variable is unset;
2. webhook only: resume the journal — batches of an interrupted earlier sync are re-sent verbatim, under
   their original Idempotency-Keys, whatever as-of date they were planned for;
3. read the consented membership and the acknowledged state, compute adds and removes;
4. the breaker: refuse (audited, with the plan printed) unless forced;
5. webhook: persist the plan, then send it; file/postgres: write/apply the whole diff at once;
6. commit the state of acknowledged rows only, then finish the audit row.

A crash at any point loses nothing: state only ever holds what a destination acknowledged, a
persisted plan is resumed with identical keys (the receiver applies each key once), and the file and
postgres destinations are idempotent, so re-applying an unacknowledged diff is harmless.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import httpx
import psycopg

from segment_warehouse.exports import state as state_store
from segment_warehouse.exports.batches import Batch, plan_batches
from segment_warehouse.exports.breaker import BreakerVerdict, check_breaker
from segment_warehouse.exports.declarations import (
    DeclarationError,
    ExportDeclaration,
    FileDestination,
    PostgresDestination,
    WebhookDestination,
    find_declaration,
)
from segment_warehouse.exports.destinations.file import write_file_export
from segment_warehouse.exports.destinations.postgres import PostgresDestinationError, apply_postgres
from segment_warehouse.exports.destinations.webhook import BatchOutcome, WebhookSender
from segment_warehouse.exports.diff import Diff, Removal, compute_diff
from segment_warehouse.exports.membership import Membership, consented_membership, removal_reasons
from segment_warehouse.exports.rate_limit import RateLimiter
from segment_warehouse.exports.state import Acknowledgement
from segment_warehouse.settings import Settings

#: acknowledgements are committed when this many records are waiting, or after FLUSH_SECONDS
FLUSH_RECORDS = 25_000
FLUSH_SECONDS = 2.0
SAMPLE_SIZE = 5

Progress = Callable[[str], None]

#: failures that end a sync as `failed` (audited, returned) rather than as a crash
EXPECTED_FAILURES: tuple[type[BaseException], ...] = (
    DeclarationError,
    PostgresDestinationError,
    psycopg.Error,
    httpx.HTTPError,
    OSError,
    duckdb.Error,
)


@dataclass
class SyncResult:
    """The outcome of one sync, as audited (and shown as Dagster materialization metadata)."""

    export: str
    as_of_date: dt.date
    destination_type: str
    #: succeeded | failed | refused | skipped | dry_run
    status: str
    adds: int = 0
    removes: int = 0
    #: adds that replaced an older record of a member (changed fields)
    changed: int = 0
    rejected: int = 0
    attempts: int = 0
    duration_seconds: float = 0.0
    members: int | None = None
    previous_size: int | None = None
    resumed_batches: int = 0
    skipped_reason: str | None = None
    message: str | None = None
    sync_id: str | None = None
    #: the plan as printed for dry runs and refusals
    plan_text: str | None = None
    removal_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status in ("succeeded", "skipped", "dry_run")

    def metadata(self) -> dict[str, object]:
        """Plain values for Dagster's MaterializeResult metadata."""
        data = asdict(self)
        data["as_of_date"] = self.as_of_date.isoformat()
        data["duration_seconds"] = round(self.duration_seconds, 3)
        return {k: v for k, v in data.items() if v is not None and k != "plan_text"}

    def summary(self) -> str:
        if self.status == "skipped":
            return f"{self.export}: skipped — {self.skipped_reason}"
        text = (
            f"{self.export} as of {self.as_of_date}: {self.status} — {self.adds} adds"
            f"{f' ({self.changed} changed)' if self.changed else ''}, {self.removes} removes, "
            f"{self.rejected} rejected, {self.attempts} attempts, {self.duration_seconds:.2f}s"
        )
        if self.members is not None:
            text += f"; destination now expected to hold {self.members} members"
        if self.message:
            text += f"\n  {self.message}"
        return text


@dataclass
class _Totals:
    adds: int = 0
    removes: int = 0
    changed: int = 0
    rejected: int = 0
    attempts: int = 0
    resumed_batches: int = 0
    rejected_ids: set[str] = field(default_factory=set)


def sync_export(
    name_or_declaration: str | ExportDeclaration,
    as_of_date: dt.date | str,
    *,
    con: duckdb.DuckDBPyConnection | None = None,
    dry_run: bool = False,
    force: bool = False,
    progress: Progress | None = None,
    environ: Mapping[str, str] | None = None,
) -> SyncResult:
    """Run one sync of an export (see the module docstring). Never raises for an expected failure: the
    result's status says `failed` and its message why; the audit row says the same."""
    declaration = (
        name_or_declaration
        if isinstance(name_or_declaration, ExportDeclaration)
        else find_declaration(name_or_declaration)
    )
    as_of = as_of_date if isinstance(as_of_date, dt.date) else dt.date.fromisoformat(as_of_date)
    env = dict(os.environ if environ is None else environ)
    say = progress or (lambda _message: None)
    started = time.monotonic()
    skip_reason = declaration.skip_reason(env)

    own = con is None
    if own:
        from segment_warehouse.warehouse import connect

        con = connect(read_only=dry_run)
    assert con is not None
    try:
        if skip_reason is not None:
            result = SyncResult(
                declaration.name, as_of, declaration.destination.type, "skipped", skipped_reason=skip_reason
            )
            if not dry_run:
                _audit_skip(con, declaration, as_of, skip_reason)
            return result
        if dry_run:
            return _dry_run(con, declaration, as_of, force=force, started=started)
        return _sync(con, declaration, as_of, env=env, force=force, say=say, started=started)
    finally:
        if own:
            con.close()


def _audit_skip(con: duckdb.DuckDBPyConnection, declaration: ExportDeclaration, as_of: dt.date, reason: str) -> None:
    state_store.ensure_schema(con)
    sync_id = uuid.uuid4().hex
    state_store.start_audit(
        con,
        sync_id=sync_id,
        export=declaration.name,
        segment=declaration.segment,
        destination_type=declaration.destination.type,
        as_of_date=as_of,
        forced=False,
        started_at=state_store.utc_now(),
    )
    state_store.finish_audit(
        con,
        sync_id=sync_id,
        status="skipped",
        adds=0,
        removes=0,
        rejected=0,
        attempts=0,
        duration_seconds=0.0,
        members=None,
        previous_size=None,
        resumed_batches=0,
        message=reason,
    )


def _sync(
    con: duckdb.DuckDBPyConnection,
    declaration: ExportDeclaration,
    as_of: dt.date,
    *,
    env: dict[str, str],
    force: bool,
    say: Progress,
    started: float,
) -> SyncResult:
    state_store.ensure_schema(con)
    interrupted = state_store.mark_interrupted(con, declaration.name)
    if interrupted:
        say(
            f"{declaration.name}: {interrupted} earlier sync(s) stopped before finishing "
            "(now marked `interrupted` in exports.sync_audit)"
        )
    sync_id = uuid.uuid4().hex
    state_store.start_audit(
        con,
        sync_id=sync_id,
        export=declaration.name,
        segment=declaration.segment,
        destination_type=declaration.destination.type,
        as_of_date=as_of,
        forced=force,
        started_at=state_store.utc_now(),
    )
    totals = _Totals()
    result = SyncResult(declaration.name, as_of, declaration.destination.type, "failed", sync_id=sync_id)
    try:
        destination = declaration.destination
        if isinstance(destination, WebhookDestination):
            _sync_webhook(con, declaration, destination, as_of, sync_id, env, force, say, totals, result)
        else:
            _sync_whole(con, declaration, as_of, sync_id, env, force, say, totals, result)
    except EXPECTED_FAILURES as exc:
        result.status = "failed"
        result.message = f"{type(exc).__name__}: {exc}"
    except BaseException as exc:
        result.status = "failed"
        result.message = f"unexpected {type(exc).__name__}: {exc}"
        _finish(con, result, totals, started)
        raise
    _finish(con, result, totals, started)
    return result


def _finish(con: duckdb.DuckDBPyConnection, result: SyncResult, totals: _Totals, started: float) -> None:
    if result.status != "refused":
        result.adds, result.removes, result.changed = totals.adds, totals.removes, totals.changed
    result.rejected, result.attempts = totals.rejected, totals.attempts
    result.resumed_batches = totals.resumed_batches
    result.duration_seconds = time.monotonic() - started
    assert result.sync_id is not None
    state_store.finish_audit(
        con,
        sync_id=result.sync_id,
        status=result.status,
        adds=result.adds,
        removes=result.removes,
        rejected=result.rejected,
        attempts=result.attempts,
        duration_seconds=result.duration_seconds,
        members=result.members,
        previous_size=result.previous_size,
        resumed_batches=result.resumed_batches,
        message=result.message,
    )


# --- planning ------------------------------------------------------------------------------------


@dataclass
class _Plan:
    membership: Membership
    diff: Diff
    verdict: BreakerVerdict


def _plan(
    con: duckdb.DuckDBPyConnection,
    declaration: ExportDeclaration,
    *,
    force: bool,
    hold_back: set[str] | frozenset[str] = frozenset(),
) -> _Plan:
    membership = consented_membership(con, declaration)
    diff = compute_diff(con, declaration.name, membership, hold_back=hold_back)
    if diff.removes:
        reasons = removal_reasons(con, declaration, [r.customer_id for r in diff.removes])
        diff.removes[:] = [Removal(r.record, reasons.get(r.customer_id, "")) for r in diff.removes]
    verdict = check_breaker(
        previous_size=diff.previous_size,
        adds=len(diff.adds),
        removes=len(diff.removes),
        members=diff.members,
        max_change_ratio=declaration.max_change_ratio,
        force=force,
    )
    return _Plan(membership, diff, verdict)


def describe_plan(declaration: ExportDeclaration, as_of: dt.date, plan: _Plan, *, resume_batches: int = 0) -> str:
    """The plan as a marketer reads it: counts, removal reasons, a sample, and the breaker's verdict."""
    diff = plan.diff
    lines = [
        f"export {declaration.name}: segment {declaration.segment} -> {declaration.destination.type}, "
        f"channel {declaration.channel}, as of {as_of}",
        f"  consented members: {diff.members} (the destination holds {diff.previous_size})",
        f"  adds: {len(diff.adds)}" + (f" ({diff.changed} with changed fields)" if diff.changed else ""),
        f"  removes: {len(diff.removes)}" + _reasons_text(diff.removes),
    ]
    if isinstance(declaration.destination, WebhookDestination):
        batches = -(-len(diff.adds) // declaration.batch_size) + -(-len(diff.removes) // declaration.batch_size)
        lines.append(f"  batches: {batches} of at most {declaration.batch_size} records")
    if resume_batches:
        lines.append(f"  first, {resume_batches} unsent batch(es) of an interrupted sync are re-sent as planned")
    for member in diff.adds[:SAMPLE_SIZE]:
        lines.append(f"    + {member.payload_json}")
    if len(diff.adds) > SAMPLE_SIZE:
        lines.append(f"    + … {len(diff.adds) - SAMPLE_SIZE} more")
    for removal in diff.removes[:SAMPLE_SIZE]:
        lines.append(f"    - {removal.customer_id} ({removal.reason or 'no longer a member'})")
    if len(diff.removes) > SAMPLE_SIZE:
        lines.append(f"    - … {len(diff.removes) - SAMPLE_SIZE} more")
    verdict = plan.verdict
    if verdict.reason is None:
        lines.append("  breaker: ok")
    elif verdict.forced:
        lines.append(f"  breaker: would refuse ({verdict.reason}) — forced through")
    else:
        lines.append(f"  breaker: REFUSED — {verdict.reason}; re-run with --force to send anyway")
    return "\n".join(lines)


def _reasons_text(removes: list[Removal]) -> str:
    counts = Counter(r.reason or "unknown" for r in removes)
    return f" ({', '.join(f'{reason} {n}' for reason, n in sorted(counts.items()))})" if counts else ""


def _dry_run(
    con: duckdb.DuckDBPyConnection, declaration: ExportDeclaration, as_of: dt.date, *, force: bool, started: float
) -> SyncResult:
    plan = _plan(con, declaration, force=force)
    resume = 0
    if isinstance(declaration.destination, WebhookDestination):
        open_plans = state_store.open_plans(con, declaration.name)
        resume = len(state_store.pending_batches(con, [p for p, _ in open_plans]))
    text = describe_plan(declaration, as_of, plan, resume_batches=resume)
    return SyncResult(
        declaration.name,
        as_of,
        declaration.destination.type,
        "dry_run",
        adds=len(plan.diff.adds),
        removes=len(plan.diff.removes),
        changed=plan.diff.changed,
        members=plan.diff.members,
        previous_size=plan.diff.previous_size,
        resumed_batches=resume,
        duration_seconds=time.monotonic() - started,
        plan_text=text,
        message=f"dry run: nothing sent{'; the breaker would refuse' if plan.verdict.refused else ''}",
        removal_reasons=dict(Counter(r.reason for r in plan.diff.removes)),
    )


def _refuse(declaration: ExportDeclaration, as_of: dt.date, plan: _Plan, result: SyncResult, say: Progress) -> None:
    text = describe_plan(declaration, as_of, plan)
    say(text)
    result.status = "refused"
    result.plan_text = text
    result.adds, result.removes, result.changed = len(plan.diff.adds), len(plan.diff.removes), plan.diff.changed
    result.message = f"breaker refused the sync: {plan.verdict.reason}; nothing was sent (use --force to send)"


def _note_plan(result: SyncResult, plan: _Plan) -> None:
    result.members = plan.diff.members
    result.previous_size = plan.diff.previous_size
    result.removal_reasons = dict(Counter(r.reason for r in plan.diff.removes))


# --- file and postgres: the whole diff at once ----------------------------------------------------


def _sync_whole(
    con: duckdb.DuckDBPyConnection,
    declaration: ExportDeclaration,
    as_of: dt.date,
    sync_id: str,
    env: dict[str, str],
    force: bool,
    say: Progress,
    totals: _Totals,
    result: SyncResult,
) -> None:
    plan = _plan(con, declaration, force=force)
    _note_plan(result, plan)
    if plan.verdict.refused:
        _refuse(declaration, as_of, plan, result, say)
        return
    if plan.verdict.forced:
        say(describe_plan(declaration, as_of, plan))
    diff = plan.diff
    destination = declaration.destination
    totals.attempts += 1
    if isinstance(destination, FileDestination):
        root = Path(env.get(destination.directory_env) or Settings.from_env().exports_dir)
        if not root.is_absolute():
            root = Path.cwd() / root
        written = write_file_export(root, declaration, as_of, plan.membership, diff, sync_id=sync_id)
        say(
            f"{declaration.name}: {'wrote' if written.written else 'unchanged'} {written.directory} "
            f"({len(plan.membership)} members, {len(diff.adds)} added, {len(diff.removes)} removed)"
        )
    elif isinstance(destination, PostgresDestination):
        applied = apply_postgres(env[destination.dsn_env], declaration, as_of, plan.membership, diff, sync_id=sync_id)
        totals.attempts += applied.attempts - 1
        say(
            f"{declaration.name}: {destination.schema}.{destination.table} now holds {applied.rows_after} rows"
            + (" (the table had drifted and was reconciled to the membership)" if applied.reconciled else "")
        )
    ack = Acknowledgement(
        added=list(diff.adds),
        removed=[r.customer_id for r in diff.removes],
    )
    state_store.commit_acknowledgement(con, declaration.name, sync_id, as_of, ack)
    totals.adds, totals.removes, totals.changed = len(diff.adds), len(diff.removes), diff.changed
    state_store.forget_erased(con, declaration.name)
    result.status = "succeeded"


# --- webhook: journal, batches, acknowledgements --------------------------------------------------


def _sync_webhook(
    con: duckdb.DuckDBPyConnection,
    declaration: ExportDeclaration,
    destination: WebhookDestination,
    as_of: dt.date,
    sync_id: str,
    env: dict[str, str],
    force: bool,
    say: Progress,
    totals: _Totals,
    result: SyncResult,
) -> None:
    url = env[destination.url_env]
    token = env.get(destination.token_env) if destination.token_env else None
    limiter = RateLimiter(declaration.rate_limit.requests_per_second, declaration.rate_limit.records_per_second)
    with WebhookSender(destination, url, token, limiter) as sender:
        for plan_id, plan_as_of in state_store.open_plans(con, declaration.name):
            batches = state_store.pending_batches(con, [plan_id])
            if batches:
                say(
                    f"{declaration.name}: resuming plan {plan_id} (as of {plan_as_of}): "
                    f"{len(batches)} batch(es) to re-send"
                )
            totals.resumed_batches += len(batches)
            error = _send(con, sender, declaration, batches, sync_id, plan_as_of, totals, say)
            state_store.complete_plans(con, [plan_id])
            if error is not None:
                result.message = f"resuming plan {plan_id}: {error}; the next run resumes where this one stopped"
                return

        plan = _plan(con, declaration, force=force, hold_back=totals.rejected_ids)
        _note_plan(result, plan)
        if plan.verdict.refused:
            _refuse(declaration, as_of, plan, result, say)
            return
        if plan.verdict.forced:
            say(describe_plan(declaration, as_of, plan))
        diff = plan.diff
        if diff:
            plan_seq = state_store.next_plan_seq(con, declaration.name)
            plan_id = f"{declaration.name}:{plan_seq}"
            batches = plan_batches(
                export=declaration.name,
                segment=declaration.segment,
                as_of_date=as_of,
                plan_id=plan_id,
                plan_seq=plan_seq,
                removes=[r.record for r in diff.removes],
                adds=diff.adds,
                batch_size=declaration.batch_size,
            )
            state_store.save_plan(con, declaration.name, plan_id, plan_seq, sync_id, as_of, batches)
            say(
                f"{declaration.name}: planned {len(diff.adds)} adds and {len(diff.removes)} removes "
                f"in {len(batches)} batch(es) (plan {plan_id})"
            )
            totals.changed += diff.changed
            error = _send(con, sender, declaration, batches, sync_id, as_of, totals, say)
            state_store.complete_plans(con, [plan_id])
            if error is not None:
                result.message = f"{error}; the next run resumes where this one stopped"
                return
    if totals.rejected:
        result.message = (
            f"{totals.rejected} record(s) rejected by the receiver (see exports.rejected_records); "
            "they are retried on the next sync"
        )
    state_store.forget_erased(con, declaration.name)
    result.status = "succeeded"


def _send(
    con: duckdb.DuckDBPyConnection,
    sender: WebhookSender,
    declaration: ExportDeclaration,
    batches: list[Batch],
    sync_id: str,
    as_of: dt.date,
    totals: _Totals,
    say: Progress,
) -> str | None:
    """Send batches with at most `max_in_flight` in flight, committing acknowledgements as they come.

    Returns the first delivery error (after which no new batch is started), or None.
    """
    destination = declaration.destination
    assert isinstance(destination, WebhookDestination)
    ack = Acknowledgement()
    waiting_records = 0
    last_flush = last_report = started = time.monotonic()
    settled = sent_records = 0
    error: str | None = None
    queue = iter(batches)
    in_flight: set[Future[BatchOutcome]] = set()

    def flush() -> None:
        nonlocal ack, waiting_records, last_flush
        state_store.commit_acknowledgement(con, declaration.name, sync_id, as_of, ack)
        ack, waiting_records, last_flush = Acknowledgement(), 0, time.monotonic()

    with ThreadPoolExecutor(max_workers=destination.max_in_flight, thread_name_prefix="webhook") as pool:
        try:
            while True:
                while error is None and len(in_flight) < destination.max_in_flight:
                    batch = next(queue, None)
                    if batch is None:
                        break
                    in_flight.add(pool.submit(sender.send, batch))
                if not in_flight:
                    break
                done, in_flight = wait(in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    outcome = future.result()
                    waiting_records += _fold(outcome, ack, totals)
                    sent_records += len(outcome.acknowledged)
                    if outcome.settled:
                        settled += 1
                    elif error is None:
                        error = outcome.error
                        sender.stop()
                now = time.monotonic()
                if waiting_records >= FLUSH_RECORDS or now - last_flush >= FLUSH_SECONDS:
                    flush()
                if now - last_report >= 2.0:
                    last_report = now
                    rate = sent_records / max(now - started, 1e-9)
                    say(
                        f"{declaration.name}: {settled}/{len(batches)} batches settled, "
                        f"{sent_records} records acknowledged ({rate:,.0f} records/s)"
                    )
        finally:
            # whatever happens, what was acknowledged is recorded (in-flight batches are finished first)
            for future in in_flight:
                if not future.cancelled():
                    _fold(future.result(), ack, totals)
            flush()
    return error


def _fold(outcome: BatchOutcome, ack: Acknowledgement, totals: _Totals) -> int:
    """Add one batch outcome to the pending acknowledgement; returns how many records it carries."""
    batch = outcome.batch
    totals.attempts += outcome.attempts
    for record in outcome.acknowledged:
        if batch.operation == "add":
            ack.added.append(record)
            totals.adds += 1
        else:
            ack.removed.append(record.customer_id)
            totals.removes += 1
    for record, status, answer in outcome.rejected:
        ack.rejected.append((batch.operation, record.customer_id, batch.idempotency_key, status, answer))
        totals.rejected += 1
        totals.rejected_ids.add(record.customer_id)
    if outcome.settled:
        status = "partially_rejected" if outcome.rejected else "acknowledged"
        ack.settled_batches.append((batch.plan_id, batch.batch_no, status, outcome.attempts))
    return len(outcome.acknowledged) + len(outcome.rejected)

"""A readable account of one run of the daily job, from its Dagster events.

Used by `segments run` (printed at the end) and by the run-failure sensor (logged when a scheduled or
launched run fails), so both tell the same story: what was built (rows per schema), what was
quarantined, which checks passed or failed, every segment's size and change, what each export did,
and whether the serving copy was published, or which step failed and why. `segments run` adds where the
time went: each step's wall time from Dagster's step log (:func:`step_times`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import dagster as dg
from dagster._core.events import DagsterEvent, DagsterEventType

SCHEMA_ORDER = ("raw", "seeds", "staging", "intermediate", "marts", "segments", "exports", "serving")


def _value(metadata: Mapping[str, Any], key: str) -> Any:
    entry = metadata.get(key)
    return getattr(entry, "value", entry)


@dataclass
class CheckOutcome:
    asset: str
    check: str
    passed: bool
    severity: str
    blocking: bool
    detail: str = ""


@dataclass(frozen=True)
class StepTime:
    """Wall time of one step of a run, from its first start to its end (retries included)."""

    step: str
    seconds: float
    status: str


def step_times(instance: dg.DagsterInstance, run_id: str) -> list[StepTime]:
    """Every step the run started, in the order it started, with its wall time from Dagster's step log."""
    stats = [s for s in instance.get_run_step_stats(run_id) if s.start_time is not None]
    return [
        StepTime(
            step=s.step_key,
            seconds=max(0.0, (s.end_time if s.end_time is not None else s.start_time) - s.start_time),
            status=s.status.value.lower() if s.status is not None else "unknown",
        )
        for s in sorted(stats, key=lambda s: s.start_time)
    ]


@dataclass
class StepFailure:
    step: str
    message: str


@dataclass
class RunSummary:
    """What one run of the daily job did, gathered from its events."""

    materialized: dict[str, dict[str, Any]] = field(default_factory=dict)
    observations: dict[str, dict[str, Any]] = field(default_factory=dict)
    checks: list[CheckOutcome] = field(default_factory=list)
    failures: list[StepFailure] = field(default_factory=list)
    skipped_steps: list[str] = field(default_factory=list)
    started_steps: list[str] = field(default_factory=list)
    retried_steps: list[str] = field(default_factory=list)
    planned: set[str] = field(default_factory=set)
    #: filled by the caller that knows the run (segments run): see step_times()
    step_times: list[StepTime] = field(default_factory=list)

    @classmethod
    def from_events(cls, events: Iterable[DagsterEvent]) -> RunSummary:
        summary = cls()
        for event in events:
            kind = event.event_type
            if kind == DagsterEventType.ASSET_MATERIALIZATION:
                materialization = event.step_materialization_data.materialization
                summary.materialized[materialization.asset_key.to_user_string()] = {
                    k: _value(materialization.metadata, k) for k in materialization.metadata
                }
            elif kind == DagsterEventType.ASSET_OBSERVATION:
                observation = event.asset_observation_data.asset_observation
                summary.observations[observation.asset_key.to_user_string()] = {
                    k: _value(observation.metadata, k) for k in observation.metadata
                }
            elif kind == DagsterEventType.ASSET_CHECK_EVALUATION:
                evaluation = event.asset_check_evaluation_data
                summary.checks.append(
                    CheckOutcome(
                        asset=evaluation.asset_key.to_user_string(),
                        check=evaluation.check_name,
                        passed=evaluation.passed,
                        severity=evaluation.severity.value,
                        blocking=bool(evaluation.blocking),
                        detail=_check_detail(evaluation.metadata),
                    )
                )
            elif kind == DagsterEventType.STEP_FAILURE:
                data = event.step_failure_data
                message = ""
                if data.user_failure_data is not None and data.user_failure_data.description:
                    message = data.user_failure_data.description
                elif data.error is not None:
                    message = _root_cause(data.error)
                summary.failures.append(StepFailure(event.step_key or "?", message))
            elif kind == DagsterEventType.STEP_SKIPPED:
                summary.skipped_steps.append(event.step_key or "?")
            elif kind == DagsterEventType.STEP_UP_FOR_RETRY:
                summary.retried_steps.append(event.step_key or "?")
            elif kind == DagsterEventType.STEP_START:
                summary.started_steps.append(event.step_key or "?")
            elif kind == DagsterEventType.ASSET_MATERIALIZATION_PLANNED and event.asset_key is not None:
                summary.planned.add(event.asset_key.to_user_string())
        return summary

    @property
    def succeeded(self) -> bool:
        return not self.failures

    @property
    def not_materialized(self) -> list[str]:
        """Assets the run was to materialize and did not (skipped exports included)."""
        return sorted(self.planned - set(self.materialized))

    def rows_by_schema(self) -> dict[str, list[tuple[str, int | None]]]:
        """(name, rows) of every table and view built, per schema; rows None for a view not counted."""
        tables: dict[str, list[tuple[str, int | None]]] = defaultdict(list)
        for key, metadata in self.materialized.items():
            schema, _, name = key.partition("/")
            if schema in {"exports", "serving"}:
                continue
            rows = metadata.get("dagster/row_count")
            tables[schema].append((name, None if rows is None else int(rows)))
        return dict(tables)

    def segments(self) -> list[tuple[str, dict[str, Any]]]:
        return sorted((k, m) for k, m in self.materialized.items() if k.startswith("segments/") and "segment_size" in m)

    def exports(self) -> list[tuple[str, dict[str, Any]]]:
        found = {k: m for k, m in self.observations.items() if k.startswith("exports/")}
        found.update({k: m for k, m in self.materialized.items() if k.startswith("exports/")})
        return sorted(found.items())


def _root_cause(error: Any) -> str:
    """The innermost error's message: the user's exception, not Dagster's wrapper around it."""
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return str(error.message).strip()


def _check_detail(metadata: Mapping[str, Any]) -> str:
    parts = []
    for key in ("unexpected_values", "reason", "note", "change_ratio", "age_hours"):
        value = _value(metadata, key)
        if value not in (None, "", 0):
            parts.append(f"{key.replace('_', ' ')} {value}")
    failures = _value(metadata, "failures_detail")
    if isinstance(failures, list) and failures:
        shown = [f"{f.get('column') or ''} {f.get('expectation')} ({f.get('unexpected_count')})" for f in failures[:3]]
        parts.append("; ".join(s.strip() for s in shown))
    return ", ".join(parts)


def _change(metadata: Mapping[str, Any]) -> str:
    previous = metadata.get("previous_size")
    if previous is None:
        return "no earlier size"
    change = int(metadata.get("day_over_day_change") or 0)
    ratio = metadata.get("day_over_day_change_ratio")
    percent = f", {'+' if change >= 0 else '-'}{float(ratio) * 100:.1f}%" if ratio is not None else ""
    return f"{change:+,}{percent} vs {previous:,} on {metadata.get('previous_as_of_date')}"


def format_step_times(times: list[StepTime], run_seconds: float | None = None) -> str:
    """'time by step: landing_ingest 8.0 s, ..., serving__published 71.6 s; outside the steps 9.1 s' (one line)."""
    parts = [f"{t.step} {t.seconds:,.1f} s" + ("" if t.status == "success" else f" ({t.status})") for t in times]
    text = "time by step: " + ", ".join(parts)
    if run_seconds is not None:
        outside = max(0.0, run_seconds - sum(t.seconds for t in times))
        text += f"; outside the steps (start-up, planning, this summary) {outside:,.1f} s"
    return text


def format_summary(summary: RunSummary, *, as_of: str, warehouse: str, exports_skipped: bool = False) -> str:
    """The end-of-run report printed by `segments run`."""
    lines = [
        f"Daily run as of {as_of}: {'SUCCEEDED' if summary.succeeded else 'FAILED'}",
        f"  warehouse: {warehouse}",
    ]
    by_schema = summary.rows_by_schema()
    if by_schema:
        lines.append("  tables built (rows; views are not counted unless SEGMENTS_COUNT_VIEW_ROWS=true):")
        for schema in sorted(by_schema, key=lambda s: SCHEMA_ORDER.index(s) if s in SCHEMA_ORDER else 99):
            built = sorted(by_schema[schema])
            total = sum(r for _, r in built if r is not None)
            views = sum(1 for _, r in built if r is None)
            head = f"    {schema:<13} {len(built):>3} built {total:>13,} rows" + (f", {views} views" if views else "")
            if schema != "segments":  # every segment is listed below with its size
                head += "  (" + ", ".join(f"{n} {r:,}" if r is not None else f"{n} (view)" for n, r in built) + ")"
            lines.append(head)
    quarantined = sum(
        int(m.get("rows_quarantined") or 0) for k, m in summary.materialized.items() if k.startswith("raw/")
    )
    quarantined_total = sum(
        int(m.get("quarantined_total") or 0) for k, m in summary.materialized.items() if k.startswith("raw/")
    )
    if any(k.startswith("raw/") for k in summary.materialized):
        lines.append(f"  quarantined: {quarantined:,} rows in this load ({quarantined_total:,} in raw.quarantine)")
    passed = [c for c in summary.checks if c.passed]
    failed = [c for c in summary.checks if not c.passed]
    lines.append(
        f"  checks: {len(passed)} passed, {len(failed)} failed"
        + (f" ({sum(1 for c in failed if c.blocking)} blocking)" if failed else "")
    )
    for check in failed:
        blocking = "blocking" if check.blocking else "non-blocking"
        lines.append(f"    FAILED {check.asset} {check.check} [{check.severity}, {blocking}] {check.detail}".rstrip())
    segments = summary.segments()
    if segments:
        lines.append(f"  segments ({len(segments)}): size, change")
        width = max(len(k.removeprefix("segments/")) for k, _ in segments)
        for key, metadata in segments:
            name = key.removeprefix("segments/")
            lines.append(f"    {name:<{width}} {int(metadata['segment_size']):>10,}  {_change(metadata)}")
    if exports_skipped:
        lines.append("  exports: not run (--skip-exports)")
    else:
        exports = summary.exports()
        lines.append(f"  exports ({len(exports)}):" if exports else "  exports: none sent")
        for key, metadata in exports:
            status = metadata.get("status", "?")
            if status == "skipped":
                detail = metadata.get("skipped_reason") or ""
            else:
                detail = (
                    f"{int(metadata.get('adds') or 0):,} adds, {int(metadata.get('removes') or 0):,} removes, "
                    f"{int(metadata.get('rejected') or 0):,} rejected"
                )
                if metadata.get("message"):
                    detail += f"; {metadata['message']}"
            lines.append(f"    {key.removeprefix('exports/')}: {status} ({detail})")
    if summary.retried_steps:
        retried = ", ".join(f"{s} ({summary.retried_steps.count(s)}x)" for s in sorted(set(summary.retried_steps)))
        lines.append(f"  retried after a transient failure: {retried}")
    published = summary.materialized.get("serving/published")
    if published:
        lines.append(f"  published: yes, {published.get('tables')} tables to {published.get('serving_duckdb_path')}")
    else:
        lines.append("  published: no (the serving copy still holds the last good day)")
    if summary.failures:
        lines.append("  failed steps:")
        for failure in summary.failures:
            first_lines = "\n      ".join(failure.message.splitlines()[:8])
            lines.append(f"    {failure.step}: {first_lines}")
        missing = [k for k in summary.not_materialized if not k.startswith("exports/") or k not in summary.observations]
        if missing:
            by_schema: dict[str, int] = defaultdict(int)
            for key in missing:
                by_schema[key.partition("/")[0]] += 1
            counts = ", ".join(f"{schema} {n}" for schema, n in sorted(by_schema.items()))
            lines.append(f"  not materialized because of it: {len(missing)} assets ({counts})")
    return "\n".join(lines)


def failure_digest(run: dg.DagsterRun, summary: RunSummary) -> str:
    """Short text for the failure sensor: which run, which date, which step failed and why."""
    partition = run.tags.get("dagster/partition", "?")
    lines = [f"run {run.run_id[:8]} of {run.job_name} as of {partition} FAILED"]
    for failure in summary.failures:
        lines.append(f"- step {failure.step}: {failure.message.splitlines()[0] if failure.message else ''}")
    for check in summary.checks:
        if not check.passed and check.blocking:
            lines.append(f"- blocking check failed: {check.asset} {check.check} {check.detail}".rstrip())
    if summary.not_materialized:
        lines.append(f"- not materialized: {len(summary.not_materialized)} assets, e.g. {summary.not_materialized[0]}")
    return "\n".join(lines)

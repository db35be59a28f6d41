"""Running a suite with Great Expectations over a frame read from DuckDB (in the checks' child process).

GX runs in an ephemeral context over a pandas frame. The frame is read through a short-lived
``read_only=True`` DuckDB connection (GX's SQL datasource does not work on DuckDB with these
versions). Its size is bounded by SEGMENTS_GX_MAX_ROWS: a bigger table is validated on its newest
rows (``order by <newest first> limit N``), and the check's metadata says so (``sampled``,
``validated_rows``, ``table_rows``). An expectation whose evaluation raised an exception is a broken
check, reported as an error of the step, never as bad data. The results are plain data
(orchestration.checks.outcomes), sent back to the daily job's process.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dagster as dg
import duckdb
import pandas as pd

from orchestration.checks.gx_suites import Suite
from orchestration.checks.outcomes import ExpectationOutcome, FrameSummary, SuiteOutcome
from orchestration.table_metrics import quote_relation

#: examples of unexpected values kept per expectation in the check's metadata
EXAMPLES_PER_EXPECTATION = 5


@dataclass(frozen=True)
class Frame:
    """What GX validates, and how it relates to the whole table."""

    data: pd.DataFrame
    table_rows: int
    order_by: str | None = None

    @property
    def validated_rows(self) -> int:
        return len(self.data)

    @property
    def sampled(self) -> bool:
        return self.validated_rows < self.table_rows

    def summary(self) -> FrameSummary:
        return FrameSummary(self.validated_rows, self.table_rows, self.order_by)


def table_columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, table],
    ).fetchall()
    return [r[0] for r in rows]


def read_frame(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    columns: Sequence[str] | None,
    max_rows: int,
    newest_first: Sequence[str] = (),
    epoch_columns: Sequence[str] = (),
) -> Frame:
    """The table (or its ``max_rows`` newest rows) as a frame; ``columns=None`` reads every column.

    Decimals arrive as float64 (pandas has no exact decimal dtype); JSON as text; ``epoch_columns`` as seconds
    since 1970-01-01 UTC.
    """
    existing = table_columns(con, schema, table)
    if not existing:
        raise dg.Failure(f"{schema}.{table} does not exist in the warehouse: the step that builds it did not run")
    wanted = existing if columns is None else [c for c in columns if c in existing]
    select = ", ".join(f'epoch("{c}") as "{c}"' if c in epoch_columns else f'"{c}"' for c in wanted)
    relation = quote_relation(schema, table)
    total_row = con.execute(f"select count(*) from {relation}").fetchone()
    total = int(total_row[0]) if total_row else 0
    order_by = None
    query = f"select {select} from {relation}"
    if total > max_rows:
        keys = [c for c in newest_first if c in existing]
        order_by = ", ".join(f'"{c}" desc nulls last' for c in keys) or None
        if keys:  # only the newest values of the first key can make the cut: filter before sorting
            query += f' where "{keys[0]}" >= {_newest_cutoff(relation, keys[0], max_rows)}'
        query += (f" order by {order_by}" if order_by else "") + f" limit {int(max_rows)}"
    return Frame(con.execute(query).df(), total, order_by)


def _newest_cutoff(relation: str, column: str, rows: int) -> str:
    """SQL of the smallest value of ``column`` whose rows, with every newer one, reach ``rows`` rows.

    Landing tables hold one ``_loaded_at`` per file, so this reads one column and sorts a few values, and the
    top-N sort then runs on the latest loads only instead of the whole table.
    """
    return f"""(
        select min(value) from (
            select value, sum(n) over (order by value desc rows unbounded preceding) - n as newer
            from (select "{column}" as value, count(*) as n from {relation} where "{column}" is not null group by 1)
        ) where newer < {int(rows)}
    )"""


def read_suite_frame(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    suite: Suite,
    max_rows: int,
    newest_first: Sequence[str] = (),
) -> Frame:
    """The frame ``suite`` validates: its columns (timestamps as epoch seconds), at most ``max_rows`` newest rows."""
    return read_frame(con, schema, table, suite.columns, max_rows, newest_first, suite.epoch_columns)


def schema_frame(con: duckdb.DuckDBPyConnection, schema: str, table: str, expected: Sequence[tuple[str, str]]) -> Frame:
    """One row per column position: the table's actual column and type beside the expected ones."""
    actual = con.execute(
        "select column_name, data_type from information_schema.columns where table_schema = ? and table_name = ? "
        "order by ordinal_position",
        [schema, table],
    ).fetchall()
    rows = []
    for position in range(max(len(actual), len(expected))):
        name, type_ = actual[position] if position < len(actual) else (None, None)
        expected_name, expected_type = expected[position] if position < len(expected) else (None, None)
        rows.append((position + 1, name, expected_name, type_, expected_type))
    data = pd.DataFrame(rows, columns=["position", "column_name", "expected_column", "data_type", "expected_type"])
    return Frame(data, len(rows))


@functools.cache
def _context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def _json_safe(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return str(value)


def _raised(exception_info: Any) -> str | None:
    """The message of an exception GX caught while evaluating an expectation, or None."""
    if not exception_info:
        return None
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    for info in infos:
        info = info if isinstance(info, dict) else getattr(info, "to_json_dict", lambda: {})()
        if info.get("raised_exception"):
            return str(info.get("exception_message") or "exception while evaluating the expectation")
    return None


def validate(suite: Suite, data: pd.DataFrame, *, index_columns: Sequence[str] = ()) -> list[ExpectationOutcome]:
    """Validate ``data`` against ``suite`` in an ephemeral GX context; one outcome per expectation."""
    import great_expectations as gx

    context = _context()
    unique = uuid.uuid4().hex[:8]
    source = context.data_sources.add_pandas(f"frames_{unique}")
    asset = source.add_dataframe_asset(f"{suite.name}_{unique}")
    batch_definition = asset.add_batch_definition_whole_dataframe("whole_frame")
    expectation_suite = gx.ExpectationSuite(name=f"{suite.name}_{unique}")
    present = set(data.columns)
    missing: list[ExpectationOutcome] = []
    for expectation in suite.expectations:  # suites are built afresh by their builders: no shared state
        column = getattr(expectation, "column", None)
        if column is not None and column not in present:
            # the table-level column expectation reports the missing column; this one cannot be evaluated
            missing.append(
                ExpectationOutcome(expectation.expectation_type, column, False, None, None, [], "column missing")
            )
            continue
        expectation_suite.add_expectation(expectation)
    result_format: dict[str, Any] = {
        "result_format": "COMPLETE" if index_columns else "SUMMARY",
        "partial_unexpected_count": EXAMPLES_PER_EXPECTATION,
    }
    if index_columns:
        result_format["unexpected_index_column_names"] = list(index_columns)
    try:
        batch = batch_definition.get_batch(batch_parameters={"dataframe": data})
        validation = batch.validate(expectation_suite, result_format=result_format)
    finally:
        context.data_sources.delete(source.name)
    outcomes: list[ExpectationOutcome] = list(missing)
    for result in validation.results:
        config = result.expectation_config
        kwargs = config.kwargs if config is not None else {}
        details = result.result or {}
        examples = details.get("partial_unexpected_list") or []
        if index_columns and details.get("unexpected_index_list"):
            examples = details["unexpected_index_list"]
        outcomes.append(
            ExpectationOutcome(
                expectation=config.type if config is not None else "unknown",
                column=kwargs.get("column"),
                success=bool(result.success),
                unexpected_count=details.get("unexpected_count"),
                unexpected_percent=details.get("unexpected_percent"),
                examples=_json_safe(examples[: max(EXAMPLES_PER_EXPECTATION, len(examples) if index_columns else 0)]),
                observed=_json_safe(details.get("observed_value")),
                error=_raised(result.exception_info),
            )
        )
    return outcomes


def _as_iso(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return dt.datetime.fromtimestamp(value, dt.UTC).isoformat().replace("+00:00", "Z")
    return value


def run_suite(suite: Suite, frame: Frame) -> SuiteOutcome:
    outcomes = validate(suite, frame.data)
    for outcome in outcomes:  # epoch seconds back to readable instants
        if outcome.column in suite.epoch_columns:
            outcome.examples = [_as_iso(v) for v in outcome.examples]
    return SuiteOutcome(suite.name, outcomes, frame.summary())

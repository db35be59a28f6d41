"""The Great Expectations suites of the daily job, evaluated in a child process.

Importing Great Expectations takes over 200 MiB, which the daily job's process would keep for its whole life,
beside the dbt build's process (the run's peak memory is their sum). So the job's process never imports it:
the checks call :func:`evaluate_landing_checks` and :func:`evaluate_output_checks` through
:func:`in_subprocess`, whose child process (segment_warehouse.child_process) reads the frames from DuckDB
(read-only), builds the suites (orchestration.checks.gx_suites), validates them
(orchestration.checks.gx_validation) and sends back plain outcomes (orchestration.checks.outcomes). GX is
imported inside the functions the child runs, never when this module is imported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar, TypeVarTuple

from orchestration.checks.outcomes import SuiteOutcome
from orchestration.table_metrics import SegmentSize, segment_size
from segment_warehouse.child_process import call_in_subprocess
from segment_warehouse.settings import Settings
from segment_warehouse.warehouse import connect

Args = TypeVarTuple("Args")
Result = TypeVar("Result")

CONTRACT_CHECK = "landing_contract"
FORMATS_CHECK = "landing_formats"
#: the newest landing rows first: the day's loads are validated in full unless one load exceeds the bound
NEWEST_FIRST = ("_loaded_at", "_source_file", "_source_row")
#: the newest customers first (updated_at), ties by key, when marts.customers exceeds the bound
CUSTOMERS_NEWEST_FIRST = ("updated_at", "customer_id")


@dataclass(frozen=True)
class LandingCheckOutcome:
    entity: str
    check_name: str  # CONTRACT_CHECK or FORMATS_CHECK
    outcome: SuiteOutcome


@dataclass(frozen=True)
class OutputCheckOutcomes:
    customers: SuiteOutcome | None  # None when the customers check was not selected
    sizes: list[SegmentSize]  # the selected segments that exist
    sizes_outcome: SuiteOutcome | None  # the size suite over `sizes`; None without sizes


def evaluate_landing_checks(
    settings: Settings, selected: Sequence[tuple[str, str]], max_rows: int
) -> list[LandingCheckOutcome]:
    """(Child) the selected (entity, check) pairs, in the order given: landing_contract is the table's columns
    and types (on its catalog) and then its rows; landing_formats its e-mails, phones and country codes."""
    from orchestration.checks.gx_suites import (
        expected_raw_columns,
        landing_contract_suite,
        landing_formats_suite,
        landing_schema_suite,
    )
    from orchestration.checks.gx_validation import read_suite_frame, run_suite, schema_frame

    entities = list(dict.fromkeys(entity for entity, _ in selected))
    con = connect(settings.duckdb_path, read_only=True, settings=settings)
    try:
        contract_suites = {entity: landing_contract_suite(entity) for entity in entities}
        frames = {
            entity: (
                schema_frame(con, "raw", entity, expected_raw_columns(entity)),
                read_suite_frame(con, "raw", entity, contract_suites[entity], max_rows, NEWEST_FIRST),
            )
            for entity in entities
        }
    finally:
        con.close()
    results: list[LandingCheckOutcome] = []
    for entity, check_name in selected:
        catalog, frame = frames[entity]
        suite = contract_suites[entity] if check_name == CONTRACT_CHECK else landing_formats_suite(entity)
        if suite is None:
            continue
        outcome = run_suite(suite, frame)
        if check_name == CONTRACT_CHECK:  # the schema and types first, on the table's catalog
            outcome.outcomes[:0] = run_suite(landing_schema_suite(entity), catalog).outcomes
        results.append(LandingCheckOutcome(entity, check_name, outcome))
    return results


def _judged_ratio(size: SegmentSize, min_size: int) -> float | None:
    """The change ratio when there is a previous size big enough to judge, else None (GX skips nulls)."""
    if size.previous_size is None or size.previous_size < min_size:
        return None
    return size.change_ratio


def segment_sizes_outcome(sizes: Sequence[SegmentSize], max_change_ratio: float, min_size: int) -> SuiteOutcome:
    """(Child) the size suite over one row per segment; an unexpected row's example names its segment."""
    import pandas as pd

    from orchestration.checks.gx_suites import segment_sizes_suite
    from orchestration.checks.gx_validation import validate

    frame = pd.DataFrame(
        {
            "segment": [s.segment for s in sizes],
            "size": [s.size for s in sizes],
            "previous_size": pd.array([s.previous_size for s in sizes], dtype="Int64"),
            "change_ratio": pd.array([_judged_ratio(s, min_size) for s in sizes], dtype="Float64"),
        }
    )
    suite = segment_sizes_suite(max_change_ratio)
    return SuiteOutcome(suite.name, validate(suite, frame, index_columns=["segment"]))


def evaluate_output_checks(
    settings: Settings,
    as_of: dt.date,
    check_customers: bool,
    segment_tables: Sequence[str],
    max_rows: int,
    max_change_ratio: float,
    min_size: int,
) -> OutputCheckOutcomes:
    """(Child) the customers suite on marts.customers (its newest ``max_rows`` rows) and the size suite over the
    given segment tables' sizes as of ``as_of`` against their history."""
    from orchestration.checks.gx_suites import CUSTOMER_METRICS, customers_suite
    from orchestration.checks.gx_validation import read_frame, run_suite

    con = connect(settings.duckdb_path, read_only=True, settings=settings)
    try:
        frame = (
            read_frame(con, "marts", "customers", CUSTOMER_METRICS, max_rows, CUSTOMERS_NEWEST_FIRST)
            if check_customers
            else None
        )
        sizes = [s for s in (segment_size(con, table, as_of) for table in segment_tables) if s is not None]
    finally:
        con.close()
    return OutputCheckOutcomes(
        customers=run_suite(customers_suite(), frame) if frame is not None else None,
        sizes=sizes,
        sizes_outcome=segment_sizes_outcome(sizes, max_change_ratio, min_size) if sizes else None,
    )


def in_subprocess(evaluate: Callable[[*Args], Result], *args: *Args) -> Result:
    """``evaluate(*args)``, one of this module's ``evaluate_*`` functions, in a child process (see the module),
    named after it (``evaluate_landing_checks`` runs as ``segments-landing-checks``)."""
    name = "segments-" + evaluate.__name__.removeprefix("evaluate_").replace("_", "-")
    return call_in_subprocess(evaluate, args, name=name)

"""`segments run --as-of D`: the daily Dagster job, executed in-process for partition D.

The very job the schedule launches (orchestration/jobs.py): landing ingest, landing checks, one dbt
build (models, seeds, tests), output checks, exports, publish; blocking checks stop what is
downstream. With DAGSTER_HOME set (the Makefile sets it to .dagster_home) the run is recorded in that
instance, so `make dev` shows it; otherwise an ephemeral instance is used. The dbt manifest is
prepared first when it is missing or older than the dbt sources. The run ends with a summary:
warehouse, tables and rows per schema, quarantined rows, checks, the size of every segment, exports,
publish; a failure exits non-zero naming the failed step.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from segment_warehouse.cli import UserError
from segment_warehouse.settings import PROJECT_DIR, Settings, parse_as_of

if TYPE_CHECKING:  # imported lazily at run time, so that `segments --help` answers at once
    from dagster import DagsterInstance

    from orchestration.run_summary import RunSummary


@dataclass
class DailyRunOutcome:
    as_of_date: dt.date
    success: bool
    run_id: str
    summary: RunSummary
    text: str
    seconds: float


def _instance() -> DagsterInstance:
    import dagster as dg

    home = os.environ.get("DAGSTER_HOME")
    if home:
        config = Path(home) / "dagster.yaml"
        if not config.exists():  # the project's instance settings: warehouse pool of 1, run retries
            Path(home).mkdir(parents=True, exist_ok=True)
            shutil.copyfile(PROJECT_DIR / "orchestration" / "dagster.yaml", config)
        return dg.DagsterInstance.get()
    return dg.DagsterInstance.ephemeral()


def run_daily(
    as_of: dt.date,
    *,
    skip_exports: bool = False,
    project_dir: Path | None = None,
    instance: DagsterInstance | None = None,
    quiet: bool = False,
) -> DailyRunOutcome:
    """Execute the daily job for partition ``as_of`` in-process and summarize it (never raises on a failed run).

    ``instance``: default the DAGSTER_HOME instance when set, else an ephemeral one.
    """
    from orchestration.dbt_project import dbt_project, prepare_manifest
    from orchestration.definitions import build_definitions
    from orchestration.jobs import DAILY_JOB
    from orchestration.run_summary import RunSummary, format_step_times, format_summary, step_times

    started = time.perf_counter()
    say = (lambda _m: None) if quiet else (lambda m: print(m, flush=True))
    project = dbt_project(project_dir)
    say(f"preparing the dbt manifest ({project.manifest_path}) if stale ...")
    prepare_manifest(project)
    key = as_of.isoformat()
    with ExitStack() as stack:
        if instance is None:  # entered: Dagster resolves definitions against the instance in context
            instance = stack.enter_context(_instance())
        defs = build_definitions(project_dir)
        job = defs.resolve_job_def(DAILY_JOB)
        partitions = job.partitions_def
        assert partitions is not None
        if not partitions.has_partition_key(key):
            first = partitions.get_first_partition_key()
            raise UserError(
                f"as-of date {key} is outside the daily partitions ({first} to today, UTC): choose a date in that "
                "range, or move SEGMENTS_PARTITIONS_START earlier"
            )
        selection = None
        if skip_exports:
            graph = defs.resolve_asset_graph()
            selection = [k for k in graph.materializable_asset_keys if k.path[0] != "exports"]
        say(f"running the daily job {DAILY_JOB} for as-of date {key} ...")
        result = job.execute_in_process(
            partition_key=key,
            instance=instance,
            asset_selection=selection,
            raise_on_error=False,
            tags={"segments/trigger": "segments run"},
            run_config={"loggers": {"console": {"config": {"log_level": "WARNING" if quiet else "INFO"}}}},
        )
        records = instance.all_logs(result.run_id)  # the run's whole event log, planned materializations included
        times = step_times(instance, result.run_id)
    summary = RunSummary.from_events(r.dagster_event for r in records if r.dagster_event is not None)
    summary.step_times = times
    settings = Settings.from_env()
    text = format_summary(summary, as_of=key, warehouse=str(settings.duckdb_path), exports_skipped=skip_exports)
    seconds = time.perf_counter() - started
    text += f"\n  {format_step_times(times, seconds)}\n  run {result.run_id[:8]} in {seconds:.1f} s"
    return DailyRunOutcome(as_of, result.success and summary.succeeded, result.run_id, summary, text, seconds)


def cli_run(args: argparse.Namespace) -> int:
    try:
        as_of = parse_as_of(args.as_of)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    outcome = run_daily(as_of, skip_exports=bool(getattr(args, "skip_exports", False)))
    print()
    print(outcome.text)
    if not outcome.success:
        failures = outcome.summary.failures
        steps = ", ".join(f.step for f in failures) or "unknown step"
        first = failures[0].message.splitlines()[0] if failures and failures[0].message else "see the log above"
        print(file=sys.stderr)
        raise UserError(f"daily run as of {as_of} failed at step {steps}: {first}")
    return 0

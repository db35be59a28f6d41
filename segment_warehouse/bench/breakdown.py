"""Where a measured `segments run` spent its time: Dagster's step log and dbt's own timer.

Read after each run of the benchmark from the run's private state (DAGSTER_HOME and the dbt target directory,
see run.child_environment): every step's wall time (ingest, checks, dbt build, publish, ...), what is left
outside the steps (start-up, planning, the summary), and within the dbt build step, dbt's own elapsed time,
its models, tests and seeds, and its slowest nodes. The benchmark prints the two runs of a size side by side.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported where it is used: Dagster loads only when a breakdown is read
    from orchestration.run_summary import StepTime

#: where the daily run's `dbt build` writes run_results.json, under DBT_TARGET_PATH (orchestration/assets/dbt.py)
DBT_BUILD_RESULTS = Path("dagster_build") / "run_results.json"
#: the dbt nodes listed as the slowest of a run
SLOWEST_NODES = 8


@dataclass(frozen=True)
class DbtTimes:
    """dbt's own timer for one `dbt build`: elapsed, summed per resource type, and the slowest nodes."""

    elapsed_seconds: float
    seconds_by_type: dict[str, float]
    slowest: list[tuple[str, float]]


@dataclass(frozen=True)
class RunBreakdown:
    """The steps of one run in the order they started, and dbt's timer when it ran."""

    steps: list[StepTime] = field(default_factory=list)
    dbt: DbtTimes | None = None

    @property
    def steps_seconds(self) -> float:
        return sum(step.seconds for step in self.steps)

    def seconds_of(self, step: str) -> float | None:
        """Wall time of the step `step`, None when the run did not start it."""
        return next((t.seconds for t in self.steps if t.step == step), None)


def read_dbt_times(run_results: Path, slowest: int = SLOWEST_NODES) -> DbtTimes | None:
    """dbt's timings from a run_results.json; None when the file is missing or not dbt's."""
    try:
        data = json.loads(run_results.read_text(encoding="utf-8"))
        results = data["results"]
        elapsed = float(data["elapsed_time"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    by_type: dict[str, float] = {}
    nodes: list[tuple[str, float]] = []
    for result in results:
        parts = str(result.get("unique_id", "?")).split(".")  # <type>.<package>.<name>[.<hash>]
        seconds = float(result.get("execution_time") or 0.0)
        by_type[parts[0]] = by_type.get(parts[0], 0.0) + seconds
        nodes.append((parts[2] if len(parts) > 2 else parts[0], seconds))
    nodes.sort(key=lambda node: (-node[1], node[0]))
    return DbtTimes(elapsed, by_type, nodes[:slowest])


def read_step_times(dagster_home: Path, as_of: dt.date) -> list[StepTime]:
    """The steps of the latest run of partition `as_of` recorded in the Dagster instance at `dagster_home`, in
    the order they started; empty when the instance holds no such run."""
    import dagster as dg

    from orchestration.run_summary import step_times

    if not (dagster_home / "dagster.yaml").exists():
        return []
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(tags={"dagster/partition": as_of.isoformat()}), limit=1)
        if not runs:
            return []
        return step_times(instance, runs[0].run_id)


def read_breakdown(state_dir: Path, as_of: dt.date) -> RunBreakdown:
    """The breakdown of the latest run as of `as_of` whose state lives in `state_dir` (the warehouse's folder:
    dagster_home/ and dbt_target/, as the benchmark lays them out)."""
    return RunBreakdown(
        steps=read_step_times(state_dir / "dagster_home", as_of),
        dbt=read_dbt_times(state_dir / "dbt_target" / DBT_BUILD_RESULTS),
    )


def breakdown_lines(runs: list[tuple[str, RunBreakdown, float]]) -> list[str]:
    """A table with one column per run: (title, breakdown, the run's wall time measured from outside)."""
    steps: list[str] = []
    for _, breakdown, _ in runs:
        steps += [t.step for t in breakdown.steps if t.step not in steps]
    rows: list[tuple[str, list[float | None]]] = [
        (
            "outside the steps (start-up, planning, summary)",
            [max(0.0, wall - b.steps_seconds) if b.steps else None for _, b, wall in runs],
        )
    ]
    for step in steps:
        step_seconds = [b.seconds_of(step) for _, b, _ in runs]
        rows.append((f"step {step}", step_seconds))
        if step != "dbt_build":
            continue
        dbt = [b.dbt for _, b, _ in runs]
        rows.append(("  dbt's own timer", [d.elapsed_seconds if d else None for d in dbt]))
        for kind in ("model", "test", "seed"):
            rows.append((f"    {kind}s", [d.seconds_by_type.get(kind) if d else None for d in dbt]))
        rows.append(
            (
                "  outside dbt's timer (dbt start-up, Dagster events)",
                [
                    None if d is None or s is None else max(0.0, s - d.elapsed_seconds)
                    for d, s in zip(dbt, step_seconds, strict=True)
                ],
            )
        )
    rows.append(("total (wall time of the run)", [wall for _, _, wall in runs]))

    width = max(len(label) for label, _ in rows)
    header = f"  {'part':<{width}}" + "".join(f"  {title:>12}" for title, _, _ in runs)
    lines = [header, "  " + "-" * (len(header) - 2)]
    for label, values in rows:
        lines.append(f"  {label:<{width}}" + "".join(f"  {'—' if v is None else f'{v:,.1f}':>12}" for v in values))
    for title, breakdown, _ in runs:
        if breakdown.dbt and breakdown.dbt.slowest:
            nodes = ", ".join(f"{name} {seconds:,.1f}" for name, seconds in breakdown.dbt.slowest)
            lines.append(f"  slowest dbt nodes, {title} (s): {nodes}")
    return lines

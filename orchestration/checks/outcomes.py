"""What a Great Expectations check found, and how it reads in Dagster: free of any GX import.

The suites are evaluated in a child process (orchestration.checks.evaluation): the daily job's own process
never imports Great Expectations, so the 200+ MiB it takes do not sit beside the dbt build. What comes back
is this module's plain data — one :class:`ExpectationOutcome` per expectation, grouped in a
:class:`SuiteOutcome` with a :class:`FrameSummary` of the rows validated — which the job turns into asset
check results (:func:`check_metadata`) and step failures (:func:`broken_check_failure`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import dagster as dg

from segment_warehouse.contract import ENTITIES

#: the columns the landing_formats suite checks (gx_suites.landing_formats_suite), where an entity has them
FORMATS_COLUMNS = ("email", "phone", "country_code")


def formats_columns(entity: str) -> tuple[str, ...]:
    """The columns of ``entity`` the landing_formats suite checks; none: the entity has no such check."""
    names = set(ENTITIES[entity].column_names)
    return tuple(c for c in FORMATS_COLUMNS if c in names)


@dataclass(frozen=True)
class FrameSummary:
    """The rows a suite validated, against the whole table (the frame itself stays in the child)."""

    validated_rows: int
    table_rows: int
    order_by: str | None = None

    @property
    def sampled(self) -> bool:
        return self.validated_rows < self.table_rows


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int | None
    unexpected_percent: float | None
    examples: list[Any]
    observed: Any
    error: str | None = None


@dataclass
class SuiteOutcome:
    suite: str
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    frame: FrameSummary | None = None

    @property
    def broken(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.error is not None]

    @property
    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if o.error is None and not o.success]

    @property
    def passed(self) -> bool:
        return not self.failed and not self.broken

    @property
    def unexpected_total(self) -> int:
        return sum(o.unexpected_count or 0 for o in self.failed)


def _describe(outcome: ExpectationOutcome) -> str:
    target = f"{outcome.column}: " if outcome.column else ""
    return f"{target}{outcome.expectation}"


def check_metadata(outcome: SuiteOutcome) -> dict[str, Any]:
    """Counts of unexpected values and examples, per failed expectation, for the check's metadata."""
    metadata: dict[str, Any] = {
        "suite": outcome.suite,
        "expectations": len(outcome.outcomes),
        "expectations_failed": len(outcome.failed),
        "unexpected_values": outcome.unexpected_total,
    }
    if outcome.frame is not None:
        metadata["validated_rows"] = outcome.frame.validated_rows
        metadata["table_rows"] = outcome.frame.table_rows
        metadata["sampled"] = outcome.frame.sampled
        if outcome.frame.sampled:
            metadata["sample"] = f"newest {outcome.frame.validated_rows:,} rows (order by {outcome.frame.order_by})"
    if outcome.failed:
        lines = ["| expectation | unexpected | % | examples |", "| --- | ---: | ---: | --- |"]
        for failed in outcome.failed:
            count = "" if failed.unexpected_count is None else f"{failed.unexpected_count:,}"
            percent = "" if failed.unexpected_percent is None else f"{failed.unexpected_percent:.3g}"
            shown = failed.examples if failed.examples else failed.observed
            examples = json.dumps(shown, ensure_ascii=False, default=str)[:300].replace("|", "\\|")
            lines.append(f"| {_describe(failed)} | {count} | {percent} | {examples} |")
        metadata["failures"] = dg.MetadataValue.md("\n".join(lines))
        metadata["failures_detail"] = dg.MetadataValue.json(
            [
                {
                    "expectation": f.expectation,
                    "column": f.column,
                    "unexpected_count": f.unexpected_count,
                    "unexpected_percent": f.unexpected_percent,
                    "examples": f.examples,
                    "observed_value": f.observed,
                }
                for f in outcome.failed
            ]
        )
    return metadata


def broken_check_failure(outcomes: Sequence[tuple[str, SuiteOutcome]]) -> dg.Failure | None:
    """A step failure naming every expectation that could not be evaluated (a bug, not bad data)."""
    broken = [(check, o) for check, outcome in outcomes for o in outcome.broken]
    if not broken:
        return None
    details = "; ".join(f"{check} / {_describe(o)}: {o.error}" for check, o in broken)
    return dg.Failure(
        description=f"{len(broken)} expectation(s) could not be evaluated (broken check, not bad data): {details}",
    )

"""The daily job: every asset of the code location and their checks, for one as-of date (partition).

The schedule launches it for the previous full day; `segments run --as-of D` executes the very same
job in-process for partition D (segment_warehouse/daily_run.py).
"""

from __future__ import annotations

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

DAILY_JOB = "daily_warehouse"


def build_daily_job() -> UnresolvedAssetJobDefinition:
    """The job of every asset; partitioned by day because every asset is (partitioning is inferred)."""
    return dg.define_asset_job(
        name=DAILY_JOB,
        selection=dg.AssetSelection.all(),
        description=(
            "Landing ingest -> landing checks -> dbt build (models, seeds, tests) -> output checks -> "
            "exports and publish, as of the partition's date. Blocking checks stop what is downstream."
        ),
        tags={"segments/job": "daily"},
    )

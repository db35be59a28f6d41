"""The publish step (write-audit-publish): the serving copy BI tools read, ``serving/published``.

It depends on every dbt model and seed, so it runs only once the whole build is done and no blocking
check failed upstream (dbt tests of severity error, the landing contract, marts.customers domains):
when one fails, Dagster skips this step and readers keep the last good day (segment_warehouse.serving).
"""

from collections.abc import Sequence

import dagster as dg

from orchestration.partitions import as_of_date
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.retries import retry_transient_failures

PUBLISH_KEY = dg.AssetKey(["serving", "published"])


def build_publish_asset(
    upstream: Sequence[dg.AssetKey], partitions_def: dg.PartitionsDefinition
) -> dg.AssetsDefinition:
    @dg.asset(
        key=PUBLISH_KEY,
        deps=list(upstream),
        group_name="serving",
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
        pool=WAREHOUSE_POOL,
        kinds={"duckdb", "parquet"},
        description=(
            "Serving copy of marts and segments (SEGMENTS_SERVING_DUCKDB_PATH and Parquet under "
            "SEGMENTS_SERVING_PARQUET_DIR), swapped atomically; runs only after every blocking check passed."
        ),
    )
    def published(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        from segment_warehouse.serving import publish

        as_of = as_of_date(context)
        with retry_transient_failures(context):
            report = publish(as_of, settings=warehouse.settings())
        context.log.info(report.summary())
        return dg.MaterializeResult(
            metadata={
                "as_of_date": as_of.isoformat(),
                "tables": len(report.tables),
                "dagster/row_count": report.total_rows,
                "serving_duckdb_path": str(report.serving_duckdb_path),
                "parquet_version_dir": str(report.parquet_version_dir),
                "seconds": round(report.seconds, 2),
            }
        )

    return published

"""One asset ``exports/<name>`` per export declared in orchestration/exports.yml (reverse ETL, DESIGN §7).

Each export asset depends on its segment (``segments/seg_<segment>``) and on ``marts/customers`` (where
consent and the mapped fields live), so a failed blocking check on either (a dbt test of severity error,
the customers_domains GX suite, or the segment's size check when made blocking) skips the export:
nothing is sent from data that did not pass its checks.

Outcomes of a sync (segment_warehouse.exports.sync_export):
- ``succeeded``: materialized, with adds, removes, rejected, attempts, members as metadata;
- ``skipped`` (its secret's environment variable is unset): not materialized; an observation says why;
- ``refused`` (the breaker: too big a change, or an empty segment) and ``failed`` (destination
  unreachable after the engine's own retries): the step fails with the plan or the reason, so the run
  is red and the failure sensor reports it; the next run resumes where the sync stopped.
"""

from collections.abc import Iterator
from typing import Any

import dagster as dg

from orchestration.partitions import as_of_date
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.retries import retry_transient_failures

EXPORTS_GROUP = "exports"
CUSTOMERS_KEY = dg.AssetKey(["marts", "customers"])


def export_asset_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["exports", name])


def segment_asset_key(segment: str) -> dg.AssetKey:
    return dg.AssetKey(["segments", f"seg_{segment}"])


def _build_export_asset(declaration: Any, partitions_def: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    name = declaration.name

    @dg.asset(
        key=export_asset_key(name),
        deps=[segment_asset_key(declaration.segment), CUSTOMERS_KEY],
        group_name=EXPORTS_GROUP,
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
        pool=WAREHOUSE_POOL,
        kinds={declaration.destination.type},
        output_required=False,
        description=(
            f"{declaration.description or 'Export'} Segment {declaration.segment} -> {declaration.destination.type} "
            f"destination, channel {declaration.channel}; sends only the difference with what the destination "
            "last acknowledged."
        ),
        metadata={"segment": declaration.segment, "channel": declaration.channel},
    )
    def export_asset(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> Iterator[Any]:
        from segment_warehouse.exports import sync_export

        as_of = as_of_date(context)
        with retry_transient_failures(context), warehouse.connection() as con:
            result = sync_export(name, as_of, con=con, progress=context.log.info)
        context.log.info(result.summary())
        metadata = result.metadata()
        if result.status == "succeeded":
            yield dg.MaterializeResult(metadata=metadata)
            return
        yield dg.AssetObservation(asset_key=export_asset_key(name), metadata=metadata)
        if result.status == "skipped":
            context.log.warning(f"export {name} skipped: {result.skipped_reason}")
            return
        if result.status == "refused":
            raise dg.Failure(
                description=(
                    f"export {name} as of {as_of} refused by its breaker: {result.message or ''} Nothing was sent. "
                    f"Review the plan, then send it with `segments export {name} --as-of {as_of} --force`."
                ),
                metadata={"plan": dg.MetadataValue.md(f"```\n{result.plan_text or ''}\n```")},
            )
        raise dg.Failure(
            description=f"export {name} as of {as_of} {result.status}: {result.message or 'see the step logs'}",
            metadata=metadata,
        )

    return export_asset


def build_export_assets(partitions_def: dg.PartitionsDefinition) -> list[dg.AssetsDefinition]:
    """The export assets of every declaration (none when nothing is declared)."""
    from segment_warehouse.exports.declarations import load_declarations

    return [_build_export_asset(d, partitions_def) for d in load_declarations()]

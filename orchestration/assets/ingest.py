"""The landing ingest as assets: one asset ``raw/<entity>`` per entity of the landing contract.

Their keys are those dagster-dbt gives the dbt sources ``source('raw', '<entity>')``, so the lineage
runs from the landing files through raw into staging. One step loads every selected entity through
one DuckDB connection, in a child process whose memory is released when it ends
(segment_warehouse.ingest.isolated); each materialization carries the load audit (files
loaded and skipped, rows read, loaded, quarantined), the table's row count, and the quarantine's
main reasons as metadata. A file that cannot be loaded at all (missing required column, not UTF-8)
fails its entity's asset, which stops everything downstream.
"""

from collections.abc import Iterator

import dagster as dg

from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.retries import retry_transient_failures
from segment_warehouse.contract import ENTITIES, ENTITY_NAMES
from segment_warehouse.ingest import EntityIngestResult
from segment_warehouse.ingest.isolated import RawTableState, ingest_in_subprocess

#: name of the op that loads the landing files
INGEST_OP = "landing_ingest"
LANDING_GROUP = "landing"


def raw_asset_key(entity: str) -> dg.AssetKey:
    """``raw/<entity>``: the key dagster-dbt gives ``source('raw', '<entity>')``."""
    return dg.AssetKey(["raw", entity])


def landing_files_key(entity: str) -> dg.AssetKey:
    """``landing_files/<entity>``: the files upstream tools drop, drawn at the top of the lineage."""
    return dg.AssetKey(["landing_files", entity])


def landing_file_specs() -> list[dg.AssetSpec]:
    """The landing directory of each entity, as external assets (written by upstream tools, not by Dagster)."""
    return [
        dg.AssetSpec(
            landing_files_key(entity),
            description=(
                f"Landing files of {entity}: $SEGMENTS_LANDING_DIR/{entity}/*.csv and *.parquet, dropped by upstream "
                "tools (Shopify export, messaging webhooks, web tracker). Freshness: see the landing_freshness check "
                f"of raw/{entity}."
            ),
            group_name=LANDING_GROUP,
            kinds={"file"},
        )
        for entity in ENTITY_NAMES
    ]


def _entity_description(entity: str) -> str:
    spec = ENTITIES[entity]
    required = ", ".join(spec.required)
    return (
        f"raw.{entity}: rows of the landing files $SEGMENTS_LANDING_DIR/{entity}/*.csv|*.parquet, typed per the "
        f"landing contract (DESIGN §5; required: {required}). Rows that cannot be typed are kept in raw.quarantine; "
        "each file loaded once (raw.load_audit)."
    )


def _quarantine_reasons(state: RawTableState) -> str:
    return "\n".join(f"- {n:,} × {reason}" for reason, n in state.quarantine_reasons) or "(none)"


def _materialization(result: EntityIngestResult, state: RawTableState) -> dg.MaterializeResult:
    files = "\n".join(
        f"- {f.source_file}: {f.rows_read:,} read, {f.rows_loaded:,} loaded, {f.rows_quarantined:,} quarantined"
        for f in result.files_loaded
    )
    return dg.MaterializeResult(
        asset_key=raw_asset_key(result.entity),
        metadata={
            "dagster/row_count": state.row_count,
            "files_loaded": len(result.files_loaded),
            "files_skipped": len(result.files_skipped),
            "rows_read": result.rows_read,
            "rows_loaded": result.rows_loaded,
            "rows_quarantined": result.rows_quarantined,
            "quarantined_total": state.quarantined_total,
            "load_audit": dg.MetadataValue.md(files or "no new file (every landing file was already loaded)"),
            "quarantine_reasons": dg.MetadataValue.md(_quarantine_reasons(state)),
        },
    )


def build_ingest_assets(partitions_def: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """One multi-asset: ``raw/<entity>`` for every entity, subsettable (materialize one entity alone)."""
    specs = [
        dg.AssetSpec(
            raw_asset_key(entity),
            description=_entity_description(entity),
            group_name=LANDING_GROUP,
            kinds={"duckdb", "python"},
            deps=[landing_files_key(entity)],
            skippable=True,
        )
        for entity in ENTITY_NAMES
    ]

    @dg.multi_asset(
        name=INGEST_OP,
        specs=specs,
        can_subset=True,
        partitions_def=partitions_def,
        backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
        pool=WAREHOUSE_POOL,
    )
    def landing_ingest(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.MaterializeResult]:
        """Load the new landing files of the selected entities into raw (already-loaded files are skipped)."""
        entities = [key.path[-1] for key in context.selected_asset_keys]
        entities = [e for e in ENTITY_NAMES if e in entities]
        with retry_transient_failures(context):
            # in a child process: the memory of a big load is given back before the dbt build starts
            report, states = ingest_in_subprocess(
                warehouse.landing(), warehouse.settings(), entities, progress=context.log.info
            )
        for result in report.entities:
            if result.ok:
                yield _materialization(result, states[result.entity])
        if not report.ok:
            details = "; ".join(f"{e.entity}: {e.error}" for e in report.failed)
            raise dg.Failure(
                description=f"landing ingest failed for {len(report.failed)} entity(ies): {details}",
                metadata={"landing_dir": str(warehouse.landing())},
            )

    return landing_ingest

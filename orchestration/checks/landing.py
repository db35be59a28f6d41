"""Great Expectations checks on each landing entity (``raw/<entity>``), run right after the ingest.

- ``landing_contract`` (BLOCKING): the landing contract: the table's columns and types on its catalog
  (gx_suites.landing_schema_suite), then its rows (gx_suites.landing_contract_suite). When it fails, the
  dbt build does not start, so no model, no export and no publish run on that data.
- ``landing_formats`` (WARN, not blocking): e-mails, phone numbers, ISO country codes well-formed.

Each raw table is validated whole up to SEGMENTS_GX_MAX_ROWS rows, beyond that on its newest rows
(latest loads first: ``_loaded_at desc, _source_file desc, _source_row desc``), so the files of the
day's load are always validated in full unless a single load exceeds the bound.
"""

from collections.abc import Iterator

import dagster as dg

from orchestration.assets.ingest import raw_asset_key
from orchestration.checks.gx_suites import (
    expected_raw_columns,
    landing_contract_suite,
    landing_formats_suite,
    landing_schema_suite,
)
from orchestration.checks.gx_validation import (
    Frame,
    broken_check_failure,
    check_metadata,
    read_suite_frame,
    run_suite,
    schema_frame,
)
from orchestration.environment import OrchestrationSettings
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.retries import retry_transient_failures
from segment_warehouse.contract import ENTITY_NAMES

CONTRACT_CHECK = "landing_contract"
FORMATS_CHECK = "landing_formats"
NEWEST_FIRST = ("_loaded_at", "_source_file", "_source_row")


def landing_check_specs() -> list[dg.AssetCheckSpec]:
    specs: list[dg.AssetCheckSpec] = []
    for entity in ENTITY_NAMES:
        specs.append(
            dg.AssetCheckSpec(
                CONTRACT_CHECK,
                asset=raw_asset_key(entity),
                blocking=True,
                description=(
                    f"GX suite landing_contract.{entity}: schema, types, required values, domains, ranges and sane "
                    "timestamps of the landing contract (DESIGN §5). Blocking: a failure stops the dbt build."
                ),
            )
        )
        if landing_formats_suite(entity) is not None:
            specs.append(
                dg.AssetCheckSpec(
                    FORMATS_CHECK,
                    asset=raw_asset_key(entity),
                    blocking=False,
                    description=(
                        f"GX suite landing_formats.{entity}: e-mails and phone numbers well-formed, ISO 3166 country "
                        "codes. A warning: such rows are kept, segments filter on consent and presence."
                    ),
                )
            )
    return specs


def build_landing_checks() -> dg.AssetChecksDefinition:
    @dg.multi_asset_check(
        name="landing_quality_checks",
        specs=landing_check_specs(),
        can_subset=True,
        pool=WAREHOUSE_POOL,
        description="Great Expectations suites on every raw landing table (contract: blocking; formats: warning).",
    )
    def landing_quality_checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        settings = OrchestrationSettings.from_env()
        selected = context.selected_asset_check_keys
        results: list[tuple[str, object]] = []
        with retry_transient_failures(context.op_execution_context), warehouse.connection(read_only=True) as con:
            frames: dict[str, tuple[Frame, Frame]] = {}
            for entity in ENTITY_NAMES:
                key = raw_asset_key(entity)
                if not [k for k in selected if k.asset_key == key]:
                    continue
                frames[entity] = (
                    schema_frame(con, "raw", entity, expected_raw_columns(entity)),
                    read_suite_frame(
                        con, "raw", entity, landing_contract_suite(entity), settings.gx_max_rows, NEWEST_FIRST
                    ),
                )
        for entity, (catalog, frame) in frames.items():
            key = raw_asset_key(entity)
            suites = [(CONTRACT_CHECK, landing_contract_suite(entity), dg.AssetCheckSeverity.ERROR)]
            formats = landing_formats_suite(entity)
            if formats is not None:
                suites.append((FORMATS_CHECK, formats, dg.AssetCheckSeverity.WARN))
            for check_name, suite, severity in suites:
                if dg.AssetCheckKey(key, check_name) not in selected:
                    continue
                outcome = run_suite(suite, frame)
                if check_name == CONTRACT_CHECK:  # the schema and types, on the table's catalog
                    outcome.outcomes[:0] = run_suite(landing_schema_suite(entity), catalog).outcomes
                results.append((f"{entity}.{check_name}", outcome))
                if outcome.broken:
                    continue
                context.log.info(
                    f"{suite.name}: {'passed' if outcome.passed else 'FAILED'} on {frame.validated_rows:,} of "
                    f"{frame.table_rows:,} rows ({outcome.unexpected_total:,} unexpected values)"
                )
                yield dg.AssetCheckResult(
                    asset_key=key,
                    check_name=check_name,
                    passed=outcome.passed,
                    severity=severity,
                    metadata=check_metadata(outcome),
                )
        failure = broken_check_failure(results)  # type: ignore[arg-type]
        if failure is not None:
            raise failure

    return landing_quality_checks

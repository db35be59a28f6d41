"""Great Expectations checks on each landing entity (``raw/<entity>``), run right after the ingest.

- ``landing_contract`` (BLOCKING): the landing contract: the table's columns and types on its catalog
  (gx_suites.landing_schema_suite), then its rows (gx_suites.landing_contract_suite). When it fails, the
  dbt build does not start, so no model, no export and no publish run on that data.
- ``landing_formats`` (WARN, not blocking): e-mails, phone numbers, ISO country codes well-formed.

Each raw table is validated whole up to SEGMENTS_GX_MAX_ROWS rows, beyond that on its newest rows
(latest loads first: ``_loaded_at desc, _source_file desc, _source_row desc``), so the files of the
day's load are always validated in full unless a single load exceeds the bound. The suites run in a child
process (orchestration.checks.evaluation): the daily job's own process never imports Great Expectations.
"""

from collections.abc import Iterator

import dagster as dg

from orchestration.assets.ingest import raw_asset_key
from orchestration.checks.evaluation import CONTRACT_CHECK, FORMATS_CHECK, evaluate_landing_checks, in_subprocess
from orchestration.checks.outcomes import broken_check_failure, check_metadata, formats_columns
from orchestration.environment import OrchestrationSettings
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.retries import retry_transient_failures
from segment_warehouse.contract import ENTITY_NAMES


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
        if formats_columns(entity):
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
        wanted = [
            (entity, check_name)
            for entity in ENTITY_NAMES
            for check_name in (CONTRACT_CHECK, FORMATS_CHECK)
            if dg.AssetCheckKey(raw_asset_key(entity), check_name) in selected
        ]
        if not wanted:
            return
        with retry_transient_failures(context.op_execution_context):
            # in a child process: this process never imports Great Expectations (orchestration.checks.evaluation)
            evaluated = in_subprocess(evaluate_landing_checks, warehouse.settings(), wanted, settings.gx_max_rows)
        for item in evaluated:
            outcome, frame = item.outcome, item.outcome.frame
            if outcome.broken or frame is None:
                continue
            context.log.info(
                f"{outcome.suite}: {'passed' if outcome.passed else 'FAILED'} on {frame.validated_rows:,} of "
                f"{frame.table_rows:,} rows ({outcome.unexpected_total:,} unexpected values)"
            )
            yield dg.AssetCheckResult(
                asset_key=raw_asset_key(item.entity),
                check_name=item.check_name,
                passed=outcome.passed,
                severity=dg.AssetCheckSeverity.ERROR
                if item.check_name == CONTRACT_CHECK
                else dg.AssetCheckSeverity.WARN,
                metadata=check_metadata(outcome),
            )
        failure = broken_check_failure([(f"{item.entity}.{item.check_name}", item.outcome) for item in evaluated])
        if failure is not None:
            raise failure

    return landing_quality_checks

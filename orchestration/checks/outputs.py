"""Great Expectations checks on the outputs, run after the dbt build.

- ``customers_domains`` on ``marts/customers`` (BLOCKING): the §6 columns exist, one row per customer,
  enums in their domains, counts and money >= 0, booleans never null, sane ages and distances. Exports
  depend on marts/customers (consent lives there) and publish on every model, so a failure stops both.
- ``segment_size_change`` on each ``segments/seg_<name>``: the segment's size as of D against its
  latest earlier size in marts.segment_memberships (within 7 days). It fails when the size moved by more
  than SEGMENTS_MAX_SEGMENT_CHANGE_RATIO (default 0.5) of the previous size, for segments that had at
  least SEGMENTS_SEGMENT_CHANGE_MIN_SIZE members (default 100). Severity WARN and not blocking by default:
  daily-moving segments (cart recovery, birthdays) legitimately swing, and each export has its own breaker
  (max_change_ratio) that refuses to send such a change. Set SEGMENTS_SEGMENT_CHANGE_BLOCKING=true to make
  it an ERROR that also stops the segment's exports.

Both suites run in a child process (orchestration.checks.evaluation): the daily job's own process never
imports Great Expectations.
"""

from collections.abc import Iterator, Sequence

import dagster as dg

from orchestration.checks.evaluation import evaluate_output_checks, in_subprocess
from orchestration.checks.outcomes import SuiteOutcome, broken_check_failure, check_metadata
from orchestration.environment import OrchestrationSettings
from orchestration.partitions import as_of_date
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.retries import retry_transient_failures
from orchestration.table_metrics import SegmentSize

CUSTOMERS_KEY = dg.AssetKey(["marts", "customers"])
CUSTOMERS_CHECK = "customers_domains"
SEGMENT_SIZE_CHECK = "segment_size_change"


def build_output_checks(
    segment_keys: Sequence[dg.AssetKey], settings: OrchestrationSettings
) -> dg.AssetChecksDefinition:
    severity = dg.AssetCheckSeverity.ERROR if settings.segment_change_blocking else dg.AssetCheckSeverity.WARN
    specs = [
        dg.AssetCheckSpec(
            CUSTOMERS_CHECK,
            asset=CUSTOMERS_KEY,
            blocking=True,
            description=(
                "GX suite marts.customers: §6 columns present, customer_id unique, lifecycle_stage, engagement_tier "
                "and gender in their domains, counts and money >= 0, booleans never null. Blocking: stops exports "
                "and publish."
            ),
        ),
        *(
            dg.AssetCheckSpec(
                SEGMENT_SIZE_CHECK,
                asset=key,
                blocking=settings.segment_change_blocking,
                description=(
                    f"Size against the latest earlier size: fails when it moved by more than "
                    f"{settings.max_segment_change_ratio:g} of it (segments of at least "
                    f"{settings.segment_change_min_size} members)."
                ),
            )
            for key in segment_keys
        ),
    ]

    @dg.multi_asset_check(
        name="output_quality_checks",
        specs=specs,
        can_subset=True,
        pool=WAREHOUSE_POOL,
        description="Great Expectations suites on marts.customers and on every segment's size history.",
    )
    def output_quality_checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        current = OrchestrationSettings.from_env()
        as_of = as_of_date(context)
        selected = context.selected_asset_check_keys
        wanted_segments = [k for k in segment_keys if dg.AssetCheckKey(k, SEGMENT_SIZE_CHECK) in selected]
        check_customers = dg.AssetCheckKey(CUSTOMERS_KEY, CUSTOMERS_CHECK) in selected
        if not check_customers and not wanted_segments:
            return
        with retry_transient_failures(context.op_execution_context):
            # in a child process: this process never imports Great Expectations (orchestration.checks.evaluation)
            evaluated = in_subprocess(
                evaluate_output_checks,
                warehouse.settings(),
                as_of,
                check_customers,
                [k.path[-1] for k in wanted_segments],
                current.gx_max_rows,
                current.max_segment_change_ratio,
                current.segment_change_min_size,
            )
        outcome = evaluated.customers
        if outcome is not None and outcome.frame is not None:
            failure = broken_check_failure([("marts.customers", outcome)])
            if failure is not None:
                raise failure
            context.log.info(
                f"marts.customers: {'passed' if outcome.passed else 'FAILED'} on {outcome.frame.validated_rows:,} rows"
            )
            yield dg.AssetCheckResult(
                asset_key=CUSTOMERS_KEY,
                check_name=CUSTOMERS_CHECK,
                passed=outcome.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata=check_metadata(outcome),
            )
        if evaluated.sizes and evaluated.sizes_outcome is not None:
            yield from _segment_size_results(evaluated.sizes, evaluated.sizes_outcome, current, severity)

    return output_quality_checks


def _segment_size_results(
    sizes: Sequence[SegmentSize],
    outcome: SuiteOutcome,
    settings: OrchestrationSettings,
    severity: dg.AssetCheckSeverity,
) -> Iterator[dg.AssetCheckResult]:
    """One result per segment, from the size suite's ``outcome`` over ``sizes`` (evaluation.segment_sizes_outcome)."""
    if outcome.broken:
        raise dg.Failure(f"segment size suite could not be evaluated: {outcome.broken[0].error}")
    too_big: set[str] = set()
    for failed in outcome.failed:
        too_big.update(str(row.get("segment")) for row in failed.examples if isinstance(row, dict))
    for size in sizes:
        ratio = size.change_ratio
        metadata: dict[str, object] = {
            "segment_size": size.size,
            "max_change_ratio": settings.max_segment_change_ratio,
            "min_previous_size": settings.segment_change_min_size,
            "suite": outcome.suite,
        }
        if size.previous_size is not None:
            metadata["previous_size"] = size.previous_size
            metadata["previous_as_of_date"] = size.previous_as_of_date.isoformat() if size.previous_as_of_date else ""
            metadata["day_over_day_change"] = size.change
            if ratio is not None and ratio != float("inf"):
                metadata["change_ratio"] = round(ratio, 4)
        if size.previous_size is None:
            metadata["note"] = "no earlier size in marts.segment_memberships within 7 days: nothing to compare"
        elif size.previous_size < settings.segment_change_min_size:
            metadata["note"] = "previous size below the minimum: too small to judge"
        yield dg.AssetCheckResult(
            asset_key=dg.AssetKey(["segments", size.segment]),
            check_name=SEGMENT_SIZE_CHECK,
            passed=size.segment not in too_big,
            severity=severity,
            metadata=metadata,
        )

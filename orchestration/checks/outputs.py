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
"""

from collections.abc import Iterator, Sequence

import dagster as dg
import pandas as pd

from orchestration.checks.gx_suites import CUSTOMER_METRICS, customers_suite, segment_sizes_suite
from orchestration.checks.gx_validation import broken_check_failure, check_metadata, read_frame, run_suite, validate
from orchestration.environment import OrchestrationSettings
from orchestration.partitions import as_of_date
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.retries import retry_transient_failures
from orchestration.table_metrics import SegmentSize, segment_size

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
        with retry_transient_failures(context.op_execution_context), warehouse.connection(read_only=True) as con:
            customers_frame = None
            if dg.AssetCheckKey(CUSTOMERS_KEY, CUSTOMERS_CHECK) in selected:
                customers_frame = read_frame(
                    con, "marts", "customers", CUSTOMER_METRICS, current.gx_max_rows, ("updated_at", "customer_id")
                )
            sizes = [s for s in (segment_size(con, k.path[-1], as_of) for k in wanted_segments) if s is not None]
        if customers_frame is not None:
            outcome = run_suite(customers_suite(), customers_frame)
            failure = broken_check_failure([("marts.customers", outcome)])
            if failure is not None:
                raise failure
            context.log.info(
                f"marts.customers: {'passed' if outcome.passed else 'FAILED'} "
                f"on {customers_frame.validated_rows:,} rows"
            )
            yield dg.AssetCheckResult(
                asset_key=CUSTOMERS_KEY,
                check_name=CUSTOMERS_CHECK,
                passed=outcome.passed,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata=check_metadata(outcome),
            )
        if sizes:
            yield from _segment_size_results(sizes, current, severity)

    return output_quality_checks


def _judged_ratio(size: SegmentSize, min_size: int) -> float | None:
    """The change ratio when there is a previous size big enough to judge, else None (GX skips nulls)."""
    if size.previous_size is None or size.previous_size < min_size:
        return None
    return size.change_ratio


def _segment_size_results(
    sizes: Sequence[SegmentSize], settings: OrchestrationSettings, severity: dg.AssetCheckSeverity
) -> Iterator[dg.AssetCheckResult]:
    frame = pd.DataFrame(
        {
            "segment": [s.segment for s in sizes],
            "size": [s.size for s in sizes],
            "previous_size": pd.array([s.previous_size for s in sizes], dtype="Int64"),
            "change_ratio": pd.array(
                [_judged_ratio(s, settings.segment_change_min_size) for s in sizes], dtype="Float64"
            ),
        }
    )
    suite = segment_sizes_suite(settings.max_segment_change_ratio)
    outcomes = validate(suite, frame, index_columns=["segment"])
    broken = [o for o in outcomes if o.error]
    if broken:
        raise dg.Failure(f"segment size suite could not be evaluated: {broken[0].error}")
    too_big: set[str] = set()
    for outcome in outcomes:
        if not outcome.success:
            too_big.update(str(row.get("segment")) for row in outcome.examples if isinstance(row, dict))
    for size in sizes:
        ratio = size.change_ratio
        metadata: dict[str, object] = {
            "segment_size": size.size,
            "max_change_ratio": settings.max_segment_change_ratio,
            "min_previous_size": settings.segment_change_min_size,
            "suite": suite.name,
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

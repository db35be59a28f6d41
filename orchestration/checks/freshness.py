"""Freshness of the landing files: an entity that received no new file for too long.

``landing_freshness`` on each ``raw/<entity>`` fails (severity WARN, not blocking) when the newest file
in ``$SEGMENTS_LANDING_DIR/<entity>/`` was written more than SEGMENTS_FRESHNESS_HOURS hours ago
(default 36), or when there is none. It measures the wall clock at the time of the run: freshness is
about the feed, not about the as-of date, so a backfill of an old date reports today's state of the feed.
Not blocking, because a late feed still gives a correct warehouse as of D for the rows that arrived;
what is stale is visible in the UI and in `segments run`'s summary.
"""

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from orchestration.assets.ingest import raw_asset_key
from orchestration.environment import OrchestrationSettings
from orchestration.resources import WarehouseResource
from segment_warehouse.contract import ENTITY_NAMES

FRESHNESS_CHECK = "landing_freshness"
LANDING_SUFFIXES = (".csv", ".parquet")


def newest_landing_file(landing_dir: Path, entity: str) -> tuple[Path, dt.datetime] | None:
    """The most recently written landing file of an entity and its modification time (UTC)."""
    folder = landing_dir / entity
    if not folder.is_dir():
        return None
    newest: tuple[Path, float] | None = None
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix.lower() in LANDING_SUFFIXES:
            mtime = path.stat().st_mtime
            if newest is None or mtime > newest[1]:
                newest = (path, mtime)
    if newest is None:
        return None
    return newest[0], dt.datetime.fromtimestamp(newest[1], dt.UTC)


def freshness_result(landing_dir: Path, entity: str, max_age_hours: float, now: dt.datetime) -> dg.AssetCheckResult:
    found = newest_landing_file(landing_dir, entity)
    metadata: dict[str, object] = {"max_age_hours": max_age_hours, "landing_dir": str(landing_dir / entity)}
    if found is None:
        passed = False
        metadata["reason"] = "no landing file at all"
    else:
        path, written_at = found
        age_hours = (now - written_at).total_seconds() / 3600
        passed = age_hours <= max_age_hours
        metadata.update(
            {
                "newest_file": str(path.relative_to(landing_dir)),
                "newest_file_written_at": written_at.isoformat(timespec="seconds"),
                "age_hours": round(age_hours, 2),
            }
        )
        if not passed:
            metadata["reason"] = f"no new file for {age_hours:.1f} h (limit {max_age_hours:g} h)"
    return dg.AssetCheckResult(
        asset_key=raw_asset_key(entity),
        check_name=FRESHNESS_CHECK,
        passed=passed,
        severity=dg.AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def build_freshness_checks() -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(
            FRESHNESS_CHECK,
            asset=raw_asset_key(entity),
            blocking=False,
            description=(
                f"The newest landing file of {entity} is at most SEGMENTS_FRESHNESS_HOURS hours old (default 36). "
                "A warning: a late feed is reported, not blocking."
            ),
        )
        for entity in ENTITY_NAMES
    ]

    @dg.multi_asset_check(
        name="landing_freshness_checks",
        specs=specs,
        can_subset=True,
        description="Landing feeds are fresh: each entity received a file within SEGMENTS_FRESHNESS_HOURS.",
    )
    def landing_freshness_checks(
        context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource
    ) -> Iterator[dg.AssetCheckResult]:
        settings = OrchestrationSettings.from_env()
        now = dt.datetime.now(dt.UTC)
        landing_dir = warehouse.landing()
        for entity in ENTITY_NAMES:
            if dg.AssetCheckKey(raw_asset_key(entity), FRESHNESS_CHECK) in context.selected_asset_check_keys:
                yield freshness_result(landing_dir, entity, settings.freshness_hours, now)

    return landing_freshness_checks

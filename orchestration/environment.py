"""Every knob of the orchestration, read from the environment (with the documented defaults).

Read when the definitions load (schedule, partitions, which checks block) or when a step runs
(thresholds), never at import time, so that tests and `segments run` can set them first.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def _float(name: str, default: float, minimum: float = 0.0) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a number (default {default})") from None
    if value < minimum:
        raise ValueError(f"{name}={raw!r} must be >= {minimum}")
    return value


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{name}={raw!r} is not a whole number (default {default})") from None
    if value < minimum:
        raise ValueError(f"{name}={raw!r} must be >= {minimum}")
    return value


def _bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name}={raw!r} is not a boolean: use true or false")


@dataclass(frozen=True)
class OrchestrationSettings:
    """What an operator tunes without touching code. Defaults are the documented ones (README)."""

    #: first day that can be materialized or backfilled (SEGMENTS_PARTITIONS_START)
    partitions_start: dt.date
    #: when the daily job runs (SEGMENTS_SCHEDULE_CRON, SEGMENTS_SCHEDULE_TIMEZONE)
    schedule_cron: str
    schedule_timezone: str
    #: an entity whose newest landing file is older than this fails its freshness check
    freshness_hours: float
    #: a segment whose size changes by more than this ratio day over day fails its size check
    max_segment_change_ratio: float
    #: ... unless its previous size was below this many members (small segments swing a lot)
    segment_change_min_size: int
    #: whether the size check stops that segment's exports (default: no, the export breaker guards sends)
    segment_change_blocking: bool
    #: largest frame handed to Great Expectations; bigger tables are validated on their newest rows
    gx_max_rows: int
    #: also count the rows of views (staging, intermediate) after dbt build: that evaluates each view once
    count_view_rows: bool
    #: transient failures (a locked DuckDB file, a network error) are retried this many times
    retry_max: int
    retry_delay_seconds: float

    @classmethod
    def from_env(cls) -> OrchestrationSettings:
        start_raw = os.environ.get("SEGMENTS_PARTITIONS_START", "").strip() or "2023-01-01"
        try:
            start = dt.date.fromisoformat(start_raw)
        except ValueError:
            raise ValueError(f"SEGMENTS_PARTITIONS_START={start_raw!r} is not a YYYY-MM-DD date") from None
        timezone = os.environ.get("SEGMENTS_SCHEDULE_TIMEZONE", "").strip() or "Europe/Paris"
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"SEGMENTS_SCHEDULE_TIMEZONE={timezone!r} is not an IANA time zone (e.g. Europe/Paris, UTC)"
            ) from None
        cron = os.environ.get("SEGMENTS_SCHEDULE_CRON", "").strip() or "0 6 * * *"
        if len(cron.split()) != 5:
            raise ValueError(f"SEGMENTS_SCHEDULE_CRON={cron!r} is not a five-field cron expression (e.g. '0 6 * * *')")
        return cls(
            partitions_start=start,
            schedule_cron=cron,
            schedule_timezone=timezone,
            freshness_hours=_float("SEGMENTS_FRESHNESS_HOURS", 36.0),
            max_segment_change_ratio=_float("SEGMENTS_MAX_SEGMENT_CHANGE_RATIO", 0.5),
            segment_change_min_size=_int("SEGMENTS_SEGMENT_CHANGE_MIN_SIZE", 100),
            segment_change_blocking=_bool("SEGMENTS_SEGMENT_CHANGE_BLOCKING", False),
            gx_max_rows=_int("SEGMENTS_GX_MAX_ROWS", 100_000, minimum=1),
            count_view_rows=_bool("SEGMENTS_COUNT_VIEW_ROWS", False),
            retry_max=_int("SEGMENTS_RETRY_MAX", 3),
            retry_delay_seconds=_float("SEGMENTS_RETRY_DELAY_SECONDS", 20.0),
        )

"""The 24-hour schedule: every day at SEGMENTS_SCHEDULE_CRON in SEGMENTS_SCHEDULE_TIMEZONE (default 06:00
Europe/Paris), materialize the previous full day.

"Previous full day" is the last UTC day that has ended when the schedule fires, because the as-of
instant T = D + 1 day 00:00 UTC (DESIGN §4): at 06:00 in Paris (04:00 or 05:00 UTC) on 2026-11-23 that
is D = 2026-11-22. (A schedule set at 06:00 in Tokyo, 21:00 UTC the day before, computes the day before
that, which is the last one complete in UTC.) The run key is the date, so a tick evaluated twice
launches one run.
"""

from __future__ import annotations

import datetime as dt

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from orchestration.environment import OrchestrationSettings

DAILY_SCHEDULE = "daily_warehouse_schedule"


def previous_full_day(scheduled_at: dt.datetime) -> dt.date:
    """The last UTC day completely before ``scheduled_at`` (an aware datetime)."""
    if scheduled_at.tzinfo is None:
        raise ValueError("scheduled_at must carry a time zone")
    return scheduled_at.astimezone(dt.UTC).date() - dt.timedelta(days=1)


def build_daily_schedule(job: UnresolvedAssetJobDefinition, settings: OrchestrationSettings) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=DAILY_SCHEDULE,
        job=job,
        cron_schedule=settings.schedule_cron,
        execution_timezone=settings.schedule_timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            f"Daily warehouse run at '{settings.schedule_cron}' ({settings.schedule_timezone}): ingest, dbt build "
            "and tests, quality checks, exports and publish for the previous full UTC day."
        ),
    )
    def daily_warehouse_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest | dg.SkipReason:
        if context.scheduled_execution_time is None:
            return dg.SkipReason("no scheduled execution time: this schedule computes the day from it")
        day = previous_full_day(context.scheduled_execution_time)
        if day < settings.partitions_start:
            return dg.SkipReason(f"{day} is before the first partition ({settings.partitions_start})")
        key = day.isoformat()
        return dg.RunRequest(run_key=key, partition_key=key, tags={"segments/trigger": "schedule"})

    return daily_warehouse_schedule

"""Daily partitions: one partition per as-of date D (DESIGN §4).

Partition ``2026-11-22`` is the run as of D = 2026-11-22: it sees everything before
T = 2026-11-23 00:00 UTC. Partitions are UTC days because T is defined in UTC.
``end_offset=1`` makes today's partition exist too, so `segments run` (default: today, DESIGN §3)
can run it; the schedule still asks for the last *complete* day (see schedules.py).
"""

from __future__ import annotations

import datetime as dt

import dagster as dg

from orchestration.environment import OrchestrationSettings


def daily_partitions(settings: OrchestrationSettings) -> dg.DailyPartitionsDefinition:
    """One partition per as-of date, from SEGMENTS_PARTITIONS_START through today (UTC)."""
    return dg.DailyPartitionsDefinition(
        start_date=settings.partitions_start.isoformat(),
        timezone="UTC",
        end_offset=1,
    )


def as_of_date(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext | dg.OpExecutionContext) -> dt.date:
    """The as-of date D of the run: its partition key."""
    key = context.partition_key if not isinstance(context, dg.AssetCheckExecutionContext) else None
    if key is None:
        key = context.run.tags.get("dagster/partition")
    if not key:
        raise dg.Failure(
            "this step needs an as-of date: launch it for one daily partition (the partition key is the as-of date D)"
        )
    return dt.date.fromisoformat(key)

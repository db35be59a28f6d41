"""Run-failure reporting: when a run of the code location fails, log a clear summary.

The summary (which date, which step failed and why, which blocking check failed, what was skipped
because of it) goes to the sensor's tick log in the UI and to the ``segment_warehouse.orchestration``
Python logger (the daemon's output), where an alerting integration can pick it up.
"""

import logging

import dagster as dg

from orchestration.run_summary import RunSummary, failure_digest

logger = logging.getLogger("segment_warehouse.orchestration")


def build_run_failure_sensor() -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name="report_failed_runs",
        default_status=dg.DefaultSensorStatus.RUNNING,
        monitor_all_code_locations=False,
        description="Logs a summary of every failed run: date, failed step and reason, blocking checks, skipped steps.",
    )
    def report_failed_runs(context: dg.RunFailureSensorContext) -> None:
        records = context.instance.all_logs(context.dagster_run.run_id)
        events = [r.dagster_event for r in records if r.dagster_event is not None]
        digest = failure_digest(context.dagster_run, RunSummary.from_events(events))
        context.log.error(digest)
        logger.error(digest)

    return report_failed_runs

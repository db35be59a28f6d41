"""The Dagster code location of the segment warehouse: `dagster dev -m orchestration.definitions` (`make dev`).

Where things are:
- assets/ingest.py    landing files -> raw/<entity> (quarantine and load audit as metadata)
- assets/dbt.py       every dbt model and seed (one `dbt build` per run), dbt tests as asset checks
- assets/exports.py   one asset per export of orchestration/exports.yml, downstream of its segment
- assets/serving.py   the publish step (serving copy for BI), downstream of every model
- checks/             Great Expectations suites (gx_suites.py) run as asset checks on landing tables
                      (landing.py), on outputs (outputs.py), and the landing freshness check (freshness.py)
- partitions.py, jobs.py, schedules.py, sensors.py, resources.py, environment.py (every env knob)

The definitions are built lazily (``@dg.definitions``), when a Dagster tool loads the code location,
not at import: the dbt manifest (a build artefact, see dbt_project.py) is read then.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.assets.dbt import build_dbt_assets, dbt_translator, relations_by_asset_key
from orchestration.assets.exports import build_export_assets
from orchestration.assets.ingest import build_ingest_assets, landing_file_specs
from orchestration.assets.serving import build_publish_asset
from orchestration.checks.freshness import build_freshness_checks
from orchestration.checks.landing import build_landing_checks
from orchestration.checks.outputs import build_output_checks
from orchestration.dbt_project import dbt_project, dbt_resource, prepare_manifest, using_dagster_dev
from orchestration.environment import OrchestrationSettings
from orchestration.jobs import build_daily_job
from orchestration.partitions import daily_partitions
from orchestration.resources import WarehouseResource
from orchestration.schedules import build_daily_schedule
from orchestration.sensors import build_run_failure_sensor


def build_definitions(project_dir: Path | None = None) -> dg.Definitions:
    """Everything of the code location. ``project_dir``: another dbt project (tests), default the repository."""
    settings = OrchestrationSettings.from_env()
    project = dbt_project(project_dir)
    if using_dagster_dev():  # prepare_if_dev(), with this venv's dbt: the UI shows the models being edited
        prepare_manifest(project)
    if not project.manifest_path.exists():
        raise FileNotFoundError(
            f"dbt manifest {project.manifest_path} not found: it is a build artefact. Run `make dev` (which runs "
            "`dbt parse` first), `segments run`, or `python -m orchestration.dbt_project` to prepare it."
        )
    partitions = daily_partitions(settings)

    relations = relations_by_asset_key(project, dbt_translator())
    segment_keys = sorted((k for k, r in relations.items() if r.is_segment), key=lambda k: k.to_user_string())

    ingest = build_ingest_assets(partitions)
    dbt_build = build_dbt_assets(project, partitions)
    exports = build_export_assets(partitions)
    for export in exports:
        for dep in export.asset_deps[export.key]:
            if dep.path[0] == "segments" and dep not in relations:
                raise ValueError(
                    f"export {export.key.path[-1]} (orchestration/exports.yml) names a segment without a model: "
                    f"{dep.to_user_string()} is not a dbt model. Fix the declaration's `segment`."
                )
    publish = build_publish_asset(sorted(relations, key=lambda k: k.to_user_string()), partitions)

    job = build_daily_job()
    return dg.Definitions(
        assets=[*landing_file_specs(), ingest, dbt_build, *exports, publish],
        asset_checks=[build_landing_checks(), build_freshness_checks(), build_output_checks(segment_keys, settings)],
        jobs=[job],
        schedules=[build_daily_schedule(job, settings)],
        sensors=[build_run_failure_sensor()],
        resources={"dbt": dbt_resource(project), "warehouse": WarehouseResource()},
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()

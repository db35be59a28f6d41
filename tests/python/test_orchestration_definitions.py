"""The Dagster code location loads, validates, and is wired as documented (no run needed).

The dbt manifest is prepared explicitly (`dbt parse` into a temporary target directory): it is a build
artefact, and `prepare_if_dev()` only acts under `dagster dev`.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import pytest

from orchestration.dbt_project import dbt_project, prepare_manifest
from orchestration.definitions import build_definitions
from orchestration.environment import OrchestrationSettings
from orchestration.schedules import DAILY_SCHEDULE, previous_full_day
from segment_warehouse.contract import ENTITY_NAMES
from segment_warehouse.exports import load_declarations


@pytest.fixture(scope="module")
def prepared_target(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("dbt_target")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DBT_TARGET_PATH", str(target))
        mp.setenv("DBT_LOG_PATH", str(target / "logs"))
        prepare_manifest(dbt_project(), force=True)
    return target


@pytest.fixture
def defs(prepared_target: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dg.Definitions:
    monkeypatch.setenv("DBT_TARGET_PATH", str(prepared_target))
    monkeypatch.setenv("SEGMENTS_DUCKDB_PATH", str(tmp_path / "wh.duckdb"))
    monkeypatch.setenv("SEGMENTS_LANDING_DIR", str(tmp_path / "landing"))
    for name in ("SEGMENTS_SCHEDULE_CRON", "SEGMENTS_SCHEDULE_TIMEZONE", "SEGMENTS_PARTITIONS_START"):
        monkeypatch.delenv(name, raising=False)
    return build_definitions()


def _manifest(prepared_target: Path) -> dict:
    return json.loads((prepared_target / "manifest.json").read_text(encoding="utf-8"))


def test_definitions_load_and_validate(defs: dg.Definitions) -> None:
    dg.Definitions.validate_loadable(defs)
    repo = defs.get_repository_def()
    assert {job.name for job in repo.get_all_jobs()} >= {"daily_warehouse"}
    assert repo.get_schedule_def(DAILY_SCHEDULE).job_name == "daily_warehouse"


def test_every_dbt_model_and_landing_entity_is_an_asset_grouped_by_layer(
    defs: dg.Definitions, prepared_target: Path
) -> None:
    graph = defs.get_repository_def().asset_graph
    keys = graph.get_all_asset_keys()
    for entity in ENTITY_NAMES:
        node = graph.get(dg.AssetKey(["raw", entity]))
        assert node.group_name == "landing"
    manifest = _manifest(prepared_target)
    models = [n for n in manifest["nodes"].values() if n["resource_type"] == "model"]
    assert models, "the dbt project has no model"
    for model in models:
        if model["config"]["materialized"] == "ephemeral":
            continue
        key = dg.AssetKey([model["config"]["schema"], model["name"]])
        assert key in keys, f"dbt model {model['name']} is not an asset"
        assert graph.get(key).group_name == model["fqn"][1]
    # lineage: landing files -> raw -> staging; exports read their segment, publish reads the marts
    assert dg.AssetKey(["landing_files", "orders"]) in graph.get(dg.AssetKey(["raw", "orders"])).parent_keys
    assert dg.AssetKey(["raw", "orders"]) in graph.get(dg.AssetKey(["staging", "stg_orders"])).parent_keys
    publish_parents = graph.get(dg.AssetKey(["serving", "published"])).parent_keys
    assert dg.AssetKey(["marts", "customers"]) in publish_parents
    for declaration in load_declarations():
        export = graph.get(dg.AssetKey(["exports", declaration.name]))
        assert dg.AssetKey(["segments", f"seg_{declaration.segment}"]) in export.parent_keys
        assert dg.AssetKey(["marts", "customers"]) in export.parent_keys


def test_every_asset_is_partitioned_by_as_of_day(defs: dg.Definitions) -> None:
    graph = defs.get_repository_def().asset_graph
    partitions = {graph.get(k).partitions_def for k in graph.materializable_asset_keys}
    assert len(partitions) == 1
    (daily,) = partitions
    assert isinstance(daily, dg.DailyPartitionsDefinition)
    keys = daily.get_partition_keys()
    assert keys[0] == "2023-01-01"
    assert keys[-1] == dt.datetime.now(dt.UTC).date().isoformat(), "today's partition exists (segments run default)"


def test_checks_are_wired_with_the_documented_blocking(defs: dg.Definitions, prepared_target: Path) -> None:
    graph = defs.get_repository_def().asset_graph
    specs = {key: graph.get_check_spec(key) for key in graph.asset_check_keys}
    by_name: dict[tuple[str, str], dg.AssetCheckSpec] = {
        (key.asset_key.to_user_string(), key.name): spec for key, spec in specs.items()
    }
    for entity in ENTITY_NAMES:
        assert by_name[(f"raw/{entity}", "landing_contract")].blocking
        assert not by_name[(f"raw/{entity}", "landing_freshness")].blocking
    assert not by_name[("raw/customers", "landing_formats")].blocking
    assert by_name[("marts/customers", "customers_domains")].blocking
    assert not by_name[("segments/seg_vip", "segment_size_change")].blocking
    # dbt tests: one check per test attached to one model; severity error <=> blocking; the tests tagged `ci`
    # (raw and staging re-verifications, DAILY_EXCLUDE) are left out of the daily job
    manifest = _manifest(prepared_target)
    dbt_checks = ci_only = 0
    for test in manifest["nodes"].values():
        if test["resource_type"] != "test" or not test.get("attached_node"):
            continue
        model = manifest["nodes"].get(test["attached_node"])
        if model is None or model["resource_type"] != "model":
            continue
        key = (f"{model['config']['schema']}/{model['name']}", test["name"])
        if "ci" in test["tags"]:
            assert key not in by_name, f"dbt test {test['name']} is tagged ci but runs in the daily job"
            ci_only += 1
            continue
        assert key in by_name, f"dbt test {test['name']} is not an asset check"
        assert by_name[key].blocking == (test["config"]["severity"].lower() == "error")
        dbt_checks += 1
    assert dbt_checks > 0
    assert ci_only > 0
    assert not any(key[0].startswith("staging/stg_") for key in by_name), "staging model tests run in CI, not daily"


@pytest.mark.parametrize(
    ("local_time", "zone", "expected"),
    [
        (dt.datetime(2026, 11, 23, 6, 0), "Europe/Paris", "2026-11-22"),  # winter: 05:00 UTC
        (dt.datetime(2026, 7, 1, 6, 0), "Europe/Paris", "2026-06-30"),  # summer: 04:00 UTC
        (dt.datetime(2026, 11, 23, 6, 0), "Asia/Tokyo", "2026-11-21"),  # 21:00 UTC the day before
    ],
)
def test_previous_full_day_is_the_last_complete_utc_day(local_time: dt.datetime, zone: str, expected: str) -> None:
    assert previous_full_day(local_time.replace(tzinfo=ZoneInfo(zone))).isoformat() == expected


def test_schedule_at_six_in_paris_materializes_the_previous_day(defs: dg.Definitions) -> None:
    repo = defs.get_repository_def()
    schedule = repo.get_schedule_def(DAILY_SCHEDULE)
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.execution_timezone == "Europe/Paris"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    fired_at = dt.datetime(2026, 11, 23, 6, 0, tzinfo=ZoneInfo("Europe/Paris"))
    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(instance=instance, scheduled_execution_time=fired_at, repository_def=repo)
        requests = list(schedule.evaluate_tick(context).run_requests or [])
    assert len(requests) == 1
    assert requests[0].partition_key == "2026-11-22"
    assert requests[0].run_key == "2026-11-22"


def test_schedule_time_and_zone_come_from_the_environment(
    prepared_target: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DBT_TARGET_PATH", str(prepared_target))
    monkeypatch.setenv("SEGMENTS_SCHEDULE_CRON", "30 2 * * *")
    monkeypatch.setenv("SEGMENTS_SCHEDULE_TIMEZONE", "America/New_York")
    repo = build_definitions().get_repository_def()
    schedule = repo.get_schedule_def(DAILY_SCHEDULE)
    assert (schedule.cron_schedule, schedule.execution_timezone) == ("30 2 * * *", "America/New_York")
    fired_at = dt.datetime(2026, 11, 23, 2, 30, tzinfo=ZoneInfo("America/New_York"))  # 07:30 UTC
    with dg.instance_for_test() as instance:
        context = dg.build_schedule_context(instance=instance, scheduled_execution_time=fired_at, repository_def=repo)
        (request,) = schedule.evaluate_tick(context).run_requests or []
    assert request.partition_key == "2026-11-22"


def test_bad_schedule_settings_fail_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGMENTS_SCHEDULE_TIMEZONE", "Paris")
    with pytest.raises(ValueError, match="SEGMENTS_SCHEDULE_TIMEZONE='Paris' is not an IANA time zone"):
        OrchestrationSettings.from_env()
    monkeypatch.setenv("SEGMENTS_SCHEDULE_TIMEZONE", "UTC")
    monkeypatch.setenv("SEGMENTS_SCHEDULE_CRON", "every day")
    with pytest.raises(ValueError, match="five-field cron"):
        OrchestrationSettings.from_env()


def test_missing_manifest_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "empty_target"))
    with pytest.raises(FileNotFoundError, match=r"dbt manifest .* not found: it is a build artefact"):
        build_definitions()


def test_blocking_checks_gate_the_steps_downstream(defs: dg.Definitions) -> None:
    """The execution plan: dbt waits for the landing contract; exports and publish wait for the output checks."""
    from dagster._core.execution.api import create_execution_plan

    with dg.instance_for_test() as instance:
        job = defs.resolve_job_def("daily_warehouse")
        plan = create_execution_plan(
            job, run_config={}, tags={"dagster/partition": "2026-11-22"}, instance_ref=instance.get_ref()
        )
    upstream = {
        step.key: {h.step_key for i in step.step_inputs for h in i.get_step_output_handle_dependencies()}
        for step in plan.get_all_steps_in_topo_order()
    }
    assert "landing_quality_checks" in upstream["dbt_build"]
    assert "output_quality_checks" in upstream["serving__published"]
    exports = [key for key in upstream if key.startswith("exports__")]
    assert exports
    for export in exports:
        assert {"dbt_build", "output_quality_checks"} <= upstream[export]

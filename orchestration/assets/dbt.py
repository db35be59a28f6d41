"""Every dbt model and seed as a Dagster asset, built by ONE ``dbt build`` per run.

- asset keys: ``<schema>/<model>`` (``staging/stg_orders``, ``marts/customers``, ``segments/seg_vip``);
  dbt sources ``raw.<entity>`` map to the landing ingest assets ``raw/<entity>``;
- groups: the folder (layer) of the model: staging, intermediate, marts, segments; seeds in ``seeds``;
- dbt tests become asset checks (dagster-dbt); a test of severity ``error`` is *blocking*: when it
  fails, dbt skips the models downstream and Dagster skips the steps downstream (exports, publish);
- the partition key is the as-of date, passed to dbt as SEGMENTS_AS_OF_DATE (read by the as_of_date_string()
  macro at execution time): unlike ``--vars``, it leaves dbt's partial parse valid when the date changes;
- the daily build leaves out what does not guard the day's data (DAILY_EXCLUDE): dbt unit tests, which test the
  SQL logic on fixtures (CI runs them, as dbt recommends), and the tests tagged ``ci``, which re-scan the raw and
  staging layers (views over every landed row) to re-verify guarantees the ingest and staging logic already
  give; a plain ``dbt build`` and the test suite run everything;
- after dbt exits, row counts (and segment sizes with their day-over-day change) are added to
  each materialization's metadata, read through one read-only DuckDB connection. Tables are counted
  (cheap in DuckDB); views only with SEGMENTS_COUNT_VIEW_ROWS=true, since counting a view evaluates it
  (seconds per staging view at 50 M web events).
"""

import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration.environment import OrchestrationSettings
from orchestration.partitions import as_of_date
from orchestration.resources import WAREHOUSE_POOL, WarehouseResource
from orchestration.retries import is_transient, retry_request
from orchestration.table_metrics import row_count, segment_metadata, segment_size
from segment_warehouse.memory import release_freed_memory

#: name of the op (and of the step in run logs) that runs dbt build
DBT_BUILD_OP = "dbt_build"
#: dbt selection the daily job leaves out (see the module docstring)
DAILY_EXCLUDE = "resource_type:unit_test tag:ci"
#: the environment variable through which the as-of date reaches dbt (macros/as_of_date.sql)
AS_OF_ENV = "SEGMENTS_AS_OF_DATE"


class LayeredDbtTranslator(DagsterDbtTranslator):
    """Groups dbt assets by layer: the model's folder under models/ (staging, intermediate, marts, segments)."""

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        return spec.replace_attributes(group_name=layer_of(props))


def layer_of(props: Mapping[str, Any]) -> str:
    """The group of a dbt node: ``seeds``, ``raw`` for sources, else the first folder under models/."""
    resource_type = props.get("resource_type")
    if resource_type == "seed":
        return "seeds"
    if resource_type == "source":
        return "landing"
    fqn = props.get("fqn") or []
    return str(fqn[1]) if len(fqn) > 2 else "models"


def dbt_translator() -> LayeredDbtTranslator:
    """Tests of models become asset checks. Tests of sources (``source('raw', ...)``) stay observations of
    ``raw/<entity>``: were they checks of this multi-asset, Dagster would exempt the dbt step from waiting for
    the blocking landing checks on raw/<entity> (a multi-asset checking an upstream key is not gated by it).
    The landing contract is enforced by the Great Expectations suite instead (checks/landing.py); dbt still
    runs the source tests, and a failing one of severity error fails the build."""
    return LayeredDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


class _SourceTestObservationNotice(logging.Filter):
    """Drops dagster-dbt's per-test notice that a *source* test is logged as an observation (by design, above)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Logging an `AssetObservation` instead") and "dbt test `source_" in message)


logging.getLogger("dagster.builtin").addFilter(_SourceTestObservationNotice())


@dataclass(frozen=True)
class Relation:
    """Where a dbt asset lives in the warehouse, and what it is."""

    schema: str
    name: str
    materialized: str
    is_segment: bool


def relations_by_asset_key(project: DbtProject, translator: DagsterDbtTranslator) -> dict[dg.AssetKey, Relation]:
    """Asset key -> warehouse relation, for every model and seed of the manifest."""
    manifest = json.loads(Path(project.manifest_path).read_text(encoding="utf-8"))
    relations: dict[dg.AssetKey, Relation] = {}
    for unique_id, node in manifest["nodes"].items():
        if node["resource_type"] not in {"model", "seed", "snapshot"}:
            continue
        config = node.get("config") or {}
        if config.get("materialized") == "ephemeral":
            continue
        key = translator.get_asset_spec(manifest, unique_id, project).key
        relations[key] = Relation(
            schema=node["schema"],
            name=node.get("alias") or node["name"],
            materialized=str(config.get("materialized") or node["resource_type"]),
            is_segment="segment" in (config.get("tags") or node.get("tags") or []),
        )
    return relations


def build_dbt_assets(project: DbtProject, partitions_def: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The ``@dbt_assets`` definition of the whole dbt project (manifest prepared beforehand)."""
    translator = dbt_translator()
    relations = relations_by_asset_key(project, translator)

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        exclude=DAILY_EXCLUDE,
        name=DBT_BUILD_OP,
        dagster_dbt_translator=translator,
        partitions_def=partitions_def,
        # one run per as-of date: dbt builds one date at a time
        backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
        pool=WAREHOUSE_POOL,
    )
    def dbt_build(
        context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
    ) -> Iterator[Any]:
        """``dbt build`` of the selected models, seeds and tests as of the partition's date."""
        as_of = as_of_date(context)
        release_freed_memory()  # the dbt process runs beside this one: give back what earlier steps freed
        with _environment(AS_OF_ENV, as_of.isoformat()):
            invocation = dbt.cli(
                ["build"],
                context=context,
                raise_on_error=False,
                # one reused directory (not one per invocation): runs of the pool never overlap, and dbt's
                # partial parse state (partial_parse.msgpack) carries over from one day to the next
                target_path=Path(project.target_path) / "dagster_build",
            )
            events = list(invocation.stream())
        failure = None if invocation.is_successful() else invocation.get_error()
        if failure is not None and (is_transient(failure) or _mentions_lock(invocation)):
            raise retry_request(context, f"dbt build met a locked warehouse: {failure}")
        yield from _with_table_metrics(context, events, relations, warehouse, as_of)
        if failure is not None:
            raise dg.Failure(
                description=f"dbt build as of {as_of} failed: {_run_results_summary(invocation)}",
                metadata={"dbt_command": invocation.dbt_command, "error": str(failure)[:4000]},
            )

    return dbt_build


@contextmanager
def _environment(name: str, value: str) -> Iterator[None]:
    """Set one environment variable for the dbt subprocess started inside the block (dagster-dbt passes the
    process environment on), then restore it. Runs of the warehouse pool never overlap."""
    previous = os.environ.get(name)
    os.environ[name] = value
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = previous


def _mentions_lock(invocation: Any) -> bool:
    messages = " ".join(getattr(invocation, "_error_messages", []) or [])
    return is_transient(messages) if messages else False


def _run_results_summary(invocation: Any) -> str:
    """'2 tests failed (unique_customers_customer_id, ...), 1 model error, 14 skipped' from run_results.json."""
    try:
        results = invocation.get_artifact("run_results.json")["results"]
    except (OSError, KeyError, ValueError):
        return "dbt did not write run_results.json; see the dbt output in the step's logs"
    failed_tests = [r["unique_id"].split(".")[2] for r in results if r["status"] in {"fail"}]
    errors = [r["unique_id"].split(".")[2] for r in results if r["status"] in {"error", "runtime error"}]
    skipped = sum(1 for r in results if r["status"] == "skipped")
    parts = []
    if failed_tests:
        parts.append(f"{len(failed_tests)} test(s) failed ({', '.join(failed_tests[:10])})")
    if errors:
        parts.append(f"{len(errors)} node(s) in error ({', '.join(errors[:10])})")
    parts.append(f"{skipped} node(s) skipped")
    return "; ".join(parts)


def _with_table_metrics(
    context: dg.AssetExecutionContext,
    events: list[Any],
    relations: Mapping[dg.AssetKey, Relation],
    warehouse: WarehouseResource,
    as_of: Any,
) -> Iterator[Any]:
    """The dbt events, each model's Output enriched with its row count (and segment size history)."""
    outputs = [e for e in events if isinstance(e, dg.Output)]
    count_views = OrchestrationSettings.from_env().count_view_rows
    extra: dict[str, dict[str, object]] = {}
    if outputs:
        try:
            with warehouse.connection(read_only=True) as con:
                for output in outputs:
                    key = context.asset_key_for_output(output.output_name)
                    relation = relations.get(key)
                    if relation is None:
                        continue
                    metadata: dict[str, object] = {"materialized": relation.materialized}
                    if relation.materialized != "view" or count_views:
                        count = row_count(con, relation.schema, relation.name)
                        if count is not None:
                            metadata["dagster/row_count"] = count
                    if relation.is_segment:
                        size = segment_size(con, relation.name, as_of)
                        if size is not None:
                            metadata.update(segment_metadata(size))
                    extra[output.output_name] = metadata
        except Exception as exc:  # metrics are observability, never a reason to fail a build
            context.log.warning(f"could not read row counts after dbt build: {exc}")
    for event in events:
        if isinstance(event, dg.Output) and extra.get(event.output_name):
            yield event.with_metadata({**event.metadata, **extra[event.output_name]})
        else:
            yield event

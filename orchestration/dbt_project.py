"""The dbt project at the repository root, and the preparation of its manifest.

The manifest (``<target>/manifest.json``) is a build artefact, never committed and never produced at
import time: `make dev` runs ``dbt parse`` before ``dagster dev`` (and ``prepare_if_dev()`` re-parses on
every reload under ``dagster dev``); `segments run` and the tests call :func:`prepare_manifest`.
The target directory is ``$DBT_TARGET_PATH`` when set (dbt's own variable), else ``target/``.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging import version

from segment_warehouse.settings import PROJECT_DIR

#: what the manifest is derived from: when one of these is newer than the manifest, it is stale
_DBT_SOURCES = ("models", "macros", "seeds", "tests/dbt", "dbt_project.yml", "profiles.yml")


def target_path() -> Path:
    """Where dbt writes its artefacts (absolute, or relative to the project directory)."""
    return Path(os.environ.get("DBT_TARGET_PATH") or "target")


def dbt_executable() -> str:
    """The dbt of this virtualenv, so that `.venv/bin/segments` works without an activated venv."""
    beside_python = Path(sys.executable).parent / "dbt"
    return str(beside_python) if beside_python.exists() else "dbt"


def dbt_project(project_dir: Path | None = None) -> DbtProject:
    """The dbt project (repository root by default), its profiles beside it."""
    root = Path(project_dir) if project_dir is not None else PROJECT_DIR
    return DbtProject(project_dir=root, profiles_dir=root, target_path=target_path())


class WarehouseDbtCliResource(DbtCliResource):
    """dagster-dbt's CLI resource, reading dbt's version from the installed dbt-core package instead of
    running `dbt --version` in a subprocess before every invocation (two seconds per run saved)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))


def dbt_resource(project: DbtProject) -> DbtCliResource:
    return WarehouseDbtCliResource(
        project_dir=project,
        profiles_dir=os.fspath(project.profiles_dir),
        dbt_executable=dbt_executable(),
    )


def manifest_is_stale(project: DbtProject) -> bool:
    """True when the manifest is missing or older than a file it is parsed from."""
    manifest = project.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    for name in _DBT_SOURCES:
        source = project.project_dir / name
        if not source.exists():
            continue
        files = [source] if source.is_file() else (p for p in source.rglob("*") if p.is_file())
        if any(f.stat().st_mtime > built for f in files):
            return True
    return False


def using_dagster_dev() -> bool:
    """True in a process started by `dagster dev` (where the manifest is re-prepared on every reload)."""
    return bool(os.environ.get("DAGSTER_IS_DEV_CLI"))


def prepare_manifest(project: DbtProject, *, force: bool = False) -> Path:
    """Run ``dbt parse`` when the manifest is missing or stale (or always with ``force``); return its path."""
    if force or manifest_is_stale(project):
        dbt_resource(project).cli(["parse", "--quiet"], target_path=project.target_path).wait()
    if not project.manifest_path.exists():
        raise RuntimeError(
            f"dbt parse did not produce {project.manifest_path}: run `dbt parse` in {project.project_dir} "
            "to see the error"
        )
    return project.manifest_path


if __name__ == "__main__":  # python -m orchestration.dbt_project: prepare the manifest by hand
    path = prepare_manifest(dbt_project(), force=True)
    print(f"dbt manifest ready: {path}")

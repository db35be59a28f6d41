"""Resources of the code location, configured from environment variables (DESIGN §3).

- ``warehouse``: the DuckDB warehouse file and the landing directory (SEGMENTS_DUCKDB_PATH,
  SEGMENTS_LANDING_DIR, SEGMENTS_THREADS, SEGMENTS_MEMORY_LIMIT), read when a step runs;
- ``dbt``: dagster-dbt's CLI resource on the repository's dbt project (profiles.yml reads the same
  variables, plus SEGMENTS_DBT_TARGET to pick DuckDB or PostgreSQL).

Every step that opens the DuckDB file runs in the concurrency pool :data:`WAREHOUSE_POOL`; the
instance configuration (orchestration/dagster.yaml) gives pools a limit of 1, because DuckDB allows
one writer *or* many readers per file, across processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import dagster as dg
import duckdb

from segment_warehouse.settings import Settings
from segment_warehouse.warehouse import connect

#: concurrency pool of every step that opens the DuckDB warehouse file (limit 1, see dagster.yaml)
WAREHOUSE_POOL = "duckdb_warehouse"


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse and its landing directory. Empty fields mean: from the environment."""

    duckdb_path: str = ""
    landing_dir: str = ""

    def settings(self) -> Settings:
        """The environment's settings, with this resource's explicit paths (if any) in place."""
        settings = Settings.from_env()
        if self.duckdb_path:
            settings = replace(settings, duckdb_path=Path(self.duckdb_path))
        if self.landing_dir:
            settings = replace(settings, landing_dir=Path(self.landing_dir))
        return settings

    def path(self) -> Path:
        return self.settings().duckdb_path

    def landing(self) -> Path:
        return self.settings().landing_dir

    @contextmanager
    def connection(self, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A short-lived connection (UTC, bounded threads and memory), closed on exit."""
        con = connect(self.path(), read_only=read_only, settings=self.settings())
        try:
            yield con
        finally:
            con.close()

"""Building a throwaway warehouse for the customer-facts tests: landing files → ingest → dbt, all under tmp paths.

dbt runs in-process (dbtRunner) with the environment of the warehouse (SEGMENTS_DUCKDB_PATH, threads) and its
own target and log paths, so tests can run beside anything else.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from segment_warehouse.settings import PROJECT_DIR


@contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@dataclass(frozen=True)
class ScratchWarehouse:
    """A warehouse file in a temporary directory, with its own dbt target and log paths."""

    root: Path
    threads: int = 2

    @property
    def db_path(self) -> Path:
        return self.root / "warehouse.duckdb"

    def environment(self) -> dict[str, str]:
        return {
            "SEGMENTS_DUCKDB_PATH": str(self.db_path),
            "SEGMENTS_LANDING_DIR": str(self.root / "landing"),
            "SEGMENTS_THREADS": str(self.threads),
            "SEGMENTS_DBT_THREADS": str(self.threads),
        }

    def ingest(self, landing_dir: Path) -> None:
        from segment_warehouse.ingest import ingest_all
        from segment_warehouse.warehouse import connect

        with _environment(self.environment()):
            con = connect(self.db_path)
            try:
                ingest_all(landing_dir, con=con, progress=None)
            finally:
                con.close()

    def dbt(self, *args: str, as_of: dt.date | None = None) -> None:
        from dbt.cli.main import dbtRunner

        command = [*args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR)]
        command += ["--target-path", str(self.root / "target"), "--log-path", str(self.root / "logs"), "--quiet"]
        if as_of is not None:
            command += ["--vars", json.dumps({"as_of_date": as_of.isoformat()})]
        with _environment(self.environment()):
            result = dbtRunner().invoke(command)
        failed = []
        if result.result is not None and hasattr(result.result, "results"):
            failed = [
                f"{r.node.unique_id}: {r.status} {r.message or ''}"
                for r in result.result.results
                if str(r.status) not in {"success", "pass", "warn", "skipped", "no-op"}
            ]
        assert result.success, f"dbt {' '.join(args)} failed in {self.root}: {result.exception or failed}"

    def build_customer_facts(self, as_of: dt.date) -> None:
        """Seeds, then the three customer-fact marts and everything upstream, with their tests."""
        self.dbt("seed")
        self.dbt(
            "build",
            "--select",
            "+marts.customers",
            "+marts.orders",
            "+marts.messages",
            "--indirect-selection",
            "cautious",
            as_of=as_of,
        )

    @contextmanager
    def connection(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection in UTC. Read-write on purpose: dbt ran in this process and DuckDB refuses a second,
        differently configured (read-only) connection to a file its instance cache still holds."""
        con = duckdb.connect(str(self.db_path))
        try:
            con.execute("set TimeZone = 'UTC'")
            yield con
        finally:
            con.close()

    def rows(self, sql: str) -> list[dict[str, Any]]:
        with self.connection() as con:
            cursor = con.execute(sql)
            names = [d[0] for d in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

"""Opening the DuckDB warehouse the same way everywhere: UTC, bounded memory and threads."""

from __future__ import annotations

from pathlib import Path

import duckdb

from segment_warehouse.settings import Settings

SCHEMAS = ("raw", "staging", "intermediate", "marts", "segments")


def connect(
    path: Path | str | None = None, *, read_only: bool = False, settings: Settings | None = None
) -> duckdb.DuckDBPyConnection:
    """Open the warehouse (default: ``SEGMENTS_DUCKDB_PATH``) with ``TimeZone = 'UTC'`` (DESIGN §4)."""
    settings = settings or Settings.from_env()
    target = Path(path) if path is not None else settings.duckdb_path
    if not read_only:
        target.parent.mkdir(parents=True, exist_ok=True)
    elif not target.exists():
        raise FileNotFoundError(f"warehouse {target} does not exist: run `segments run` first")
    con = duckdb.connect(str(target), read_only=read_only)
    return configure(con, settings)


def configure(con: duckdb.DuckDBPyConnection, settings: Settings | None = None) -> duckdb.DuckDBPyConnection:
    """UTC, and SEGMENTS_THREADS / SEGMENTS_MEMORY_LIMIT, on a connection opened by other means.

    Without them DuckDB takes the machine's zone, every core and 80 % of the machine's memory: a copy of the
    warehouse would not stay within the memory the daily job is given.
    """
    settings = settings or Settings.from_env()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"set threads = {int(settings.threads)}")
    con.execute(f"set memory_limit = '{settings.memory_limit}'")
    return con

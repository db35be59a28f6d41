"""Paths and limits read from the environment (DESIGN §3). One place, so nothing drifts."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from segment_warehouse.cli import UserError


class SettingsError(UserError, ValueError):
    """An environment variable the settings cannot use: `segments` prints the message without a traceback."""


#: repository root: the dbt project lives here
PROJECT_DIR = Path(__file__).resolve().parent.parent

#: DuckDB memory_limit when SEGMENTS_MEMORY_LIMIT is unset (profiles.yml has the same default). DuckDB spills
#: beyond it; its process holds somewhat more than the limit, and the daily job's Dagster process runs beside
#: the dbt process, so the machine's peak is about twice this (README "Memory and threads").
DEFAULT_MEMORY_LIMIT = "1GB"


def memory_limit_from_env() -> str:
    """SEGMENTS_MEMORY_LIMIT, or DEFAULT_MEMORY_LIMIT when it is unset or empty."""
    return os.environ.get("SEGMENTS_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT


#: DuckDB threads per query when SEGMENTS_THREADS is unset (profiles.yml has the same default)
DEFAULT_THREADS = 2


def threads_from_env() -> int:
    """SEGMENTS_THREADS, or DEFAULT_THREADS when it is unset or empty; refused unless a whole number >= 1."""
    value = os.environ.get("SEGMENTS_THREADS") or str(DEFAULT_THREADS)
    try:
        threads = int(value)
    except ValueError:
        threads = 0
    if threads < 1:
        raise SettingsError(
            f"SEGMENTS_THREADS={value!r}: DuckDB threads per query must be a whole number of at least 1 "
            f"(default {DEFAULT_THREADS}); set it to the cores the run may use, or unset it"
        )
    return threads


def _path(env: str, default: str) -> Path:
    value = os.environ.get(env) or default
    path = Path(value)
    return path if path.is_absolute() else Path.cwd() / path


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    duckdb_path: Path
    serving_duckdb_path: Path
    serving_parquet_dir: Path
    exports_dir: Path
    threads: int
    memory_limit: str

    @classmethod
    def from_env(cls) -> Settings:
        duckdb_path = _path("SEGMENTS_DUCKDB_PATH", "warehouse/warehouse.duckdb")
        if duckdb_path.stem in {"raw", "staging", "intermediate", "marts", "segments", "exports"}:
            raise SettingsError(
                f"SEGMENTS_DUCKDB_PATH={duckdb_path}: DuckDB names the catalog after the file, and a file named "
                f"after a schema ({duckdb_path.stem}) makes '{duckdb_path.stem}.<table>' ambiguous. "
                "Choose another file name, e.g. warehouse/warehouse.duckdb."
            )
        return cls(
            landing_dir=_path("SEGMENTS_LANDING_DIR", "data/landing"),
            duckdb_path=duckdb_path,
            serving_duckdb_path=_path("SEGMENTS_SERVING_DUCKDB_PATH", str(duckdb_path.parent / "serving.duckdb")),
            serving_parquet_dir=_path("SEGMENTS_SERVING_PARQUET_DIR", str(duckdb_path.parent / "serving")),
            exports_dir=_path("SEGMENTS_EXPORTS_DIR", "exports"),
            threads=threads_from_env(),
            memory_limit=memory_limit_from_env(),
        )


def today_utc() -> dt.date:
    """The default as-of date: the current UTC date (DESIGN §3)."""
    return dt.datetime.now(dt.UTC).date()


def parse_as_of(value: str | None) -> dt.date:
    """Parse a YYYY-MM-DD as-of date, or return today's UTC date when none is given."""
    if value is None or value == "":
        return today_utc()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"as-of date {value!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-22") from None

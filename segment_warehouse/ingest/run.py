"""`segments ingest` and `ingest_all()`: every entity's new landing files into the raw schema."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import duckdb

from segment_warehouse.contract import ENTITY_NAMES, create_raw_tables
from segment_warehouse.ingest.errors import IngestError
from segment_warehouse.ingest.loader import Progress, ingest_entity
from segment_warehouse.ingest.report import IngestReport
from segment_warehouse.settings import Settings
from segment_warehouse.warehouse import connect


def ingest_all(
    landing_dir: Path | str | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    entities: Sequence[str] | None = None,
    progress: Progress | None = print,
) -> IngestReport:
    """Load the new files of every entity (or of `entities`) from the landing directory into raw.

    Defaults: landing directory `$SEGMENTS_LANDING_DIR`, the warehouse of `connect()`. An entity that
    fails (missing required column, non-UTF-8 file) does not stop the others: the report says which
    failed (`report.ok`, `report.raise_if_failed()`). The raw tables exist afterwards, possibly empty.
    """
    landing = Path(landing_dir) if landing_dir is not None else Settings.from_env().landing_dir
    names = list(entities) if entities else list(ENTITY_NAMES)
    unknown = [n for n in names if n not in ENTITY_NAMES]
    if unknown:
        raise IngestError(
            f"unknown entit{'y' if len(unknown) == 1 else 'ies'} {', '.join(unknown)}: "
            f"choose among {', '.join(ENTITY_NAMES)}"
        )
    if not landing.is_dir():
        raise IngestError(
            f"landing directory {landing} does not exist: drop files in <landing>/<entity>/, run `segments generate`, "
            "or set SEGMENTS_LANDING_DIR / --landing-dir"
        )
    own_connection = con is None
    connection = connect() if con is None else con
    try:
        create_raw_tables(connection)
        report = IngestReport(str(landing))
        if progress is not None:
            progress(f"ingest from {landing}")
        for name in names:
            report.entities.append(ingest_entity(connection, name, landing, progress))
        if progress is not None:
            progress(report.summary_table())
        return report
    finally:
        if own_connection:
            connection.close()


def cli_ingest(args: argparse.Namespace) -> int:
    """`segments ingest [--landing-dir DIR] [--entity X]...`: exit 1 if any entity failed (after loading the others)."""
    report = ingest_all(landing_dir=args.landing_dir, entities=args.entity)
    if report.ok:
        return 0
    for failed in report.failed:
        print(f"error: {failed.entity}: {failed.error}", file=sys.stderr)
    return 1

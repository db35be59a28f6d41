"""`segments run --as-of D`: ingest, then dbt build for that as-of date.

Provisional: the orchestration issue replaces the body with the Dagster job executed in-process.
"""

from __future__ import annotations

import argparse

from segment_warehouse.cli import UserError
from segment_warehouse.settings import PROJECT_DIR, parse_as_of


def cli_run(args: argparse.Namespace) -> int:
    from dbt.cli.main import dbtRunner

    from segment_warehouse.ingest import ingest_all

    as_of = parse_as_of(args.as_of)
    ingest_all()
    result = dbtRunner().invoke(
        [
            "build",
            "--project-dir",
            str(PROJECT_DIR),
            "--profiles-dir",
            str(PROJECT_DIR),
            "--vars",
            f"{{as_of_date: '{as_of}'}}",
        ]
    )
    if not result.success:
        raise UserError(f"dbt build failed for as-of date {as_of}: see the dbt output above")
    return 0

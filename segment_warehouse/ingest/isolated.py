"""The ingest in a process of its own, so that its memory goes back to the system when it ends.

DuckDB's allocator keeps much of what a big load used (hundreds of MiB at 1 000 000 customers) for as long
as the process lives. The daily job runs in one long-lived Dagster process, and the dbt build that follows
the ingest runs in a second process beside it: whatever the ingest kept would add to the peak. Run in a
child process (segment_warehouse.child_process), the ingest's memory is released when the child exits.
Progress lines are relayed to the caller as they come; the report and the raw tables' state come back when
the child is done; an error in the child is raised again in the caller with the child's message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb

from segment_warehouse.child_process import SubprocessFailed, call_in_subprocess
from segment_warehouse.ingest.errors import IngestError
from segment_warehouse.ingest.loader import Progress
from segment_warehouse.ingest.report import IngestReport
from segment_warehouse.ingest.run import ingest_all
from segment_warehouse.settings import Settings
from segment_warehouse.warehouse import connect


@dataclass(frozen=True)
class RawTableState:
    """One raw table after the ingest: its rows, its quarantined rows, the main quarantine reasons."""

    entity: str
    row_count: int
    quarantined_total: int
    quarantine_reasons: tuple[tuple[str, int], ...]  # (reason, rows), most frequent first


#: what the ingest's child process sends back: its report, and the state of each raw table it loaded
IngestOutcome = tuple[IngestReport, dict[str, RawTableState]]


class IngestProcessError(IngestError):
    """The ingest's child process failed (its error is in the message) or died (killed, out of memory)."""


def raw_table_state(con: duckdb.DuckDBPyConnection, entity: str, reasons: int = 5) -> RawTableState:
    """Rows of raw.<entity>, its rows in raw.quarantine, and the `reasons` most frequent quarantine reasons."""
    rows = con.execute(f"select count(*) from raw.{entity}").fetchone()
    quarantined = con.execute("select count(*) from raw.quarantine where entity = ?", [entity]).fetchone()
    top = con.execute(
        "select reason, count(*) as n from raw.quarantine where entity = ? group by reason order by n desc, reason "
        f"limit {int(reasons)}",
        [entity],
    ).fetchall()
    return RawTableState(
        entity=entity,
        row_count=int(rows[0]) if rows else 0,
        quarantined_total=int(quarantined[0]) if quarantined else 0,
        quarantine_reasons=tuple((str(reason), int(n)) for reason, n in top),
    )


def _ingest(landing_dir: str, settings: Settings, entities: list[str], progress: Progress) -> IngestOutcome:
    """Runs in the child: the ingest, then the state of each raw table it loaded."""
    con = connect(settings.duckdb_path, settings=settings)
    try:
        report = ingest_all(landing_dir=landing_dir, con=con, entities=entities, progress=progress)
        states = {result.entity: raw_table_state(con, result.entity) for result in report.entities if result.ok}
    finally:
        con.close()
    return report, states


def ingest_in_subprocess(
    landing_dir: Path,
    settings: Settings,
    entities: Sequence[str],
    progress: Progress | None = print,
    *,
    child: Callable[..., IngestOutcome] | None = None,
) -> IngestOutcome:
    """`ingest_all` into `settings.duckdb_path`, run in a child process; returns its report and table states.

    Raises IngestProcessError with the child's message when the ingest raised, or with its exit code when the
    child died without a word (killed, e.g. by the kernel when out of memory). `child` replaces the function
    the child runs (tests; it receives the same arguments as the default).
    """
    try:
        return call_in_subprocess(
            child or _ingest,
            (str(landing_dir), settings, list(entities)),
            name="segments-ingest",
            progress=progress,
            relay_progress=True,
            died_hint="lower SEGMENTS_MEMORY_LIMIT or free memory, then run again (files already loaded are skipped)",
        )
    except SubprocessFailed as exc:
        raise IngestProcessError(f"ingest from {landing_dir} failed in its process: {exc}") from None

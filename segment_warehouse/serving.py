"""Write-audit-publish: the serving copy BI tools read (the publish step of the daily run).

The daily run builds into the working warehouse (SEGMENTS_DUCKDB_PATH); only after its blocking checks pass
does it call :func:`publish`, which snapshots every ``marts`` and ``segments`` table into what readers use:

``serving.duckdb`` (SEGMENTS_SERVING_DUCKDB_PATH, default next to the warehouse)
    A new DuckDB file is written beside the target (``.serving-<id>.duckdb``), checkpointed and closed,
    then moved onto ``serving.duckdb`` with ``os.replace`` — an atomic rename. A reader that opened the
    previous file keeps its inode and a consistent view of the previous day; the next connection sees the
    new day. The run never opens ``serving.duckdb`` itself, so readers never block it.
    ``marts.published`` (one row: as_of_date, published_at, source_warehouse, tables, total_rows) says
    which day readers see; ``marts.published_tables`` lists every table with its row count.

Parquet (SEGMENTS_SERVING_PARQUET_DIR, default ``<warehouse dir>/serving``)
    ``versions/<as_of_date>_<published_at>/<schema>/<table>.parquet`` is written in full first (with a
    ``_manifest.json``), then published two ways:

    - ``current`` — a symlink swapped atomically (``os.replace`` of a new symlink) to the new version.
      **To read several tables of one consistent day, resolve ``current`` once** (``os.path.realpath``,
      ``readlink``) and read every file from that version directory. The last ``KEEP_VERSIONS`` versions
      are kept, so a reader that resolved the pointer keeps a complete day through the next publishes.
    - ``<schema>/<table>.parquet`` — the stable path of each table (hard links to the version's files,
      each replaced atomically): always a complete file of the latest day, convenient for one-table readers
      and globs; across several tables, only ``current`` guarantees one day.

If the blocking checks fail the caller does not call :func:`publish`: nothing changes and readers keep the
last good day.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import yaml

from segment_warehouse import settings as settings_module
from segment_warehouse.cli import UserError
from segment_warehouse.settings import Settings, parse_as_of
from segment_warehouse.warehouse import configure

#: schemas published to readers (DESIGN §3: marts and segments are what BI tools read)
PUBLISHED_SCHEMAS = ("marts", "segments")
#: Parquet versions kept after a publish (the new one included)
KEEP_VERSIONS = 3
#: marker tables written into the serving copy's marts schema
MARKER_TABLE = "published"
MARKER_TABLES_TABLE = "published_tables"


@dataclass(frozen=True)
class PublishedTable:
    schema: str
    name: str
    rows: int


@dataclass(frozen=True)
class PublishReport:
    as_of_date: dt.date
    published_at: dt.datetime
    serving_duckdb_path: Path
    parquet_dir: Path
    parquet_version_dir: Path
    tables: list[PublishedTable] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(t.rows for t in self.tables)

    def summary(self) -> str:
        per_schema = {s: sum(1 for t in self.tables if t.schema == s) for s in PUBLISHED_SCHEMAS}
        counts = ", ".join(f"{n} {s}" for s, n in per_schema.items())
        return (
            f"published {self.as_of_date}: {len(self.tables)} tables ({counts}), {self.total_rows:,} rows "
            f"in {self.seconds:.1f} s\n"
            f"  DuckDB  {self.serving_duckdb_path}\n"
            f"  Parquet {self.parquet_dir / 'current'} -> {self.parquet_version_dir.name}"
        )


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _published_relations(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    """(schema, table) of every table and view of the published schemas in `catalog`, in a stable order."""
    schemas = ", ".join(_literal(s) for s in PUBLISHED_SCHEMAS)
    rows = con.execute(
        "select table_schema, table_name from information_schema.tables "
        f"where table_catalog = ? and table_schema in ({schemas}) and table_type in ('BASE TABLE', 'VIEW') "
        "order by table_schema, table_name",
        [catalog],
    ).fetchall()
    return [(s, t) for s, t in rows if not (s == "marts" and t in {MARKER_TABLE, MARKER_TABLES_TABLE})]


def _open_working(working_path: Path, settings: Settings) -> duckdb.DuckDBPyConnection:
    """The working warehouse, read-only; or, when this process already has it open read-write (the run's own
    connection), a new connection to that same database instance (DuckDB refuses a second configuration).
    UTC, threads and memory_limit from `settings`."""
    if not working_path.exists():
        raise UserError(f"working warehouse {working_path} does not exist: run `segments run` first")
    try:
        return configure(duckdb.connect(str(working_path), read_only=True), settings)
    except duckdb.ConnectionException:  # already open in this process with another configuration
        return configure(duckdb.connect(str(working_path)), settings)
    except duckdb.Error as exc:
        raise UserError(
            f"cannot read the working warehouse {working_path}: {str(exc).splitlines()[0]}. "
            "Is a run writing it? Publish from that run, or when it has finished."
        ) from None


@contextlib.contextmanager
def _snapshot_connection(
    temp_path: Path, working_path: Path, con: duckdb.DuckDBPyConnection | None, settings: Settings
) -> Iterator[tuple[duckdb.DuckDBPyConnection, str, str]]:
    """A connection that sees the working warehouse (source catalog) and the new file (target catalog).

    The new file is attached read-write to the caller's connection (the run's), else to a connection of our
    own to the working warehouse, and detached (closed) at the end.
    """
    own = con is None
    connection = _open_working(working_path, settings) if con is None else con
    try:
        if own:  # the serving copy has no row order to keep (copying 49.5 M rows: 55 s instead of 66 s)
            connection.execute("set preserve_insertion_order = false")
        source = connection.execute("select current_database()").fetchone()[0]
        target = f"serving_snapshot_{uuid.uuid4().hex[:8]}"
        connection.execute(f"attach {_literal(str(temp_path))} as {_quote(target)} (read_write)")
        try:
            yield connection, source, target
        finally:
            with contextlib.suppress(duckdb.Error):
                connection.execute(f"detach {_quote(target)}")
    finally:
        if own:
            connection.close()


def _copy_tables(
    con: duckdb.DuckDBPyConnection,
    source: str,
    target: str,
    as_of_date: dt.date,
    published_at: dt.datetime,
    working_path: Path,
) -> list[PublishedTable]:
    """Copy the published schemas into the target catalog in one transaction (one consistent snapshot)."""
    relations = _published_relations(con, source)
    if not any(schema == "marts" for schema, _ in relations):
        raise UserError(f"the working warehouse {working_path} has no marts tables: run `segments run` first")
    tables: list[PublishedTable] = []
    con.execute("begin transaction")
    try:
        for schema in PUBLISHED_SCHEMAS:
            con.execute(f"create schema if not exists {_quote(target)}.{_quote(schema)}")
        for schema, name in relations:
            qualified = f"{_quote(schema)}.{_quote(name)}"
            con.execute(f"create table {_quote(target)}.{qualified} as select * from {_quote(source)}.{qualified}")
            rows = con.execute(f"select count(*) from {_quote(target)}.{qualified}").fetchone()[0]
            tables.append(PublishedTable(schema, name, int(rows)))
        marts = f"{_quote(target)}.marts"
        con.execute(
            f"create table {marts}.{MARKER_TABLES_TABLE} "
            "(table_schema varchar not null, table_name varchar not null, row_count bigint not null)"
        )
        con.executemany(
            f"insert into {marts}.{MARKER_TABLES_TABLE} values (?, ?, ?)", [(t.schema, t.name, t.rows) for t in tables]
        )
        con.execute(
            f"create table {marts}.{MARKER_TABLE} (as_of_date date not null, published_at timestamp not null, "
            "source_warehouse varchar not null, tables integer not null, total_rows bigint not null)"
        )
        con.execute(
            f"insert into {marts}.{MARKER_TABLE} values (?, ?, ?, ?, ?)",
            [as_of_date, published_at, str(working_path), len(tables), sum(t.rows for t in tables)],
        )
        con.execute("commit")
    except BaseException:
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        raise
    return tables


def _write_parquet(con: duckdb.DuckDBPyConnection, catalog: str, version_dir: Path, tables: list[PublishedTable]):
    """Every published table, and the two marker tables, as Parquet under `version_dir/<schema>/`."""
    markers = [PublishedTable("marts", MARKER_TABLE, 1), PublishedTable("marts", MARKER_TABLES_TABLE, len(tables))]
    for table in [*tables, *markers]:
        path = version_dir / table.schema / f"{table.name}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            f"copy (select * from {_quote(catalog)}.{_quote(table.schema)}.{_quote(table.name)}) "
            f"to {_literal(str(path))} (format parquet, compression zstd)"
        )


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _swap_symlink(link: Path, target: str) -> None:
    """Point `link` at `target` atomically (a new symlink renamed over the old one)."""
    temp = link.with_name(f".{link.name}.{uuid.uuid4().hex[:8]}")
    os.symlink(target, temp)
    os.replace(temp, link)


def _publish_stable_paths(parquet_dir: Path, version_dir: Path) -> None:
    """`<schema>/<table>.parquet` hard-linked to the new version's files, each replaced atomically."""
    published: set[Path] = set()
    for source in sorted(version_dir.glob("*/*.parquet")):
        stable = parquet_dir / source.parent.name / source.name
        stable.parent.mkdir(parents=True, exist_ok=True)
        temp = stable.with_name(f".{stable.name}.{uuid.uuid4().hex[:8]}")
        try:
            os.link(source, temp)
        except OSError:  # a filesystem without hard links: a copy does as well
            shutil.copy2(source, temp)
        os.replace(temp, stable)
        published.add(stable)
    for schema in PUBLISHED_SCHEMAS:  # tables that no longer exist (a removed segment)
        for stale in (parquet_dir / schema).glob("*.parquet"):
            if stale not in published:
                stale.unlink(missing_ok=True)


def _prune_versions(versions_dir: Path, keep: int, current: Path) -> None:
    # version names are <as_of_date>_<published_at>: prune by publication time (a backfill is recent too)
    versions = sorted(
        (p for p in versions_dir.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name.partition("_")[2],
    )
    for old in versions[: max(0, len(versions) - keep)]:
        if old.resolve() != current.resolve():
            shutil.rmtree(old, ignore_errors=True)
    for leftover in versions_dir.glob(".staging-*"):  # versions of crashed publishes
        if time.time() - leftover.stat().st_mtime > 3600:
            shutil.rmtree(leftover, ignore_errors=True)


def publish(
    as_of_date: dt.date | str,
    settings: Settings | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    keep_versions: int = KEEP_VERSIONS,
) -> PublishReport:
    """Publish the working warehouse's marts and segments as the serving copy of day ``as_of_date``.

    Call it only after the blocking checks passed. ``con`` is the caller's connection to the working
    warehouse (the run's); without it the warehouse is attached read-only. Readers of the previous copy are
    never interrupted: both the DuckDB file and the Parquet version are built aside, then swapped atomically.
    """
    started = time.perf_counter()
    settings = settings or Settings.from_env()
    day = as_of_date if isinstance(as_of_date, dt.date) else parse_as_of(as_of_date)
    published_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    serving_path = settings.serving_duckdb_path
    parquet_dir = settings.serving_parquet_dir
    serving_path.parent.mkdir(parents=True, exist_ok=True)
    versions_dir = parquet_dir / "versions"
    versions_dir.mkdir(parents=True, exist_ok=True)

    version_name = f"{day.isoformat()}_{published_at.strftime('%Y%m%dT%H%M%S%fZ')}"
    temp_path = serving_path.with_name(f".{serving_path.stem}-{uuid.uuid4().hex[:12]}.duckdb")
    staging_dir = versions_dir / f".staging-{version_name}-{uuid.uuid4().hex[:8]}"
    try:
        with _snapshot_connection(temp_path, settings.duckdb_path, con, settings) as (snap, source, target):
            tables = _copy_tables(snap, source, target, day, published_at, settings.duckdb_path)
            _write_parquet(snap, target, staging_dir, tables)
            snap.execute(f"checkpoint {_quote(target)}")
        wal = temp_path.with_name(temp_path.name + ".wal")
        if wal.exists():
            raise RuntimeError(f"{wal} remained after closing the snapshot: not publishing a partial file")
        _fsync_file(temp_path)
        (staging_dir / "_manifest.json").write_text(
            json.dumps(
                {
                    "as_of_date": day.isoformat(),
                    "published_at": published_at.isoformat() + "Z",
                    "tables": [{"schema": t.schema, "table": t.name, "rows": t.rows} for t in tables],
                },
                indent=2,
            )
        )
        version_dir = versions_dir / version_name
        os.replace(staging_dir, version_dir)  # the version appears complete or not at all
        # publish: the DuckDB file, then the Parquet pointer, then the stable per-table paths
        os.replace(temp_path, serving_path)
        _swap_symlink(parquet_dir / "current", os.path.relpath(version_dir, parquet_dir))
        _publish_stable_paths(parquet_dir, version_dir)
    finally:
        temp_path.unlink(missing_ok=True)
        temp_path.with_name(temp_path.name + ".wal").unlink(missing_ok=True)
        shutil.rmtree(staging_dir, ignore_errors=True)
    _prune_versions(versions_dir, keep_versions, parquet_dir / "current")
    return PublishReport(
        as_of_date=day,
        published_at=published_at,
        serving_duckdb_path=serving_path,
        parquet_dir=parquet_dir,
        parquet_version_dir=version_dir,
        tables=tables,
        seconds=time.perf_counter() - started,
    )


def read_published_marker(path: Path) -> tuple[dt.date, dt.datetime] | None:
    """(as_of_date, published_at) of a serving copy, None when the file has no marker."""
    with duckdb.connect(str(path), read_only=True) as con:
        try:
            row = con.execute(f"select as_of_date, published_at from marts.{MARKER_TABLE}").fetchone()
        except duckdb.CatalogException:
            return None
    return (row[0], row[1]) if row else None


@dataclass(frozen=True)
class LastBuild:
    """What dbt's run_results.json says about the last invocation."""

    command: str | None
    as_of_date: str | None
    failures: list[str]
    path: Path


#: where run_results.json files are found under the dbt target directory: a hand-run dbt command, and the
#: daily run's build (orchestration/assets/dbt.py writes to <target>/dagster_build)
RUN_RESULTS_LOCATIONS = ("run_results.json", "dagster_build/run_results.json")


def last_build(target_dir: Path | None = None) -> LastBuild | None:
    """The last dbt invocation's outcome: the newest ``run_results.json`` of the dbt target directory
    (DBT_TARGET_PATH or <project>/target), whether dbt was run by hand or by the daily run."""
    target_dir = target_dir or Path(os.environ.get("DBT_TARGET_PATH") or settings_module.PROJECT_DIR / "target")
    candidates = [target_dir / location for location in RUN_RESULTS_LOCATIONS]
    existing = [c for c in candidates if c.exists()]
    if not existing:
        return None
    path = max(existing, key=lambda c: c.stat().st_mtime)
    data = json.loads(path.read_text(encoding="utf-8"))
    args = data.get("args") or {}
    variables = args.get("vars") or {}
    if isinstance(variables, str):
        variables = yaml.safe_load(variables) or {}
    failures = [
        r["unique_id"] for r in data.get("results", []) if r.get("status") in {"error", "fail", "runtime error"}
    ]
    as_of = variables.get("as_of_date") if isinstance(variables, dict) else None
    return LastBuild(args.get("which"), str(as_of) if as_of else None, failures, path)


def cli_publish(args: argparse.Namespace) -> int:
    """`segments publish`: publish the last build, refusing when its checks did not pass (unless --force)."""
    force = bool(getattr(args, "force", False))
    as_of = getattr(args, "as_of", None)
    build = last_build()
    if build is None or build.command != "build":
        if not force:
            raise UserError(
                "no dbt build recorded (run_results.json of a `dbt build` in DBT_TARGET_PATH or target/): run "
                "`segments run` (which publishes after its checks), or `segments publish --force --as-of D`"
            )
    elif build.failures and not force:
        shown = ", ".join(build.failures[:5]) + (" ..." if len(build.failures) > 5 else "")
        raise UserError(
            f"the last build ({build.path}) has {len(build.failures)} failing node(s): {shown}. Nothing published; "
            "readers keep the last good day. Fix and rebuild, or publish anyway with --force"
        )
    as_of = as_of or (build.as_of_date if build else None)
    if not as_of:
        raise UserError("which day is this? the last build does not say: pass --as-of YYYY-MM-DD")
    try:
        day = parse_as_of(as_of)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    report = publish(day)
    print(report.summary())
    return 0

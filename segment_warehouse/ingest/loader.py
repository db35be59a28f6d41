"""Loading the new landing files of one entity into raw.<entity>, raw.quarantine and raw.load_audit.

Each file is one transaction (typed rows + quarantined rows + its audit row): a crash never leaves a
half-loaded file, and a file whose (path, SHA-256) is already in raw.load_audit is skipped.
"""

from __future__ import annotations

import csv
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb

from segment_warehouse.contract import ENTITIES, Entity, create_raw_tables
from segment_warehouse.ingest import csv_source, parquet_source
from segment_warehouse.ingest.discovery import Fingerprint, LandingFile, discover_files, fingerprint
from segment_warehouse.ingest.errors import IngestError, LandingFileError, ReconciliationError
from segment_warehouse.ingest.file_schema import FileSchema, match_columns
from segment_warehouse.ingest.repeated_keys import record_repeated_keys
from segment_warehouse.ingest.report import EntityIngestResult, FileLoadResult
from segment_warehouse.ingest.typing_rules import record_json, typing_query

Progress = Callable[[str], None]
STAGED_TABLE = "__ingest_staged"


@dataclass(frozen=True)
class PreparedFile:
    file: LandingFile
    fingerprint: Fingerprint
    schema: FileSchema | None  # None: the file holds no data row (0 bytes, header only, no header at all)
    header: list[str]  # CSV header fields (empty for Parquet)


def already_loaded(con: duckdb.DuckDBPyConnection, entity: str) -> set[tuple[str, str]]:
    rows = con.execute("select source_file, file_sha256 from raw.load_audit where entity = ?", [entity]).fetchall()
    return {(str(path), str(sha)) for path, sha in rows}


def prepare(con: duckdb.DuckDBPyConnection, entity: Entity, file: LandingFile, fp: Fingerprint) -> PreparedFile:
    """Check a new file before anything of its entity is loaded: encoding, readable, required columns."""
    if fp.encoding_error is not None:
        raise LandingFileError(
            f"{file.relative} is not a UTF-8 file ({fp.encoding_error}): re-export it as UTF-8 (DESIGN §5); "
            f"nothing of {entity.name} was loaded"
        )
    if file.size == 0:
        return PreparedFile(file, fp, None, [])
    if file.format == "csv":
        try:
            csv_header = csv_source.read_header(file.path)
        except csv.Error as exc:
            raise LandingFileError(f"{file.relative} cannot be read as CSV ({exc}): check the export") from exc
        if not csv_header.has_data:  # 0 bytes, BOM only, header only: simply empty, whatever the header
            return PreparedFile(file, fp, None, [])
        header = csv_header.fields
        columns = csv_source.source_columns(header)
    else:
        header = []
        try:
            columns = parquet_source.source_columns(con, file)
            if parquet_source.row_count(con, file) == 0:  # no row: simply empty, whatever its columns
                return PreparedFile(file, fp, None, [])
        except duckdb.Error as exc:
            raise LandingFileError(f"{file.relative} is not a readable Parquet file: {exc}") from exc
    return PreparedFile(file, fp, match_columns(entity, file.relative, columns), header)


def _insert_count(con: duckdb.DuckDBPyConnection, sql: str, params: list[object]) -> int:
    result = con.execute(sql, params).fetchone()
    return int(result[0]) if result else 0


def _insert_rows(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    rows: str,
    source_file: str,
    loaded_at: dt.datetime,
    rows_in_file: int | None = None,
) -> tuple[int, int]:
    """Insert the typed rows of relation `rows` into raw.<entity> and the bad ones into raw.quarantine.

    With `rows_in_file` known beforehand (Parquet metadata), a file whose rows all loaded skips the second
    pass over `rows` that looks for quarantined rows.
    """
    loaded = _insert_count(
        con,
        f"insert into raw.{entity.name} by name select * exclude (_reason, _record), "
        f"cast(? as varchar) as _source_file, cast(? as timestamp) as _loaded_at from {rows} where _reason is null",
        [source_file, loaded_at],
    )
    if rows_in_file is not None and loaded == rows_in_file:
        return loaded, 0
    quarantined = _insert_count(
        con,
        "insert into raw.quarantine (entity, source_file, source_row, reason, record, quarantined_at) "
        f"select ?, ?, _source_row, _reason, _record, cast(? as timestamp) from {rows} where _reason is not null",
        [entity.name, source_file, loaded_at],
    )
    return loaded, quarantined


def _load_csv(
    con: duckdb.DuckDBPyConnection,
    entity: Entity,
    prepared: PreparedFile,
    schema: FileSchema,
    loaded_at: dt.datetime,
    *,
    parallel: bool,
) -> tuple[int, int, int]:
    file = prepared.file
    csv_source.drop_rejects_tables(con)
    query = typing_query(
        entity,
        csv_source.relation_sql(file, prepared.header, parallel=parallel),
        schema.contract_columns,
        csv_source.record_sql(schema.all_columns),
        csv_source.structure_problem_sql(schema.all_columns),
    )
    con.execute(f"create temp table {STAGED_TABLE} as {query}")
    rejected = csv_source.collect_rejected_rows(con, file, prepared.fingerprint, len(prepared.header))
    staged = con.execute(f"select count(*) from {STAGED_TABLE}").fetchone()
    read = (int(staged[0]) if staged else 0) + rejected
    rows = csv_source.renumbered_rows_sql(STAGED_TABLE) if rejected else STAGED_TABLE
    loaded, quarantined = _insert_rows(con, entity, rows, file.relative, loaded_at)
    quarantined += _insert_count(
        con,
        "insert into raw.quarantine (entity, source_file, source_row, reason, record, quarantined_at) "
        f"select ?, ?, data_row, reason, record, cast(? as timestamp) from {csv_source.REJECTED_ROWS_TABLE}",
        [entity.name, file.relative, loaded_at],
    )
    con.execute(f"drop table {STAGED_TABLE}")
    csv_source.drop_rejects_tables(con)
    return read, loaded, quarantined


def _load_parquet(
    con: duckdb.DuckDBPyConnection, entity: Entity, prepared: PreparedFile, schema: FileSchema, loaded_at: dt.datetime
) -> tuple[int, int, int]:
    file = prepared.file
    read = parquet_source.row_count(con, file)
    query = typing_query(
        entity,
        parquet_source.relation_sql(file, schema.all_columns),
        schema.contract_columns,
        record_json(schema.all_columns),
    )
    loaded, quarantined = _insert_rows(con, entity, f"({query})", file.relative, loaded_at, rows_in_file=read)
    return read, loaded, quarantined


def load_file(con: duckdb.DuckDBPyConnection, entity: Entity, prepared: PreparedFile) -> FileLoadResult:
    """Load one prepared file in one transaction; raises ReconciliationError if read ≠ loaded + quarantined."""
    started = time.perf_counter()
    try:
        read, loaded, quarantined = _load_in_transaction(con, entity, prepared, parallel=True)
    except duckdb.Error as exc:
        if not (prepared.file.format == "csv" and csv_source.needs_serial_read(exc)):
            raise
        read, loaded, quarantined = _load_in_transaction(con, entity, prepared, parallel=False)
    return FileLoadResult(
        entity.name,
        prepared.file.relative,
        prepared.fingerprint.sha256,
        read,
        loaded,
        quarantined,
        time.perf_counter() - started,
    )


def _load_in_transaction(
    con: duckdb.DuckDBPyConnection, entity: Entity, prepared: PreparedFile, *, parallel: bool
) -> tuple[int, int, int]:
    loaded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    file = prepared.file
    con.execute("begin transaction")
    try:
        if prepared.schema is None:
            read = loaded = quarantined = 0
        elif file.format == "csv":
            read, loaded, quarantined = _load_csv(con, entity, prepared, prepared.schema, loaded_at, parallel=parallel)
        else:
            read, loaded, quarantined = _load_parquet(con, entity, prepared, prepared.schema, loaded_at)
        if read != loaded + quarantined:
            raise ReconciliationError(
                f"{file.relative}: {read} rows read but {loaded} loaded + {quarantined} quarantined: "
                "this is a bug in segment_warehouse.ingest, please report it with the file"
            )
        con.execute(
            "insert into raw.load_audit (entity, source_file, file_sha256, rows_read, rows_loaded, rows_quarantined, "
            "loaded_at) values (?, ?, ?, ?, ?, ?, cast(? as timestamp))",
            [entity.name, file.relative, prepared.fingerprint.sha256, read, loaded, quarantined, loaded_at],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return read, loaded, quarantined


def _silent(_message: str) -> None:
    pass


def ingest_entity(
    con: duckdb.DuckDBPyConnection, entity_name: str, landing_dir: Path | str, progress: Progress | None = None
) -> EntityIngestResult:
    """Load the new files of `<landing_dir>/<entity_name>/` into raw.<entity_name>.

    Every new file is checked first (UTF-8, readable, required columns); if one fails, nothing of the
    entity is loaded and the result carries the error. Files already audited with the same SHA-256 are
    skipped; a file changed under the same name is loaded again as a new file.
    """
    say = progress or _silent
    if entity_name not in ENTITIES:
        raise IngestError(f"unknown entity {entity_name}: choose among {', '.join(ENTITIES)}")
    entity = ENTITIES[entity_name]
    landing = Path(landing_dir)
    create_raw_tables(con)
    con.execute("set enable_progress_bar = false")  # progress is reported per file, not by DuckDB's bar
    result = EntityIngestResult(entity_name)
    done = already_loaded(con, entity_name)
    prepared: list[PreparedFile] = []
    problems: list[str] = []
    for file in discover_files(landing, entity_name):
        fp = fingerprint(file)
        if (file.relative, fp.sha256) in done:
            result.files_skipped.append(file.relative)
            continue
        try:
            prepared.append(prepare(con, entity, file, fp))
        except LandingFileError as exc:
            problems.append(str(exc))
    if result.files_skipped:
        say(f"{entity_name}: {len(result.files_skipped)} file(s) already loaded, skipped")
    if problems:
        result.error = " | ".join(problems)
        say(f"{entity_name}: FAILED, no file loaded: {result.error}")
        return result
    for item in prepared:
        try:
            loaded = load_file(con, entity, item)
        except duckdb.Error as exc:
            result.error = f"{item.file.relative} could not be loaded: {exc}"
            say(f"{entity_name}: FAILED at {item.file.relative} (earlier files of this run are loaded): {exc}")
            break
        result.files_loaded.append(loaded)
        say(
            f"{entity_name}: {loaded.source_file}: {loaded.rows_read:,} read, {loaded.rows_loaded:,} loaded, "
            f"{loaded.rows_quarantined:,} quarantined ({loaded.seconds:.2f} s)"
        )
    if not prepared and not result.files_skipped:
        say(f"{entity_name}: no landing file")
    _record_repeated_keys(con, entity, result, say)
    return result


def _record_repeated_keys(
    con: duckdb.DuckDBPyConnection, entity: Entity, result: EntityIngestResult, say: Progress
) -> None:
    """raw.repeated_keys for the rows loaded now (or left unchecked by an interrupted ingest)."""
    try:
        repeated = record_repeated_keys(con, entity)
    except duckdb.Error as exc:
        result.error = (
            f"{entity.name}: the rows are loaded but their repeated keys could not be recorded ({exc}); "
            "run the ingest again: it retries them"
        )
        say(f"{entity.name}: FAILED recording repeated keys: {exc}")
        return
    if repeated is not None and repeated.files_checked:
        say(
            f"{entity.name}: {repeated.keys_recorded:,} repeated key(s) recorded from {repeated.files_checked} "
            f"file(s) ({repeated.seconds:.2f} s)"
        )

"""Recording, at load time, which keys of an entity have more than one row in raw (raw.repeated_keys).

Staging collapses the rows that share an entity's `repeat_key` (versions of a customer or an order, a message
landed twice, a webhook delivered twice): it keeps the latest version, the last-loaded row, or one copy. Ranking
every row to find the few repeated ones costs a window over the whole table on every read (about a minute per
read over 50 M web events); so the ingest, which sees every row arrive, records the keys that repeat, and
staging ranks only the rows of those keys (macros/last_loaded_rows.sql), passing every other row straight
through.

Once per entity and ingest, over the files whose rows have not been compared yet
(``raw.load_audit.repeated_keys_checked``): the rows are grouped by a 64-bit hash of their repeat_key, and the
key (first repeat_key column) of every row whose hash occurs more than once is recorded. A hash collision only
records a key that did not need it: staging's ranking then keeps that key's single row, so the result stays
exact. When the new rows are a small part of the table (a daily drop), only the hashes of the new rows are
grouped, against the whole table. The keys and the "checked" marks are written in one transaction: a crash
leaves the files unchecked, and the next ingest compares them again.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import duckdb

from segment_warehouse.contract import Entity

#: below this share of new rows in the table, only the new rows' hashes are grouped (else the whole table is)
INCREMENTAL_SHARE = 0.25


@dataclass(frozen=True)
class RepeatedKeysResult:
    entity: str
    files_checked: int
    keys_recorded: int
    seconds: float


def _unchecked_files(con: duckdb.DuckDBPyConnection, entity: str) -> tuple[list[str], int]:
    rows = con.execute(
        "select source_file, rows_loaded from raw.load_audit "
        "where entity = ? and rows_loaded > 0 and not coalesce(repeated_keys_checked, false)",
        [entity],
    ).fetchall()
    return [str(r[0]) for r in rows], sum(int(r[1]) for r in rows)


def record_repeated_keys(con: duckdb.DuckDBPyConnection, entity: Entity) -> RepeatedKeysResult | None:
    """Record the repeated keys brought by the unchecked files of `entity`; None when it has no repeat_key."""
    if not entity.repeat_key:
        return None
    started = time.perf_counter()
    files, new_rows = _unchecked_files(con, entity.name)
    if not files:
        return RepeatedKeysResult(entity.name, 0, 0, 0.0)
    table = f"raw.{entity.name}"
    row_hash = f"hash({', '.join(entity.repeat_key)})"
    key = entity.repeat_key[0]
    total = con.execute(f"select count(*) from {table}").fetchone()
    total_rows = int(total[0]) if total else 0
    file_list = "(select unnest(cast(? as varchar[])))"
    if new_rows >= INCREMENTAL_SHARE * total_rows:
        candidates = f"select {row_hash} as h from {table} group by 1 having count(*) > 1"
        parameters: list[object] = []
    else:
        candidates = (
            f"select {row_hash} as h from {table} "
            f"where {row_hash} in (select {row_hash} from {table} where _source_file in {file_list}) "
            "group by 1 having count(*) > 1"
        )
        parameters = [files]
    recorded_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute("begin transaction")
    try:
        # DuckDB answers an insert with the number of rows it inserted
        inserted = con.execute(
            "insert into raw.repeated_keys (entity, key_value, recorded_at) "
            f"select distinct cast(? as varchar), cast({key} as varchar), cast(? as timestamp) from {table} "
            f"where {row_hash} in ({candidates}) "
            f"and cast({key} as varchar) not in (select key_value from raw.repeated_keys where entity = ?)",
            [entity.name, recorded_at, *parameters, entity.name],
        ).fetchone()
        con.execute(
            "update raw.load_audit set repeated_keys_checked = true "
            f"where entity = ? and source_file in {file_list} and not coalesce(repeated_keys_checked, false)",
            [entity.name, files],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    keys = int(inserted[0]) if inserted else 0
    return RepeatedKeysResult(entity.name, len(files), keys, time.perf_counter() - started)

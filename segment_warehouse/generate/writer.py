"""Writing landing files: one folder per entity, deterministic part names, bounded file sizes.

Files are written under a hidden temporary name and renamed when complete (ingest ignores dot-files), with
fixed writer options and no wall-clock metadata, so the same arguments give byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

Format = Literal["parquet", "csv"]
#: at most this many rows per file, so that large entities are split into parts
MAX_ROWS_PER_FILE = 2_000_000
_PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 3, "use_dictionary": True, "write_statistics": True}


def _csv_ready(table: pa.Table) -> pa.Table:
    """Timestamps as ISO-8601 UTC text ('2026-11-22T08:15:00Z'); other types render as pyarrow writes them."""
    columns = []
    for column in table.columns:
        if pa.types.is_timestamp(column.type):
            seconds = column.cast(pa.timestamp("s", tz="UTC"))
            column = pc.strftime(seconds, format="%Y-%m-%dT%H:%M:%SZ")
        columns.append(column)
    return pa.Table.from_arrays(columns, names=table.column_names)


@dataclass
class EntityWriter:
    """Appends tables of one entity to `<directory>/<stem>_partNNNN.<ext>`, starting a new part when full."""

    directory: Path
    stem: str
    fmt: Format
    schema: pa.Schema
    max_rows: int = MAX_ROWS_PER_FILE
    files: list[Path] = field(default_factory=list)
    rows: int = 0
    _writer: pq.ParquetWriter | pa_csv.CSVWriter | None = None
    _rows_in_part: int = 0
    _temporary: Path | None = None

    def _open(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        final = self.directory / f"{self.stem}_part{len(self.files) + 1:04d}.{self.fmt}"
        self._temporary = self.directory / f".{final.name}.tmp"
        self.files.append(final)
        if self.fmt == "parquet":
            self._writer = pq.ParquetWriter(self._temporary, self.schema, **_PARQUET_OPTIONS)
        else:
            csv_schema = _csv_ready(self.schema.empty_table()).schema
            self._writer = pa_csv.CSVWriter(self._temporary, csv_schema)
        self._rows_in_part = 0

    def _close_part(self) -> None:
        if self._writer is None or self._temporary is None:
            return
        self._writer.close()
        self._temporary.replace(self.files[-1])
        self._writer = None

    def write(self, table: pa.Table) -> None:
        offset = 0
        while offset < table.num_rows:
            if self._writer is None or self._rows_in_part >= self.max_rows:
                self._close_part()
                self._open()
            take = min(table.num_rows - offset, self.max_rows - self._rows_in_part)
            chunk = table.slice(offset, take)
            assert self._writer is not None
            if self.fmt == "parquet":
                self._writer.write_table(chunk)
            else:
                self._writer.write_table(_csv_ready(chunk))
            self._rows_in_part += take
            self.rows += take
            offset += take

    def close(self) -> list[Path]:
        """Finish the last part; an entity with no row still gets one (empty) file."""
        if not self.files:
            self._open()
        self._close_part()
        return list(self.files)

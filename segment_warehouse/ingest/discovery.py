"""Finding landing files and fingerprinting them (path relative to the landing dir + SHA-256 of the bytes)."""

from __future__ import annotations

import codecs
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

FileFormat = Literal["csv", "parquet"]
_FORMATS: dict[str, FileFormat] = {".csv": "csv", ".parquet": "parquet"}
_CHUNK_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class LandingFile:
    path: Path
    relative: str  # e.g. "orders/2026-03-01.csv": the name it is audited and quarantined under
    format: FileFormat
    size: int


@dataclass(frozen=True)
class Fingerprint:
    sha256: str
    #: for CSV: the first UTF-8 problem ("invalid byte 0xe9 at byte 1234"), None when the file is valid UTF-8
    encoding_error: str | None = None
    #: for CSV: the bytes contain an empty line before the end (DuckDB skips blank lines; row numbers of
    #: rejected records then need an exact count, see csv_source)
    may_have_blank_lines: bool = False


def discover_files(landing_dir: Path, entity: str) -> list[LandingFile]:
    """Every `*.csv` / `*.parquet` under `<landing_dir>/<entity>/` (sub-folders included), sorted by path.

    Hidden files and folders (a leading dot, as upstream tools use while writing) are ignored.
    """
    entity_dir = landing_dir / entity
    if not entity_dir.is_dir():
        return []
    files = []
    for path in sorted(entity_dir.rglob("*")):
        relative_parts = path.relative_to(landing_dir).parts
        if any(part.startswith(".") for part in relative_parts) or not path.is_file():
            continue
        file_format = _FORMATS.get(path.suffix.lower())
        if file_format is None:
            continue
        files.append(LandingFile(path, "/".join(relative_parts), file_format, path.stat().st_size))
    return files


def fingerprint(file: LandingFile) -> Fingerprint:
    """SHA-256 of the file; for a CSV also checks in the same pass that it is UTF-8 and looks for blank lines."""
    digest = hashlib.sha256()
    check_text = file.format == "csv"
    decoder = codecs.getincrementaldecoder("utf-8")("strict")
    encoding_error: str | None = None
    blank_lines = False
    offset = 0
    tail = b""
    with file.path.open("rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
            if check_text:
                if encoding_error is None:
                    pending = len(decoder.getstate()[0])  # bytes of an unfinished character held back
                    try:
                        decoder.decode(chunk)
                    except UnicodeDecodeError as exc:
                        position = offset - pending + exc.start
                        encoding_error = f"invalid byte 0x{exc.object[exc.start]:02x} at byte offset {position}"
                if not blank_lines:
                    window = tail + chunk
                    blank_lines = b"\n\n" in window or b"\n\r\n" in window
                    tail = chunk[-2:]
            offset += len(chunk)
    if check_text and encoding_error is None:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            encoding_error = "the file ends inside a multi-byte character"
    return Fingerprint(digest.hexdigest(), encoding_error, blank_lines)

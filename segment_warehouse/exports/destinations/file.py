"""File destination (DESIGN §7): `<root>/<export>/<as_of_date>/` holding `full`, `added`, `removed`
(CSV, Parquet or JSONL) and `manifest.json` with row counts and SHA-256 checksums.

Atomicity: everything is written and fsynced in a hidden sibling directory, which is then renamed into
place. A reader sees either the previous complete directory or the new complete one, never a partial
one. Re-syncing a date replaces its directory: `added`/`removed` are relative to what the previous
sync acknowledged; a re-sync with nothing new leaves the existing directory untouched.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from segment_warehouse.exports.declarations import ExportDeclaration, FileDestination
from segment_warehouse.exports.diff import Diff
from segment_warehouse.exports.membership import Membership

FILE_KINDS = ("full", "added", "removed")
REMOVED_COLUMNS = ("customer_id", "reason")


@dataclass(frozen=True)
class FileExportResult:
    directory: Path
    manifest: dict
    #: False when the directory for this date already held this membership and nothing changed
    written: bool


def export_directory(root: Path, export: str, as_of_date: dt.date) -> Path:
    return root / export / as_of_date.isoformat()


def write_file_export(
    root: Path,
    declaration: ExportDeclaration,
    as_of_date: dt.date,
    membership: Membership,
    diff: Diff,
    *,
    sync_id: str,
) -> FileExportResult:
    """Write the three files and the manifest for one sync, atomically."""
    destination = declaration.destination
    assert isinstance(destination, FileDestination)
    target = export_directory(root, declaration.name, as_of_date)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(target.parent)
    existing = _read_manifest(target)
    unchanged = existing is not None and existing.get("members") == len(membership)
    if not diff and unchanged and existing.get("format") == destination.format:
        return FileExportResult(directory=target, manifest=existing, written=False)

    staging = target.parent / f".tmp-{as_of_date.isoformat()}-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        ext = destination.format
        added_ids = [m.customer_id for m in diff.adds]
        files = {
            "full": _write_members(staging / f"full.{ext}", ext, membership, None),
            "added": _write_members(staging / f"added.{ext}", ext, membership, added_ids),
            "removed": _write_removed(
                staging / f"removed.{ext}", ext, [(r.customer_id, r.reason) for r in diff.removes]
            ),
        }
        manifest = {
            "export": declaration.name,
            "segment": declaration.segment,
            "channel": declaration.channel,
            "as_of_date": as_of_date.isoformat(),
            "format": ext,
            "sync_id": sync_id,
            "written_at": dt.datetime.now(dt.UTC).isoformat().replace("+00:00", "Z"),
            "members": len(membership),
            "adds": len(diff.adds),
            "removes": len(diff.removes),
            "columns": membership.typed.column_names,
            "files": files,
        }
        manifest_path = staging / "manifest.json"
        manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _fsync(manifest_path)
        _fsync_directory(staging)
        _swap_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return FileExportResult(directory=target, manifest=manifest, written=True)


def _write_members(path: Path, fmt: str, membership: Membership, only: list[str] | None) -> dict:
    members = membership if only is None else membership.only(only)
    if fmt == "parquet":
        pq.write_table(members.typed, path)
    else:
        columns = members.typed.column_names
        with path.open("w", encoding="utf-8", newline="") as handle:
            if fmt == "jsonl":
                handle.writelines(record.payload_json + "\n" for record in members.records())
            else:
                writer = csv.writer(handle)
                writer.writerow(columns)
                for record in members.records():
                    payload = record.payload
                    writer.writerow([_csv_value(payload.get(c)) for c in columns])
    return _describe(path, len(members))


def _write_removed(path: Path, fmt: str, removed: list[tuple[str, str]]) -> dict:
    if fmt == "parquet":
        table = pa.table(
            {
                "customer_id": pa.array([c for c, _ in removed], pa.string()),
                "reason": pa.array([r for _, r in removed], pa.string()),
            }
        )
        pq.write_table(table, path)
    else:
        with path.open("w", encoding="utf-8", newline="") as handle:
            if fmt == "jsonl":
                for customer_id, reason in removed:
                    handle.write(json.dumps({"customer_id": customer_id, "reason": reason}, ensure_ascii=False) + "\n")
            else:
                writer = csv.writer(handle)
                writer.writerow(REMOVED_COLUMNS)
                writer.writerows(removed)
    return _describe(path, len(removed))


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value


def _describe(path: Path, rows: int) -> dict:
    _fsync(path)
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"path": path.name, "rows": rows, "bytes": path.stat().st_size, "sha256": digest.hexdigest()}


def _read_manifest(directory: Path) -> dict | None:
    try:
        return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _swap_into_place(staging: Path, target: Path) -> None:
    """Rename the finished directory into place; an older one is moved aside first, then deleted."""
    if target.exists():
        retired = target.parent / f".old-{target.name}-{uuid.uuid4().hex[:8]}"
        os.replace(target, retired)
        os.replace(staging, target)
        shutil.rmtree(retired, ignore_errors=True)
    else:
        os.replace(staging, target)
    _fsync_directory(target.parent)


def _remove_leftovers(parent: Path) -> None:
    """Clean up after a write that crashed: drop half-written directories, put back a retired one whose
    replacement never arrived (a crash between the two renames), delete the other retired ones."""
    for leftover in parent.glob(".tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for retired in sorted(parent.glob(".old-*")):
        original = parent / retired.name[len(".old-") :].rsplit("-", 1)[0]
        if not original.exists():
            os.replace(retired, original)
        else:
            shutil.rmtree(retired, ignore_errors=True)


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_directory(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

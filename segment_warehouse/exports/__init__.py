"""Reverse-ETL exports (DESIGN §7): diff-based, consent-aware, crash-safe syncs of segments to files,
PostgreSQL tables and webhook audience APIs.

Public API (used by the Dagster assets and the `segments export` command):

- `load_declarations(path=None) -> list[ExportDeclaration]` — the exports of `orchestration/exports.yml`;
- `sync_export(name_or_declaration, as_of_date, *, con=None, dry_run=False, force=False, progress=None)
  -> SyncResult` — one sync; `SyncResult.ok`, `.metadata()` and `.summary()` for callers.
"""

from segment_warehouse.exports.declarations import DeclarationError, ExportDeclaration, load_declarations
from segment_warehouse.exports.sync import SyncResult, sync_export

__all__ = ["DeclarationError", "ExportDeclaration", "SyncResult", "load_declarations", "sync_export"]

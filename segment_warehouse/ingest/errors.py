"""Failures of the ingest that the user can fix (printed as one clear message by the CLI)."""

from __future__ import annotations

from segment_warehouse.cli import UserError


class IngestError(UserError):
    """The ingest cannot run at all (no landing directory, unknown entity)."""


class LandingFileError(IngestError):
    """A landing file cannot be loaded (missing required column, not UTF-8): its entity's load fails."""


class ReconciliationError(RuntimeError):
    """Rows read ≠ rows loaded + rows quarantined for a file: a bug in the ingest, never bad data."""

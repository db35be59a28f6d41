"""Landing → raw ingest (DESIGN §5): typed rows into raw.<entity>, bad rows into raw.quarantine, one
raw.load_audit row per file. See README "Landing files and quarantine"."""

from segment_warehouse.ingest.errors import IngestError, LandingFileError, ReconciliationError
from segment_warehouse.ingest.loader import ingest_entity
from segment_warehouse.ingest.report import EntityIngestResult, FileLoadResult, IngestReport
from segment_warehouse.ingest.run import cli_ingest, ingest_all

__all__ = [
    "EntityIngestResult",
    "FileLoadResult",
    "IngestError",
    "IngestReport",
    "LandingFileError",
    "ReconciliationError",
    "cli_ingest",
    "ingest_all",
    "ingest_entity",
]

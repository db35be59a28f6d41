"""What an ingest did: per file, per entity, and a summary table for the terminal."""

from __future__ import annotations

from dataclasses import dataclass, field

from segment_warehouse.ingest.errors import IngestError


@dataclass(frozen=True)
class FileLoadResult:
    entity: str
    source_file: str  # relative to the landing directory
    file_sha256: str
    rows_read: int
    rows_loaded: int
    rows_quarantined: int
    seconds: float


@dataclass
class EntityIngestResult:
    entity: str
    files_loaded: list[FileLoadResult] = field(default_factory=list)
    files_skipped: list[str] = field(default_factory=list)  # already loaded (same path and SHA-256)
    error: str | None = None  # why this entity's load failed (None: it succeeded)

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files_loaded)

    @property
    def rows_loaded(self) -> int:
        return sum(f.rows_loaded for f in self.files_loaded)

    @property
    def rows_quarantined(self) -> int:
        return sum(f.rows_quarantined for f in self.files_loaded)


@dataclass
class IngestReport:
    landing_dir: str
    entities: list[EntityIngestResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(e.ok for e in self.entities)

    @property
    def failed(self) -> list[EntityIngestResult]:
        return [e for e in self.entities if not e.ok]

    def entity(self, name: str) -> EntityIngestResult:
        for result in self.entities:
            if result.entity == name:
                return result
        raise KeyError(f"no ingest result for entity {name!r}")

    def raise_if_failed(self) -> None:
        """Raise IngestError naming every failed entity and why (for callers that must stop, e.g. the daily run)."""
        if not self.ok:
            details = "; ".join(f"{e.entity}: {e.error}" for e in self.failed)
            raise IngestError(
                f"ingest failed for {len(self.failed)} entit{'y' if len(self.failed) == 1 else 'ies'}: {details}"
            )

    def summary_table(self) -> str:
        headers = ("entity", "new files", "skipped", "rows read", "loaded", "quarantined", "status")
        rows = [
            (
                e.entity,
                str(len(e.files_loaded)),
                str(len(e.files_skipped)),
                f"{e.rows_read:,}",
                f"{e.rows_loaded:,}",
                f"{e.rows_quarantined:,}",
                "ok" if e.ok else "FAILED",
            )
            for e in self.entities
        ]
        totals = (
            "total",
            str(sum(len(e.files_loaded) for e in self.entities)),
            str(sum(len(e.files_skipped) for e in self.entities)),
            f"{sum(e.rows_read for e in self.entities):,}",
            f"{sum(e.rows_loaded for e in self.entities):,}",
            f"{sum(e.rows_quarantined for e in self.entities):,}",
            "ok" if self.ok else f"{len(self.failed)} failed",
        )
        widths = [max(len(r[i]) for r in [headers, *rows, totals]) for i in range(len(headers))]

        def line(cells: tuple[str, ...]) -> str:
            return "  ".join(
                c.ljust(w) if i in (0, 6) else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )

        rule = "  ".join("-" * w for w in widths)
        return "\n".join([line(headers), rule, *(line(r) for r in rows), rule, line(totals)])

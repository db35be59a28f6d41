"""Matching the columns of a landing file to the contract columns of its entity."""

from __future__ import annotations

from dataclasses import dataclass

from segment_warehouse.contract import Entity
from segment_warehouse.ingest.errors import LandingFileError
from segment_warehouse.ingest.typing_rules import SourceColumn


@dataclass(frozen=True)
class FileSchema:
    """The columns of one landing file and which contract column each one feeds."""

    all_columns: list[SourceColumn]  # every column of the file, in file order
    contract_columns: dict[str, SourceColumn]  # contract column name → file column (absent optional: missing)
    ignored: list[str]  # columns of the file that are not in the contract


def normalise_name(name: str) -> str:
    """Header names match contract names trimmed and case-insensitively (`Customer_ID ` → `customer_id`)."""
    return name.strip().lower()


def match_columns(entity: Entity, relative_path: str, columns: list[SourceColumn]) -> FileSchema:
    """Map the file's columns onto the contract; a missing required column raises LandingFileError."""
    by_name: dict[str, SourceColumn] = {}
    ignored = []
    for column in columns:
        name = normalise_name(column.original_name)
        if name not in entity.column_names:
            ignored.append(column.original_name)
            continue
        if name in by_name:
            raise LandingFileError(
                f"{relative_path}: column {name!r} appears twice (as {by_name[name].original_name!r} and "
                f"{column.original_name!r}); keep one and drop the file in again"
            )
        by_name[name] = column
    missing = [c for c in entity.required if c not in by_name]
    if missing:
        found = ", ".join(c.original_name for c in columns) or "no columns"
        raise LandingFileError(
            f"{relative_path}: required column {', '.join(repr(m) for m in missing)} missing "
            f"(the file has: {found}); {entity.name} needs {', '.join(entity.required)} (DESIGN §5)"
        )
    return FileSchema(columns, by_name, ignored)

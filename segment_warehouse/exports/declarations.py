"""Export declarations: loading and validating `orchestration/exports.yml` (DESIGN §7).

A declaration says which segment goes where, on which consent channel, with which fields, in which
batch size, at which rate, and how much change the breaker tolerates. Secrets are never in the file:
a declaration names the environment variables that hold them, resolved only when a sync runs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from segment_warehouse.settings import PROJECT_DIR

#: where the declarations live unless SEGMENTS_EXPORTS_FILE says otherwise
DEFAULT_DECLARATIONS_PATH = PROJECT_DIR / "orchestration" / "exports.yml"

CHANNELS = ("whatsapp", "email", "sms", "none")
DESTINATION_TYPES = ("file", "postgres", "webhook")
FILE_FORMATS = ("csv", "parquet", "jsonl")
FIELD_SOURCES = ("customers", "segment")
DEFAULT_BATCH_SIZE = 500
DEFAULT_MAX_CHANGE_RATIO = 0.5

_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]*$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]*$")

Channel = Literal["whatsapp", "email", "sms", "none"]


class DeclarationError(ValueError):
    """An export declaration is missing, malformed or inconsistent; the message says where and what to do."""


@dataclass(frozen=True)
class FieldMapping:
    """One field sent to the destination: ``name`` is taken from ``source``.``column``."""

    name: str
    source: Literal["customers", "segment"]
    column: str


@dataclass(frozen=True)
class RateLimit:
    """Client-side limits; None means unlimited."""

    requests_per_second: float | None = None
    records_per_second: float | None = None


@dataclass(frozen=True)
class FileDestination:
    format: Literal["csv", "parquet", "jsonl"] = "csv"
    #: environment variable naming the root directory; default SEGMENTS_EXPORTS_DIR
    directory_env: str = "SEGMENTS_EXPORTS_DIR"
    type: Literal["file"] = "file"

    def required_env(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class PostgresDestination:
    dsn_env: str
    table: str
    schema: str = "segments_export"
    type: Literal["postgres"] = "postgres"

    def required_env(self) -> tuple[str, ...]:
        return (self.dsn_env,)


@dataclass(frozen=True)
class WebhookDestination:
    url_env: str
    token_env: str | None = None
    timeout_seconds: float = 10.0
    max_attempts: int = 8
    backoff_initial_seconds: float = 0.5
    backoff_max_seconds: float = 30.0
    #: the longest Retry-After honoured; a longer one is capped to this
    max_retry_after_seconds: float = 300.0
    max_in_flight: int = 4
    type: Literal["webhook"] = "webhook"

    def required_env(self) -> tuple[str, ...]:
        return (self.url_env,)


Destination = FileDestination | PostgresDestination | WebhookDestination


@dataclass(frozen=True)
class ExportDeclaration:
    """One declared export, validated."""

    name: str
    segment: str
    channel: Channel
    destination: Destination
    fields: tuple[FieldMapping, ...]
    batch_size: int = DEFAULT_BATCH_SIZE
    rate_limit: RateLimit = field(default_factory=RateLimit)
    max_change_ratio: float = DEFAULT_MAX_CHANGE_RATIO
    description: str = ""

    @property
    def segment_table(self) -> str:
        return f"segments.seg_{self.segment}"

    @property
    def consent_column(self) -> str | None:
        """The marts.customers column a member must have true, or None for channel `none`."""
        return None if self.channel == "none" else f"{self.channel}_consent"

    def missing_env(self, environ: dict[str, str] | None = None) -> list[str]:
        """Required environment variables that are unset or empty (the export is then skipped)."""
        env = os.environ if environ is None else environ
        return [name for name in self.destination.required_env() if not env.get(name)]

    def skip_reason(self, environ: dict[str, str] | None = None) -> str | None:
        missing = self.missing_env(environ)
        if not missing:
            return None
        names = ", ".join(missing)
        return f"environment variable {names} is not set: set it to enable the {self.destination.type} export"


def declarations_path(path: Path | str | None = None) -> Path:
    if path is not None:
        return Path(path)
    return Path(os.environ.get("SEGMENTS_EXPORTS_FILE") or DEFAULT_DECLARATIONS_PATH)


def load_declarations(path: Path | str | None = None) -> list[ExportDeclaration]:
    """Read and validate every export of the declarations file (default `orchestration/exports.yml`)."""
    source = declarations_path(path)
    if not source.exists():
        raise DeclarationError(f"{source}: export declarations file not found (set SEGMENTS_EXPORTS_FILE or create it)")
    try:
        document = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DeclarationError(f"{source}: not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise DeclarationError(f"{source}: expected a mapping with `version` and `exports`")
    _reject_unknown(document, {"version", "exports"}, f"{source}")
    if document.get("version", 1) != 1:
        raise DeclarationError(f"{source}: unsupported version {document.get('version')!r} (this code reads 1)")
    entries = document.get("exports") or []
    if not isinstance(entries, list):
        raise DeclarationError(f"{source}: `exports` must be a list of export declarations")
    declarations: list[ExportDeclaration] = []
    seen: set[str] = set()
    for position, entry in enumerate(entries, start=1):
        declaration = parse_declaration(entry, where=f"{source}: export #{position}")
        if declaration.name in seen:
            raise DeclarationError(f"{source}: export {declaration.name!r} is declared twice")
        seen.add(declaration.name)
        declarations.append(declaration)
    return declarations


def find_declaration(name: str, path: Path | str | None = None) -> ExportDeclaration:
    declarations = load_declarations(path)
    for declaration in declarations:
        if declaration.name == name:
            return declaration
    known = ", ".join(d.name for d in declarations) or "none"
    raise DeclarationError(f"no export named {name!r} in {declarations_path(path)} (declared: {known})")


def parse_declaration(entry: Any, *, where: str = "export") -> ExportDeclaration:
    """Validate one export mapping; every error names the export and the offending key."""
    if not isinstance(entry, dict):
        raise DeclarationError(f"{where}: expected a mapping, got {type(entry).__name__}")
    name = entry.get("name")
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        raise DeclarationError(f"{where}: `name` must be a lower-case identifier, got {name!r}")
    where = f"export {name!r}"
    allowed = {
        "name",
        "description",
        "segment",
        "channel",
        "destination",
        "fields",
        "batch_size",
        "rate_limit",
        "max_change_ratio",
    }
    _reject_unknown(entry, allowed, where)
    segment = entry.get("segment")
    if not isinstance(segment, str) or not _IDENTIFIER.match(segment):
        raise DeclarationError(
            f"{where}: `segment` must be a segment name such as `winback` (table segments.seg_<segment>), "
            f"got {segment!r}"
        )
    channel = entry.get("channel")
    if channel not in CHANNELS:
        raise DeclarationError(f"{where}: `channel` must be one of {', '.join(CHANNELS)}, got {channel!r}")
    return ExportDeclaration(
        name=name,
        segment=segment,
        channel=channel,
        destination=_parse_destination(entry.get("destination"), where),
        fields=_parse_fields(entry.get("fields"), where),
        batch_size=_positive_int(entry.get("batch_size", DEFAULT_BATCH_SIZE), f"{where}: `batch_size`"),
        rate_limit=_parse_rate_limit(entry.get("rate_limit"), where),
        max_change_ratio=_positive_float(
            entry.get("max_change_ratio", DEFAULT_MAX_CHANGE_RATIO), f"{where}: `max_change_ratio`"
        ),
        description=str(entry.get("description") or ""),
    )


def _parse_destination(raw: Any, where: str) -> Destination:
    if not isinstance(raw, dict):
        raise DeclarationError(
            f"{where}: `destination` must be a mapping with a `type` ({', '.join(DESTINATION_TYPES)})"
        )
    kind = raw.get("type")
    here = f"{where}: destination"
    if kind == "file":
        _reject_unknown(raw, {"type", "format", "directory_env"}, here)
        fmt = raw.get("format", "csv")
        if fmt not in FILE_FORMATS:
            raise DeclarationError(f"{here} `format` must be one of {', '.join(FILE_FORMATS)}, got {fmt!r}")
        return FileDestination(
            format=fmt, directory_env=_env_name(raw.get("directory_env", "SEGMENTS_EXPORTS_DIR"), here, "directory_env")
        )
    if kind == "postgres":
        _reject_unknown(raw, {"type", "dsn_env", "schema", "table"}, here)
        table = raw.get("table")
        schema = raw.get("schema", "segments_export")
        for key, value in (("table", table), ("schema", schema)):
            if not isinstance(value, str) or not _IDENTIFIER.match(value):
                raise DeclarationError(f"{here} `{key}` must be a lower-case identifier, got {value!r}")
        return PostgresDestination(dsn_env=_env_name(raw.get("dsn_env"), here, "dsn_env"), table=table, schema=schema)
    if kind == "webhook":
        keys = {
            "type",
            "url_env",
            "token_env",
            "timeout_seconds",
            "max_attempts",
            "backoff_initial_seconds",
            "backoff_max_seconds",
            "max_retry_after_seconds",
            "max_in_flight",
        }
        _reject_unknown(raw, keys, here)
        token_env = raw.get("token_env")
        return WebhookDestination(
            url_env=_env_name(raw.get("url_env"), here, "url_env"),
            token_env=None if token_env is None else _env_name(token_env, here, "token_env"),
            timeout_seconds=_positive_float(raw.get("timeout_seconds", 10.0), f"{here} `timeout_seconds`"),
            max_attempts=_positive_int(raw.get("max_attempts", 8), f"{here} `max_attempts`"),
            backoff_initial_seconds=_positive_float(
                raw.get("backoff_initial_seconds", 0.5), f"{here} `backoff_initial_seconds`"
            ),
            backoff_max_seconds=_positive_float(raw.get("backoff_max_seconds", 30.0), f"{here} `backoff_max_seconds`"),
            max_retry_after_seconds=_positive_float(
                raw.get("max_retry_after_seconds", 300.0), f"{here} `max_retry_after_seconds`"
            ),
            max_in_flight=_positive_int(raw.get("max_in_flight", 4), f"{here} `max_in_flight`"),
        )
    raise DeclarationError(f"{here} `type` must be one of {', '.join(DESTINATION_TYPES)}, got {kind!r}")


def _parse_fields(raw: Any, where: str) -> tuple[FieldMapping, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise DeclarationError(f"{where}: `fields` must map a sent name to `customers.<column>` or `segment.<column>`")
    mappings: list[FieldMapping] = []
    for name, source in raw.items():
        if not isinstance(name, str) or not _IDENTIFIER.match(name):
            raise DeclarationError(f"{where}: field name {name!r} must be a lower-case identifier")
        if name == "customer_id":
            raise DeclarationError(f"{where}: field `customer_id` is always sent; do not map it")
        table, _, column = str(source).partition(".")
        if table not in FIELD_SOURCES or not _IDENTIFIER.match(column):
            raise DeclarationError(
                f"{where}: field {name!r} must come from `customers.<column>` or `segment.<column>`, got {source!r}"
            )
        mappings.append(FieldMapping(name=name, source=table, column=column))  # type: ignore[arg-type]
    return tuple(mappings)


def _parse_rate_limit(raw: Any, where: str) -> RateLimit:
    if raw is None:
        return RateLimit()
    if not isinstance(raw, dict):
        raise DeclarationError(f"{where}: `rate_limit` must be a mapping (requests_per_second, records_per_second)")
    _reject_unknown(raw, {"requests_per_second", "records_per_second"}, f"{where}: rate_limit")
    values = {
        key: None if raw.get(key) is None else _positive_float(raw[key], f"{where}: rate_limit `{key}`")
        for key in ("requests_per_second", "records_per_second")
    }
    return RateLimit(**values)


def _reject_unknown(mapping: dict[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(mapping) - allowed)
    if unknown:
        raise DeclarationError(
            f"{where}: unknown key(s) {', '.join(map(str, unknown))} (allowed: {', '.join(sorted(allowed))})"
        )


def _env_name(value: Any, where: str, key: str) -> str:
    if not isinstance(value, str) or not _ENV_NAME.match(value):
        raise DeclarationError(
            f"{where} `{key}` must name an environment variable (UPPER_CASE), got {value!r}; "
            "never write the secret itself in the declarations file"
        )
    return value


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DeclarationError(f"{where} must be a positive integer, got {value!r}")
    return value


def _positive_float(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise DeclarationError(f"{where} must be a positive number, got {value!r}")
    return float(value)

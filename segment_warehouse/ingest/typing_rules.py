"""DESIGN §5 typing rules as DuckDB SQL, generated from the contract (segment_warehouse.contract).

One query types a whole landing file: every contract column is normalised (trimmed, cased, blank → null),
cast explicitly to its contract type, and checked; the `_reason` column lists each problem of the row
(`<column>: <problem>`, joined by "; ") and is null for a row that loads. The original record is rendered
as JSON only for the rows that do not load.

Decisions where §5 leaves a choice (documented in README "Landing files and quarantine"):
- text (ids and free text) is kept exactly as received; only a blank value becomes null;
- a quantity written as a whole number with a zero fraction (`2.0`) loads as 2; `1.5` is quarantined;
- a text amount with more than two non-zero decimals (`19.999`) is quarantined, trailing zeros
  (`59.900`) are accepted; a Parquet float/double amount is rounded to the cent (binary floats cannot
  hold cents exactly: 59.9 is stored as 59.89999…);
- timestamps must start with a `YYYY-MM-DD` date (this refuses DuckDB's special words such as `epoch`
  or `infinity`); dates must be exactly `YYYY-MM-DD`.
"""

from __future__ import annotations

from dataclasses import dataclass

from segment_warehouse.contract import FX_RATES_TO_EUR, Column, Entity
from segment_warehouse.ingest.sql_text import identifier, literal

#: characters a value is trimmed of before checking (space, tab, CR, LF)
_WHITESPACE = literal(" \t\r\n")
_NUMBER = r"[+-]?(\d+\.?\d*|\.\d+)"
_AMOUNT_TWO_DECIMALS = r"[+-]?(\d+\.?|\d*\.\d{1,2})0*"
_WHOLE_NUMBER = r"[+-]?\d+(\.0*)?"
_DATE = r"\d{4}-\d{2}-\d{2}"
_TIMESTAMP_START = r"^\d{4}-\d{2}-\d{2}"
_MINUTES_ONLY = r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2})([Zz+-].*)?$"
MIN_BIRTH_DATE = "1900-01-01"
#: values quoted in a reason are cut to this many characters
_REASON_VALUE_CHARS = 80

_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT"}
_FLOAT_TYPES = {"FLOAT", "DOUBLE"}
_NAIVE_TIMESTAMP_TYPES = {"TIMESTAMP", "TIMESTAMP_S", "TIMESTAMP_MS", "TIMESTAMP_NS"}


@dataclass(frozen=True)
class SourceColumn:
    """One column of a landing file as the typing query sees it."""

    original_name: str  # as written in the file (used as key of the quarantined record)
    sql: str  # expression selecting it from the source relation
    duckdb_type: str  # its type in the source relation, upper-case (CSV: always VARCHAR)


def _decimal_scale(duckdb_type: str) -> int | None:
    if duckdb_type.startswith("DECIMAL(") and duckdb_type.endswith(")"):
        return int(duckdb_type[len("DECIMAL(") : -1].split(",")[1])
    return None


def _quoted(expr: str) -> str:
    """SQL rendering a value for a reason: 'value', cut to a readable length."""
    return f"'''' || left(cast({expr} as varchar), {_REASON_VALUE_CHARS}) || ''''"


@dataclass(frozen=True)
class _TypedColumn:
    normalised: str  # SQL over the source relation
    typed: str  # SQL over the normalised columns (n = this column's normalised name)
    checks: tuple[tuple[str, str], ...]  # (condition true when bad, reason SQL), first match wins


def _native_path(column: Column, source_type: str) -> str | None:
    """The cast for a Parquet column already of a suitable type (the fast path), or None for the text path."""
    t = column.type
    if t == "timestamp":
        if source_type in _NAIVE_TIMESTAMP_TYPES or source_type == "DATE":
            return "cast({x} as timestamp)"
        if source_type == "TIMESTAMP WITH TIME ZONE":
            return "timezone('UTC', {x})"
    elif (t == "date" and source_type == "DATE") or (t == "boolean" and source_type == "BOOLEAN"):
        return "{x}"
    elif t == "amount":
        scale = _decimal_scale(source_type)
        if source_type in _INTEGER_TYPES or source_type in _FLOAT_TYPES or (scale is not None and scale <= 2):
            return "try_cast({x} as decimal(18,2))"
    elif t == "quantity" and source_type in _INTEGER_TYPES:
        return "try_cast({x} as integer)"
    elif t in ("latitude", "longitude") and (
        source_type in _INTEGER_TYPES or source_type in _FLOAT_TYPES or _decimal_scale(source_type) is not None
    ):
        return "cast({x} as double)"
    return None


def _as_text(source: SourceColumn) -> str:
    if source.duckdb_type == "VARCHAR":
        return source.sql
    if source.duckdb_type.startswith(("STRUCT", "MAP")):
        return f"cast(to_json({source.sql}) as varchar)"
    return f"cast({source.sql} as varchar)"


def _unless_canonical(text: str, canonical: tuple[str, ...], normalise: str) -> str:
    values = ", ".join(literal(c) for c in canonical)
    return f"case when {text} in ({values}) then {text} else {normalise} end"


def _typed_column(entity: Entity, column: Column, source: SourceColumn | None, n: str, v: str) -> _TypedColumn:
    """Normalisation, cast and checks of one contract column (n, v: names of its normalised and typed values)."""
    name = column.name
    if source is None:  # optional column absent from the file: null
        return _TypedColumn(f"cast(null as {column.duckdb_type})", n, ())
    native = _native_path(column, source.duckdb_type)
    if native is not None:
        normalised = source.sql
        typed = native.format(x=n)
        checks: list[tuple[str, str]] = [(f"{v} is null", f"{_quoted(n)} || ' cannot be cast to {column.duckdb_type}'")]
        checks += _range_checks(entity, column, n, v)
        return _TypedColumn(normalised, typed, tuple(checks))

    text = _as_text(source)
    blank_to_null = f"nullif(trim({text}, {_WHITESPACE}), '')"
    t = column.type
    checks = []
    if t == "text":
        # cheap test first: only a value starting with whitespace can be blank
        normalised = (
            f"case when {text} = '' or (ascii({text}) in (9, 10, 13, 32) and trim({text}, {_WHITESPACE}) = '') "
            f"then null else {text} end"
        )
        typed = n
    elif t in ("enum", "boolean"):
        canonical = column.domain if t == "enum" else ("true", "false")
        # a value already in canonical form skips trimming and lower-casing (the common case, and much faster)
        normalised = _unless_canonical(text, canonical, f"lower({blank_to_null})")
        if t == "enum":
            typed = n
            domain = ", ".join(literal(d) for d in column.domain)
            checks.append((f"{n} not in ({domain})", f"{_quoted(n)} || ' is not one of {', '.join(column.domain)}'"))
        else:
            typed = (
                f"case when {n} in ('true', 't', 'yes', '1') then true "
                f"when {n} in ('false', 'f', 'no', '0') then false end"
            )
            checks.append((f"{v} is null", f"{_quoted(n)} || ' is not a boolean (true/false, t/f, yes/no, 1/0)'"))
    elif t == "currency":
        normalised = _unless_canonical(text, tuple(FX_RATES_TO_EUR), f"upper({blank_to_null})")
        typed = n
        known = ", ".join(literal(c) for c in FX_RATES_TO_EUR)
        checks.append(
            (f"{n} not in ({known})", f"{_quoted(n)} || ' is not in fx_rates ({', '.join(FX_RATES_TO_EUR)})'")
        )
    elif t == "country":
        normalised = f"upper({blank_to_null})"
        typed = n
        checks.append((f"not regexp_full_match({n}, '[A-Z]{{2}}')", f"{_quoted(n)} || ' is not two letters'"))
    elif t == "timestamp":
        normalised = blank_to_null
        # DuckDB's cast needs seconds: `2026-03-01T10:00Z` is retried as `2026-03-01T10:00:00Z`
        with_seconds = f"regexp_replace({n}, '{_MINUTES_ONLY}', '\\1:00\\2')"
        typed = (
            f"case when regexp_matches({n}, '{_TIMESTAMP_START}') then timezone('UTC', "
            f"coalesce(try_cast({n} as timestamptz), try_cast({with_seconds} as timestamptz))) end"
        )
        checks.append((f"{v} is null", f"{_quoted(n)} || ' is not an ISO-8601 timestamp'"))
    elif t == "date":
        normalised = blank_to_null
        typed = f"case when regexp_full_match({n}, '{_DATE}') then try_cast({n} as date) end"
        checks.append((f"{v} is null", f"{_quoted(n)} || ' is not a YYYY-MM-DD date'"))
    elif t == "amount":
        normalised = blank_to_null
        typed = f"case when regexp_full_match({n}, '{_AMOUNT_TWO_DECIMALS}') then try_cast({n} as decimal(18,2)) end"
        checks.append((f"not regexp_full_match({n}, '{_NUMBER}')", f"{_quoted(n)} || ' is not a decimal number'"))
        checks.append(
            (f"not regexp_full_match({n}, '{_AMOUNT_TWO_DECIMALS}')", f"{_quoted(n)} || ' has more than 2 decimals'")
        )
        checks.append((f"{v} is null", f"{_quoted(n)} || ' is out of range for decimal(18,2)'"))
    elif t == "quantity":
        normalised = blank_to_null
        typed = (
            f"case when regexp_full_match({n}, '{_WHOLE_NUMBER}') "
            f"then try_cast(regexp_extract({n}, '^[+-]?\\d+') as integer) end"
        )
        checks.append((f"not regexp_full_match({n}, '{_NUMBER}')", f"{_quoted(n)} || ' is not a number'"))
        checks.append((f"not regexp_full_match({n}, '{_WHOLE_NUMBER}')", f"{_quoted(n)} || ' is not a whole number'"))
        checks.append((f"{v} is null", f"{_quoted(n)} || ' is out of range for integer'"))
    elif t in ("latitude", "longitude"):
        normalised = blank_to_null
        typed = f"try_cast({n} as double)"
        checks.append((f"{v} is null", f"{_quoted(n)} || ' is not a number'"))
    elif t == "json_object":
        normalised = blank_to_null
        typed = (
            f"case when coalesce(json_valid({n}), false) "
            f"then (case when json_type({n}) = 'OBJECT' then cast({n} as json) end) end"
        )
        checks.append((f"not coalesce(json_valid({n}), false)", f"{_quoted(n)} || ' is not valid JSON'"))
        checks.append((f"{v} is null", f"{_quoted(n)} || ' is not a JSON object'"))
    else:  # pragma: no cover - the contract's Literal type lists every case
        raise ValueError(f"contract type {t!r} of {entity.name}.{name} has no typing rule")
    checks += _range_checks(entity, column, n, v)
    return _TypedColumn(normalised, typed, tuple(checks))


def _range_checks(entity: Entity, column: Column, n: str, v: str) -> list[tuple[str, str]]:
    """Checks on the typed value, shared by the text path and the Parquet fast path."""
    t = column.type
    if t == "amount":
        return [(f"{v} < 0", f"{_quoted(v)} || ' is negative'")]
    if t == "quantity":
        return [(f"{v} < 1", f"{_quoted(v)} || ' is less than 1'")]
    if t == "latitude":
        return [(f"not ({v} between -90 and 90)", f"{_quoted(v)} || ' is outside [-90, 90]'")]
    if t == "longitude":
        return [(f"not ({v} between -180 and 180)", f"{_quoted(v)} || ' is outside [-180, 180]'")]
    if t == "date":
        checks = [(f"{v} < date '{MIN_BIRTH_DATE}'", f"{_quoted(v)} || ' is before {MIN_BIRTH_DATE}'")]
        if "created_at" in entity.column_names and column.name != "created_at":
            created = f"__v{entity.column_names.index('created_at')}"
            checks.append((f"cast({v} as timestamp) > {created}", f"{_quoted(v)} || ' is after created_at'"))
        return checks
    return []


def _problem(column: Column, typed: _TypedColumn, n: str) -> str | None:
    """SQL giving this column's first problem as `<column>: <problem>`, or null."""
    branches = []
    if column.required:
        branches.append(f"when {n} is null then '{column.name}: required value missing'")
    else:
        branches.append(f"when {n} is null then null")
    branches += [f"when {cond} then '{column.name}: ' || {reason}" for cond, reason in typed.checks]
    if len(branches) == 1 and not column.required:
        return None
    return "case " + " ".join(branches) + " end"


def record_json(columns: list[SourceColumn]) -> str:
    """SQL rendering a row's original values as a JSON object keyed by the file's column names."""
    pairs = ", ".join(f"{literal(c.original_name)}, {c.sql}" for c in columns)
    return f"json_object({pairs})"


def typing_query(
    entity: Entity,
    source_relation: str,
    columns: dict[str, SourceColumn],
    record: str,
    structure_problem: str | None = None,
) -> str:
    """One SELECT over `source_relation` (which has a `__row` column) typing it per DESIGN §5.

    `columns` maps contract column names to the file's columns (missing optional columns are absent);
    `record` is SQL rendering a row's original values as JSON (kept only for quarantined rows);
    `structure_problem` is SQL naming a problem of the record itself (a CSV record with too many or too
    few fields): such a row's values are misaligned, so that problem alone is its reason.
    Output columns: the contract columns typed, `_source_row`, `_reason` (null = loads), `_record`.
    """
    normalised, typed, problems, output = [], [], [], []
    for i, column in enumerate(entity.columns):
        n, v = f"__n{i}", f"__v{i}"
        rule = _typed_column(entity, column, columns.get(column.name), n, v)
        normalised.append(f"{rule.normalised} as {n}")
        typed.append(f"{rule.typed} as {v}")
        problem = _problem(column, rule, n)
        if problem is not None:
            problems.append(problem)
        output.append(f"{v} as {identifier(column.name)}")
    reason = f"nullif(concat_ws('; ', {', '.join(problems)}), '')" if problems else "cast(null as varchar)"
    if structure_problem is not None:
        reason = f"coalesce({structure_problem}, {reason})"
    return (
        f"select {', '.join(output)}, __row as _source_row, _reason, "
        f"case when _reason is not null then cast({record} as varchar) end as _record "
        f"from (select *, {reason} as _reason "
        f"from (select *, {', '.join(typed)} "
        f"from (select *, {', '.join(normalised)} from {source_relation})))"
    )

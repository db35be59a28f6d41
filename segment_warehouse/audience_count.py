"""`segments count "<filter>"`: the "Calculate" button (DESIGN §8).

The audience size of an ad-hoc filter over ``marts.customers``, its share of all customers, and a small
breakdown by ``lifecycle_stage`` and ``country_code`` (top 10). The filter is user input: it is validated
against a whitelist (segment_warehouse.filter_expression) and runs on a read-only connection with file
access disabled. It reads the serving copy that BI tools read when one has been published, else the working
warehouse.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import duckdb

from segment_warehouse.cli import UserError
from segment_warehouse.filter_expression import FilterRefused, validate_filter
from segment_warehouse.settings import Settings
from segment_warehouse.warehouse import configure

#: how many countries the breakdown lists
TOP_COUNTRIES = 10


@dataclass(frozen=True)
class AudienceCount:
    """The answer of the Calculate button."""

    filter: str  # the filter as typed
    filter_sql: str  # the validated filter as it ran
    total: int  # customers matching the filter
    all_customers: int  # customers in marts.customers
    by_lifecycle_stage: list[tuple[str | None, int]] = field(default_factory=list)
    by_country_code: list[tuple[str | None, int]] = field(default_factory=list)  # top TOP_COUNTRIES
    elapsed_ms: float = 0.0
    as_of_date: str | None = None  # the published day, when the source says it
    source: str | None = None  # the DuckDB file that answered

    @property
    def share(self) -> float:
        """Share of all customers matching, 0.0 for an empty table."""
        return self.total / self.all_customers if self.all_customers else 0.0

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["share"] = round(self.share, 6)
        data["by_lifecycle_stage"] = [{"lifecycle_stage": k, "customers": n} for k, n in self.by_lifecycle_stage]
        data["by_country_code"] = [{"country_code": k, "customers": n} for k, n in self.by_country_code]
        return data


def customer_columns(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Column names of marts.customers, in table order, read from the information schema."""
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_catalog = current_database() and table_schema = 'marts' and table_name = 'customers' "
        "order by ordinal_position"
    ).fetchall()
    return [r[0] for r in rows]


def _published_as_of(con: duckdb.DuckDBPyConnection) -> str | None:
    """The day the serving copy shows (its marts.published marker), None for a working warehouse."""
    has_marker = con.execute(
        "select count(*) from information_schema.tables "
        "where table_catalog = current_database() and table_schema = 'marts' and table_name = 'published'"
    ).fetchone()
    if not has_marker or not has_marker[0]:
        return None
    row = con.execute("select cast(max(as_of_date) as varchar) from marts.published").fetchone()
    return row[0] if row else None


def count_audience(filter_text: str, con: duckdb.DuckDBPyConnection) -> AudienceCount:
    """Validate ``filter_text`` and count the matching customers of ``marts.customers`` on ``con``.

    Raises :class:`UserError` when the filter is refused, when marts.customers is missing, or when DuckDB
    cannot evaluate the filter (e.g. comparing a date with a number).
    """
    started = time.perf_counter()
    columns = customer_columns(con)
    if not columns:
        raise UserError("marts.customers does not exist in this warehouse: run `segments run` first")
    try:
        filter_sql = validate_filter(filter_text, columns)
    except FilterRefused as exc:
        raise UserError(f"filter refused: {exc}") from None

    has_stage = "lifecycle_stage" in columns
    has_country = "country_code" in columns
    stage = '"lifecycle_stage"' if has_stage else "cast(null as varchar)"
    country = '"country_code"' if has_country else "cast(null as varchar)"
    query = f"""
        with matched as (
            select {stage} as lifecycle_stage, {country} as country_code
            from marts.customers
            where ({filter_sql})
        )
        select grouping(lifecycle_stage) as g_stage, grouping(country_code) as g_country,
               lifecycle_stage, country_code, count(*) as customers
        from matched
        group by grouping sets ((), (lifecycle_stage), (country_code))
    """
    try:
        rows = con.execute(query).fetchall()
        all_row = con.execute("select count(*) from marts.customers").fetchone()
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0]
        raise UserError(f"the filter {filter_text!r} could not be evaluated on marts.customers: {first_line}") from None

    total = 0
    stages: list[tuple[str | None, int]] = []
    countries: list[tuple[str | None, int]] = []
    for g_stage, g_country, stage_value, country_value, n in rows:
        if g_stage and g_country:
            total = int(n)
        elif not g_stage:
            stages.append((stage_value, int(n)))
        else:
            countries.append((country_value, int(n)))
    # groups are only produced for matched rows; an empty match gives no grand-total row
    stages.sort(key=lambda kv: (-kv[1], kv[0] or ""))
    countries.sort(key=lambda kv: (-kv[1], kv[0] or ""))
    return AudienceCount(
        filter=filter_text,
        filter_sql=filter_sql,
        total=total,
        all_customers=int(all_row[0]) if all_row else 0,
        by_lifecycle_stage=stages if has_stage else [],
        by_country_code=countries[:TOP_COUNTRIES] if has_country else [],
        elapsed_ms=(time.perf_counter() - started) * 1000,
        as_of_date=_published_as_of(con),
    )


def audience_source(settings: Settings | None = None) -> Path:
    """The DuckDB file the Calculate button reads: the serving copy when published, else the working warehouse."""
    settings = settings or Settings.from_env()
    for candidate in (settings.serving_duckdb_path, settings.duckdb_path):
        if candidate.exists():
            return candidate
    raise UserError(
        f"no warehouse to count from: neither the serving copy {settings.serving_duckdb_path} nor the working "
        f"warehouse {settings.duckdb_path} exists; run `segments run` first"
    )


def open_for_counting(path: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection that cannot reach files or change its own configuration (defence in depth)."""
    if not path.exists():
        raise UserError(f"{path} does not exist: run `segments run` first")
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        first_line = str(exc).splitlines()[0]
        raise UserError(
            f"cannot open {path} read-only: {first_line}. If a run is writing the working warehouse, publish a "
            "serving copy (`segments publish`) or try again when the run has finished"
        ) from None
    configure(con)
    con.execute("set enable_external_access = false")
    con.execute("set lock_configuration = true")
    return con


def format_count(result: AudienceCount) -> str:
    """The human-readable answer printed by `segments count`."""
    day = f"as of {result.as_of_date}" if result.as_of_date else "as of the last build"
    lines = [
        f"{result.total:,} customers match ({result.share:.1%} of {result.all_customers:,}), {day}",
        f"  filter: {result.filter_sql}",
    ]
    if result.by_lifecycle_stage:
        lines.append("  by lifecycle_stage:")
        lines += [f"    {k or '(none)':<14} {n:>10,}" for k, n in result.by_lifecycle_stage]
    if result.by_country_code:
        lines.append(f"  by country_code (top {TOP_COUNTRIES}):")
        lines += [f"    {k or '(none)':<14} {n:>10,}" for k, n in result.by_country_code]
    lines.append(f"  answered in {result.elapsed_ms:.0f} ms from {result.source}")
    return "\n".join(lines)


def cli_count(args: argparse.Namespace) -> int:
    source = audience_source()
    con = open_for_counting(source)
    try:
        result = count_audience(args.filter, con)
    finally:
        con.close()
    result = replace(result, source=str(source))
    if getattr(args, "json", False):
        print(json.dumps(result.to_json(), indent=2, default=str))
    else:
        print(format_count(result))
    return 0

"""The benchmark floor: run floor_query.sql (marts.customers in one DuckDB query over the landing Parquet files).

    python -m segment_warehouse.bench.floor --landing DIR --as-of 2026-11-22 --database /tmp/floor.duckdb

Run as a subprocess by segment_warehouse.bench.run, so that its wall time and peak memory are measured like
those of `segments run`. Uses the same DuckDB settings as the warehouse (UTC, SEGMENTS_THREADS,
SEGMENTS_MEMORY_LIMIT).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path
from string import Template

import yaml

from segment_warehouse.contract import FX_RATES_TO_EUR
from segment_warehouse.settings import PROJECT_DIR
from segment_warehouse.warehouse import connect

FLOOR_QUERY = Path(__file__).with_name("floor_query.sql")

#: dbt vars the floor query reads (their defaults in dbt_project.yml)
FLOOR_VARS = (
    "recent_orders_days",
    "yearly_orders_days",
    "half_year_orders_months",
    "engagement_window_days",
    "long_engagement_window_days",
    "urban_min_population",
    "earth_radius_km",
    "store_latitude",
    "store_longitude",
    "lifecycle_new_days",
    "lifecycle_lost_days",
    "lifecycle_at_risk_days",
    "lifecycle_loyal_min_orders",
    "email_super_active_min_delivered",
    "email_super_active_min_open_rate",
    "email_moderate_min_opened",
    "email_dormant_min_delivered",
)


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def render_floor_query(landing_dir: Path, as_of: dt.date) -> str:
    """floor_query.sql with its placeholders filled: landing dir, D, T, fx rates, cities seed, dbt var defaults."""
    project_vars = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    instant = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    fx_values = ", ".join(f"({_sql_string(c)}, cast({rate} as decimal(12, 6)))" for c, rate in FX_RATES_TO_EUR.items())
    values = {name: str(project_vars[name]) for name in FLOOR_VARS}
    values.update(
        landing=str(landing_dir.resolve()).replace("'", "''"),
        as_of_date=as_of.isoformat(),
        as_of_instant=f"timestamp '{instant:%Y-%m-%d %H:%M:%S}'",
        fx_values=fx_values,
        cities_csv=str((PROJECT_DIR / "seeds" / "cities.csv").resolve()).replace("'", "''"),
    )
    return Template(FLOOR_QUERY.read_text(encoding="utf-8")).substitute(values)


def run_floor(landing_dir: Path, as_of: dt.date, database: Path) -> tuple[int, float]:
    """Build floor_customers in `database` (replaced); return (rows, seconds)."""
    sql = render_floor_query(landing_dir, as_of)
    database.parent.mkdir(parents=True, exist_ok=True)
    for stale in (database, database.with_name(database.name + ".wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    con = connect(database)
    try:
        con.execute(sql)
        rows = con.execute("select count(*) from floor_customers").fetchone()[0]
    finally:
        con.close()
    return int(rows), time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--landing", type=Path, required=True, help="landing directory (Parquet files per entity)")
    parser.add_argument("--as-of", required=True, help="as-of date D, YYYY-MM-DD")
    parser.add_argument("--database", type=Path, required=True, help="DuckDB file to write floor_customers into")
    args = parser.parse_args(argv)
    if not args.landing.is_dir():
        print(f"error: landing directory {args.landing} does not exist", file=sys.stderr)
        return 2
    rows, seconds = run_floor(args.landing, dt.date.fromisoformat(args.as_of), args.database)
    print(f"floor_customers: {rows:,} rows in {seconds:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

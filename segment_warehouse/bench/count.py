"""Benchmark of `segments count`: answer time of a few filters over 1 000 000 customers.

    python -m segment_warehouse.bench.count                       # synthetic marts.customers in a temp file
    python -m segment_warehouse.bench.count --warehouse FILE      # an existing (serving or working) warehouse
    python -m segment_warehouse.bench.count --customers 200000    # another size

Prints numbers; asserts nothing (the target is under 1 s per answer at 1 000 000 customers).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb

from segment_warehouse.audience_count import count_audience, open_for_counting

FILTERS = (
    "orders_count >= 3 and whatsapp_reads_90d >= 1",
    "(orders_count >= 3 or total_spent_eur >= 500) and whatsapp_reads_90d >= 1",
    "lifecycle_stage in ('at_risk', 'lost') and email_consent",
    "lower(city) = 'paris' and age between 18 and 35",
    "last_order_at >= date '2026-06-01' and country_code <> 'FR'",
    "starts_with(lower(email), 'a') or last_cart_at is not null",
)

#: synthetic customers-like rows: every DESIGN §6 column, values spread like a shop's base
SYNTHETIC_CUSTOMERS = """
create table marts.customers as
with base as (
    select i, cast(hash(i) % 1000000007 as bigint) as h, cast(hash(i * 7919) % 1000000007 as bigint) as h2
    from range({n}) t(i)
)
select
    'c' || lpad(cast(i as varchar), 8, '0') as customer_id,
    case when h % 10 < 9 then 'user' || i || '@example.com' end as email,
    case when h % 3 = 0 then '+3361234' || lpad(cast(i % 10000 as varchar), 4, '0') end as phone,
    'First' || (h % 500) as first_name,
    'Last' || (h2 % 2000) as last_name,
    ['female', 'male', 'other'][1 + h % 3] as gender,
    date '1950-01-01' + cast(h % 20000 as integer) as birth_date,
    cast(18 + h % 60 as integer) as age,
    ['Paris', 'Lyon', 'Montpellier', 'Bruxelles', 'Gent', 'Genève', 'Lille', 'Sète'][1 + h2 % 8] as city,
    ['FR', 'FR', 'FR', 'BE', 'BE', 'CH', 'DE', 'ES', 'IT', 'NL', 'GB', 'US'][1 + h % 12] as country_code,
    timestamp '2020-01-01' + to_seconds(cast(h2 % 200000000 as bigint)) as created_at,
    cast(h % 8 as integer) as orders_count,
    case when h % 8 > 0 then timestamp '2021-01-01' + to_seconds(cast(h2 % 100000000 as bigint)) end
        as first_order_at,
    case when h % 8 > 0 then timestamp '2024-06-01' + to_seconds(cast(h % 70000000 as bigint)) end
        as last_order_at,
    cast((h % 8) * (h2 % 20000) / 100.0 as decimal(18, 2)) as total_spent_eur,
    case when h % 8 > 0 then cast((h2 % 20000) / 100.0 as decimal(18, 2)) end as aov_eur,
    case when h % 8 > 0 then cast((h2 % 15000) / 100.0 as decimal(18, 2)) end as last_order_amount_ht_eur,
    cast(h2 % 3 as integer) as orders_90d,
    cast(h2 % 5 as integer) as orders_365d,
    cast(h2 % 4 as integer) as orders_6m,
    case when h % 8 > 1 then (h2 % 40000) / 100.0 end as avg_days_between_orders,
    cast(h2 % 4 as integer) as whatsapp_inbound_count,
    h2 % 17 = 0 as has_unhandled_inbound,
    cast(h2 % 5 as integer) as whatsapp_reads_90d,
    cast(h % 9 as integer) as email_delivered_90d,
    cast(h % 15 as integer) as email_delivered_180d,
    cast(h2 % 6 as integer) as email_opened_90d,
    cast(h2 % 9 as integer) as email_opened_180d,
    h2 % 3 = 0 as engaged_90d,
    timestamp '2026-01-01' + to_seconds(cast(h2 % 28000000 as bigint)) as last_visit_at,
    case when h % 5 = 0 then timestamp '2026-06-01' + to_seconds(cast(h2 % 15000000 as bigint)) end as last_cart_at,
    timestamp '2026-01-01' + to_seconds(cast(h % 28000000 as bigint)) as last_activity_at,
    h % 10 < 6 as email_consent,
    h % 10 < 2 as sms_consent,
    h % 10 < 3 as whatsapp_consent,
    h2 % 8 < 3 as is_urban,
    (h2 % 100000) / 100.0 as distance_km,
    ['prospect', 'new', 'active', 'loyal', 'at_risk', 'lost'][1 + h % 6] as lifecycle_stage,
    ['super_active', 'moderate', 'dormant', 'none'][1 + h2 % 4] as engagement_tier
from base
"""


def build_synthetic(path: Path, customers: int) -> float:
    """Write `customers` synthetic rows to marts.customers in `path`; return the seconds it took."""
    started = time.perf_counter()
    con = duckdb.connect(str(path))
    con.execute("set TimeZone = 'UTC'")
    con.execute("create schema marts")
    con.execute(SYNTHETIC_CUSTOMERS.format(n=int(customers)))
    con.close()
    return time.perf_counter() - started


def time_filters(path: Path, repeats: int) -> None:
    con = open_for_counting(path)
    try:
        for text in FILTERS:
            timings = []
            result = None
            for _ in range(repeats):
                result = count_audience(text, con)
                timings.append(result.elapsed_ms)
            assert result is not None
            print(
                f"  {statistics.median(timings):8.1f} ms median  {max(timings):8.1f} ms max  "
                f"{result.total:>9,} of {result.all_customers:,}  {text}"
            )
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--customers", type=int, default=1_000_000, help="synthetic rows (default 1 000 000)")
    parser.add_argument("--warehouse", type=Path, default=None, help="use this DuckDB file instead")
    parser.add_argument("--repeats", type=int, default=5, help="answers per filter (default 5)")
    args = parser.parse_args(argv)

    if args.warehouse is not None:
        print(f"segments count on {args.warehouse}")
        time_filters(args.warehouse, args.repeats)
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-count-") as tmp:
        path = Path(tmp) / "bench.duckdb"
        seconds = build_synthetic(path, args.customers)
        print(f"segments count over {args.customers:,} synthetic customers (built in {seconds:.1f} s)")
        time_filters(path, args.repeats)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

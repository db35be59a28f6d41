"""Ingest throughput: synthetic landing files written by DuckDB, then `ingest_all`, rows/s per entity.

    python -m segment_warehouse.bench.ingest --web-events 10000000 --format parquet --dir /tmp/bench-ingest

The files are synthetic (not the generator's shop): typed Parquet (the fast path) or CSV (every value
parsed and checked as text), with one bad row in 10 000 so the quarantine path runs too. Prints numbers,
asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import duckdb

from segment_warehouse.ingest import ingest_all
from segment_warehouse.warehouse import connect

#: SQL producing `n` rows of each entity (`i` = 0..n-1); every 10 000th row breaks a rule of DESIGN §5
_ROWS = {
    "web_events": """
        select 'e' || i as event_id,
               timestamp '2026-01-01' + to_seconds(i % 31536000) as occurred_at,
               'a' || (i % 3000000) as anonymous_id,
               case when i % 3 = 0 then 'c' || (i % 1000000) end as customer_id,
               's' || (i // 5) as session_id,
               case when i % 10000 = 7 then 'scroll'
                    else ['page_view', 'product_view', 'add_to_cart', 'begin_checkout'][1 + i % 4] end as event_type,
               case when i % 2 = 0 then 'p' || (i % 500) end as product_id,
               '/products/' || (i % 500) as page_path
        from range({n}) t(i)""",
    "messages": """
        select 'm' || i as message_id,
               case when i % 50 <> 0 then 'c' || (i % 1000000) end as customer_id,
               ['whatsapp', 'email', 'sms'][1 + i % 3] as channel,
               case when i % 10000 = 7 then 'sideways' when i % 4 = 0 then 'inbound' else 'outbound' end as direction,
               case when i % 4 <> 0 then 'k' || (i % 300) end as campaign_id,
               timestamp '2026-01-01' + to_seconds(i % 31536000) as sent_at
        from range({n}) t(i)""",
    "orders": """
        select 'o' || i as order_id, 'c' || (i % 1000000) as customer_id,
               timestamp '2025-01-01' + to_seconds(i % 60000000) as created_at,
               timestamp '2025-01-01' + to_seconds(i % 60000000 + 3600) as updated_at,
               case when i % 10000 = 7 then 'JPY' else ['EUR', 'USD', 'GBP', 'CHF'][1 + i % 4] end as currency,
               cast((i % 50000) / 100 + 5 as decimal(18, 2)) as total_price,
               cast((i % 5000) / 100 as decimal(18, 2)) as total_tax,
               cast(0 as decimal(18, 2)) as total_discounts,
               case when i % 20 = 0 then cast(1 as decimal(18, 2)) end as total_refunded,
               case when i % 7 = 0 then 'WELCOME10' end as discount_codes,
               ['paid', 'pending', 'refunded', 'partially_refunded', 'voided'][1 + i % 5] as financial_status,
               cast(null as timestamp) as cancelled_at, 'web' as source_name
        from range({n}) t(i)""",
}


def write_landing(landing: Path, counts: dict[str, int], file_format: str, rows_per_file: int) -> None:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute("set enable_progress_bar = false")
    for entity, total in counts.items():
        folder = landing / entity
        folder.mkdir(parents=True, exist_ok=True)
        for part, start in enumerate(range(0, total, rows_per_file)):
            n = min(rows_per_file, total - start)
            sql = _ROWS[entity].format(n=n).replace("range(", f"range({start}, {start} + ", 1)
            sql = sql.replace(f"range({start}, {start} + {n})", f"range({start}, {start + n})")
            target = folder / f"part-{part:04d}.{file_format}"
            options = "(format parquet)" if file_format == "parquet" else "(format csv, header true)"
            con.execute(f"copy ({sql}) to '{target}' {options}")
    con.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--web-events", type=int, default=5_000_000)
    parser.add_argument("--messages", type=int, default=3_000_000)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--rows-per-file", type=int, default=10_000_000)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/segments-bench-ingest"), help="scratch directory")
    args = parser.parse_args()

    landing, warehouse = args.dir / "landing", args.dir / "warehouse.duckdb"
    shutil.rmtree(args.dir, ignore_errors=True)
    counts = {"web_events": args.web_events, "messages": args.messages, "orders": args.orders}
    started = time.perf_counter()
    write_landing(landing, {k: v for k, v in counts.items() if v > 0}, args.format, args.rows_per_file)
    print(f"wrote {sum(counts.values()):,} rows as {args.format} in {time.perf_counter() - started:.1f} s")

    con = connect(warehouse)
    report = ingest_all(landing, con=con, entities=[k for k, v in counts.items() if v > 0], progress=None)
    print(f"{'entity':<12} {'rows':>12} {'seconds':>8} {'rows/s':>12}")
    for result in report.entities:
        seconds = sum(f.seconds for f in result.files_loaded)
        rate = result.rows_read / seconds if seconds else 0.0
        print(f"{result.entity:<12} {result.rows_read:>12,} {seconds:>8.1f} {rate:>12,.0f}")
    started = time.perf_counter()
    again = ingest_all(landing, con=con, progress=None)
    skipped = sum(len(e.files_skipped) for e in again.entities)
    print(f"re-run: {skipped} files skipped in {time.perf_counter() - started:.1f} s (hashing only)")
    con.close()


if __name__ == "__main__":
    main()

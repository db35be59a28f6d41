"""Generating the synthetic shop: every entity of the landing contract, block by block, month by month.

    generate_shop(out_dir, customers=5000, seed=42, end_date="2026-11-22")              # full history
    generate_shop(out_dir, 5000, 42, "2026-11-23", since="2026-11-22")                  # the next day only

A full generation writes `<out>/<entity>/full_<end>_partNNNN.<ext>` (and first removes the files of an
earlier generation there); a drop writes `drop_<since>_<end>_partNNNN.<ext>` next to them. History is a
function of the seed (and the number of customers): the drop for day D+1 holds exactly the rows of that day
that a full generation ending on D+1 holds.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa

from segment_warehouse.contract import ENTITIES, ENTITY_NAMES
from segment_warehouse.generate import columns as col
from segment_warehouse.generate import messages, orders, web
from segment_warehouse.generate.bad_rows import bad_rows_table
from segment_warehouse.generate.campaigns import campaigns_table
from segment_warehouse.generate.catalogue import load_places
from segment_warehouse.generate.customers import customers_table, draw_block
from segment_warehouse.generate.lists import list_memberships_table
from segment_warehouse.generate.products import products_table
from segment_warehouse.generate.timeline import (
    DAY,
    LAST_END_DATE,
    SignupSchedule,
    Window,
    date_seconds,
    month_of_seconds,
)
from segment_warehouse.generate.writer import MAX_ROWS_PER_FILE, EntityWriter, Format

#: customers per block: the unit of generation (bounded memory) and of randomness
MAX_BLOCK_SIZE = 25_000
MIN_BLOCK_SIZE = 500
#: a drop regenerates this much before its window: later versions of orders (refunds) and late events
LOOKBACK_DAYS = 62
#: visitors browse up to this long before they sign up
PRE_SIGNUP_DAYS = 46


class GenerationError(ValueError):
    """Arguments the generator cannot honour (the message says which and what to do)."""


@dataclass
class EntitySummary:
    files: list[Path] = field(default_factory=list)
    rows: int = 0
    bytes: int = 0
    seconds: float = 0.0


@dataclass
class GenerationSummary:
    out_dir: Path
    mode: str  # "full" or "drop"
    customers: int
    seed: int
    end_date: dt.date
    since: dt.date | None
    fmt: str
    entities: dict[str, EntitySummary]
    seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(e.rows for e in self.entities.values())

    @property
    def total_bytes(self) -> int:
        return sum(e.bytes for e in self.entities.values())

    def table_text(self) -> str:
        lines = [f"{'entity':<18} {'files':>5} {'rows':>13} {'size':>11} {'seconds':>8}"]
        for name, e in self.entities.items():
            lines.append(f"{name:<18} {len(e.files):>5} {e.rows:>13,} {_size(e.bytes):>11} {e.seconds:>8.1f}")
        files = sum(len(e.files) for e in self.entities.values())
        total = f"{'total':<18} {files:>5} {self.total_rows:>13,} {_size(self.total_bytes):>11}"
        lines.append(f"{total} {self.seconds:>8.1f}")
        return "\n".join(lines)


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _as_date(value: dt.date | str | None, what: str) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise GenerationError(f"{what} {value!r} is not a date: use YYYY-MM-DD, e.g. 2026-11-22") from None


def block_size(customers: int) -> int:
    return min(MAX_BLOCK_SIZE, max(MIN_BLOCK_SIZE, math.ceil(customers / 8)))


def file_stem(end_date: dt.date, since: dt.date | None) -> str:
    return f"full_{end_date}" if since is None else f"drop_{since}_{end_date}"


def _remove_earlier_generation(out_dir: Path) -> int:
    """Remove the files of an earlier generation (full_*, drop_*) from the entity folders; return how many."""
    removed = 0
    for name in ENTITY_NAMES:
        folder = out_dir / name
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            generated = path.name.startswith(("full_", "drop_", ".full_", ".drop_"))
            if generated and path.suffix in (".parquet", ".csv", ".tmp") and path.is_file():
                path.unlink()
                removed += 1
    return removed


def generate_shop(
    out_dir: Path | str,
    customers: int,
    seed: int,
    end_date: dt.date | str,
    fmt: Format = "parquet",
    since: dt.date | str | None = None,
    *,
    bad_rows: int = 0,
    max_rows_per_file: int = MAX_ROWS_PER_FILE,
    progress: Callable[[str], None] | None = print,
) -> GenerationSummary:
    """Write the synthetic shop's landing files; return what was written (files, rows, sizes per entity)."""
    say = progress or (lambda _line: None)
    started = time.perf_counter()
    out = Path(out_dir)
    end = _as_date(end_date, "end date")
    first_day = _as_date(since, "since date")
    assert end is not None
    if customers < 1:
        raise GenerationError(f"--customers {customers}: generate at least 1 customer")
    if seed < 0:
        raise GenerationError(f"--seed {seed}: the seed must be a non-negative integer")
    if fmt not in ("parquet", "csv"):
        raise GenerationError(f"--format {fmt!r}: choose parquet or csv")
    if bad_rows < 0:
        raise GenerationError(f"--bad-rows {bad_rows}: must be 0 or more")
    if end > LAST_END_DATE:
        raise GenerationError(f"--end-date {end}: the generator's calendar ends on {LAST_END_DATE}")
    if first_day is not None and first_day >= end:
        raise GenerationError(f"--since {first_day} must be before --end-date {end} (the drop holds the days after it)")

    schedule = SignupSchedule(customers)
    window_end = date_seconds(end + dt.timedelta(days=1))
    window = Window(0 if first_day is None else date_seconds(first_day + dt.timedelta(days=1)), window_end)
    k_hi = schedule.signed_up_before(window_end)
    k_lo = k_hi - customers
    if k_lo < 0:
        raise GenerationError(
            f"--end-date {end} is too early for {customers:,} customers: the synthetic shop opened on 2000-01-01 "
            "and signs up that many customers in about three years; choose a later end date"
        )
    size = block_size(customers)
    blocks = range(k_lo // size, (k_hi - 1) // size + 1)
    oldest_signup = int(schedule.signup_times(np.array([k_lo]))[0])
    first_month = month_of_seconds(oldest_signup - PRE_SIGNUP_DAYS * DAY)
    if not window.is_full:
        first_month = max(first_month, month_of_seconds(window.start - LOOKBACK_DAYS * DAY))
    last_month = month_of_seconds(window_end - 1)
    months = range(first_month, last_month + 1)

    mode = "full" if first_day is None else "drop"
    what = f"history through {end}" if first_day is None else f"the days after {first_day} through {end}"
    say(
        f"generate: {customers:,} customers, seed {seed}, {what} ({fmt}) into {out}\n"
        f"generate: {len(blocks)} block(s) of up to {size:,} customers, {len(months)} months"
    )
    if first_day is None:
        removed = _remove_earlier_generation(out)
        if removed:
            say(f"generate: removed {removed} file(s) of an earlier generation")

    places = load_places()
    stem = file_stem(end, first_day)
    writers = {
        name: EntityWriter(out / name, stem, fmt, col.entity_schema(ENTITIES[name]), max_rows_per_file)
        for name in ENTITY_NAMES
    }
    summary = {name: EntitySummary() for name in ENTITY_NAMES}

    def emit(name: str, table: pa.Table, seconds: float) -> None:
        t0 = time.perf_counter()
        if table.num_rows:
            writers[name].write(table)
        summary[name].seconds += seconds + time.perf_counter() - t0

    for number, b in enumerate(blocks, start=1):
        block_started = time.perf_counter()
        t0 = time.perf_counter()
        block = draw_block(seed, b, size, schedule, places)
        included = (block.k >= k_lo) & (block.k < k_hi)
        emit("customers", customers_table(seed, block, places, included, window), time.perf_counter() - t0)
        t0 = time.perf_counter()
        emit("list_memberships", list_memberships_table(seed, block, included, window), time.perf_counter() - t0)

        block_first_month = max(first_month, month_of_seconds(int(block.signup.min()) - PRE_SIGNUP_DAYS * DAY))
        month_orders, month_visits, month_messages = [], [], []
        timings = {"orders": 0.0, "web_events": 0.0, "messages": 0.0}
        for m in range(block_first_month, last_month + 1):
            t0 = time.perf_counter()
            o = orders.generate_month(seed, block, m)
            t1 = time.perf_counter()
            v = web.generate_month(seed, block, m)
            t2 = time.perf_counter()
            month_messages.append(messages.generate_month(seed, block, m, o, v))
            t3 = time.perf_counter()
            month_orders.append(o)
            month_visits.append(v)
            timings["orders"] += t1 - t0
            timings["web_events"] += t2 - t1
            timings["messages"] += t3 - t2
        emit("orders", orders.orders_table(month_orders, block, included, window), timings["orders"] / 2)
        emit("order_lines", orders.order_lines_table(month_orders, included, window), timings["orders"] / 2)
        emit("web_events", web.web_events_table(month_visits, included, window), timings["web_events"])
        emit("messages", messages.messages_table(month_messages, included, window), timings["messages"] / 2)
        emit("message_events", messages.message_events_table(month_messages, included, window), timings["messages"] / 2)
        say(
            f"  block {number}/{len(blocks)}: {int(included.sum()):,} customers, "
            f"{writers['orders'].rows:,} order versions, {writers['messages'].rows:,} messages, "
            f"{writers['web_events'].rows:,} web events so far ({time.perf_counter() - block_started:.1f} s)"
        )

    t0 = time.perf_counter()
    emit("campaigns", campaigns_table(seed, months, window), time.perf_counter() - t0)
    if first_day is None:
        emit("products", products_table(), 0.0)
    if bad_rows:
        for name in ENTITY_NAMES:
            bad = EntityWriter(out / name, f"{stem}_bad", fmt, bad_rows_table(name, 0).schema, max_rows_per_file)
            bad.write(bad_rows_table(name, bad_rows))
            summary[name].files += bad.close()
            summary[name].rows += bad.rows
        say(f"generate: {bad_rows} deliberately bad row(s) per entity in {stem}_bad_part0001.{fmt}")

    for name, writer in writers.items():
        files = writer.close()
        summary[name].files = files + summary[name].files
        summary[name].rows += writer.rows
        summary[name].bytes = sum(path.stat().st_size for path in summary[name].files)
        say(f"  {name:<17} {summary[name].rows:>13,} rows  {summary[name].seconds:6.1f} s")
    result = GenerationSummary(out, mode, customers, seed, end, first_day, fmt, summary)
    result.seconds = time.perf_counter() - started
    return result

"""Benchmark of the generator (`make bench-generate`): wall time and peak memory of `segments generate`.

    python -m segment_warehouse.bench.generate                        # 100 000 and 1 000 000 customers
    python -m segment_warehouse.bench.generate --sizes 20000 --keep   # a quick look, files kept

For each size N, in a fresh temporary directory:
  1. `segments generate --customers N --end-date D`                     the full history (timed)
  2. `segments generate --since D --end-date D+1` into the same folder  the next day's drop (timed)
Each runs in a subprocess, measured from outside (wall time; peak resident memory of the process tree and
the kernel's ru_maxrss). Then rows and bytes per entity, read back from the files, and rows per second.
Targets of the issue (information only, never asserted): 100 000 customers in under 60 s; 1 000 000 in
under 10 minutes and 8 GiB on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.parquet as pq

from segment_warehouse.bench.measurement import GIB, MIB, Measurement, measure_command
from segment_warehouse.contract import ENTITY_NAMES

DEFAULT_SIZES = (100_000, 1_000_000)
#: a fixed end date, so that every benchmark generates the same shop
DEFAULT_END_DATE = dt.date(2026, 11, 22)
#: targets of the issue: (customers, seconds, peak bytes)
TARGETS = {100_000: (60.0, None), 1_000_000: (600.0, 8 * GIB)}
#: landing bytes per customer (Parquet, measured), to check free disk space before starting
BYTES_PER_CUSTOMER = 1_500


@dataclass
class StepResult:
    measurement: Measurement
    rows: dict[str, int] = field(default_factory=dict)
    bytes: dict[str, int] = field(default_factory=dict)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def _count(landing: Path, stem: str) -> tuple[dict[str, int], dict[str, int]]:
    """Rows (from Parquet metadata, or CSV lines) and bytes per entity of the files named `<stem>_part*`."""
    rows: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for entity in ENTITY_NAMES:
        rows[entity] = sizes[entity] = 0
        for path in sorted((landing / entity).glob(f"{stem}_part*")):
            sizes[entity] += path.stat().st_size
            if path.suffix == ".parquet":
                rows[entity] += pq.ParquetFile(path).metadata.num_rows
            else:
                with path.open("rb") as handle:
                    rows[entity] += max(sum(1 for _ in handle) - 1, 0)
    return rows, sizes


def _command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "segment_warehouse.cli", "generate", *arguments]


def _heartbeat(label: str):
    def report(elapsed: float, rss: int) -> None:
        print(f"      … {label}: {elapsed:,.0f} s, {rss / MIB:,.0f} MiB resident", flush=True)

    return report


def run_size(customers: int, args: argparse.Namespace, root: Path) -> dict[str, StepResult]:
    landing = root / f"landing_{customers}"
    logs = root / "logs"
    end = args.end_date
    next_day = end + dt.timedelta(days=1)
    common = ["--customers", str(customers), "--seed", str(args.seed), "--out", str(landing), "--format", args.format]
    steps = {
        "full": (_command(*common, "--end-date", str(end)), f"full_{end}"),
        "next day": (_command(*common, "--since", str(end), "--end-date", str(next_day)), f"drop_{end}_{next_day}"),
    }
    results: dict[str, StepResult] = {}
    for label, (command, stem) in steps.items():
        print(f"  {customers:,} customers, {label}: {' '.join(command[3:])}", flush=True)
        measurement = measure_command(
            f"{customers} {label}",
            command,
            env=dict(os.environ),
            log_path=logs / f"generate_{customers}_{label.replace(' ', '_')}.log",
            heartbeat=_heartbeat(f"{customers:,} {label}"),
        )
        if not measurement.ok:
            print(f"    FAILED (exit {measurement.returncode}); last lines of {measurement.log_path}:")
            print(measurement.log_tail())
            results[label] = StepResult(measurement)
            break
        rows, sizes = _count(landing, stem)
        results[label] = StepResult(measurement, rows, sizes)
        print(
            f"    {measurement.wall_seconds:,.1f} s, peak {measurement.peak_rss_bytes / MIB:,.0f} MiB, "
            f"{results[label].total_rows:,} rows",
            flush=True,
        )
    if not args.keep:
        shutil.rmtree(landing, ignore_errors=True)
    return results


def _print_report(results: dict[int, dict[str, StepResult]], args: argparse.Namespace) -> None:
    print(f"\nGenerator benchmark: seed {args.seed}, end date {args.end_date}, {args.format}, {os.cpu_count()} CPU(s)")
    header = f"{'customers':>11}  {'step':<9} {'wall s':>8} {'peak RSS':>10} {'rows':>13} {'rows/s':>11} {'size':>10}"
    print(header)
    print("-" * len(header))
    for customers, steps in results.items():
        for label, step in steps.items():
            m = step.measurement
            if not m.ok:
                print(f"{customers:>11,}  {label:<9} {'failed':>8}  (see {m.log_path})")
                continue
            rate = step.total_rows / m.wall_seconds if m.wall_seconds else 0.0
            size = sum(step.bytes.values()) / MIB
            print(
                f"{customers:>11,}  {label:<9} {m.wall_seconds:>8.1f} {m.peak_rss_bytes / MIB:>6,.0f} MiB "
                f"{step.total_rows:>13,} {rate:>11,.0f} {size:>6,.0f} MiB"
            )
    print("\nRows per entity (full generation; next day's drop in brackets)")
    sizes = list(results)
    print(f"{'entity':<18}" + "".join(f"{n:>26,}" for n in sizes))
    for entity in ENTITY_NAMES:
        cells = []
        for customers in sizes:
            full = results[customers].get("full")
            drop = results[customers].get("next day")
            full_rows = f"{full.rows.get(entity, 0):,}" if full and full.rows else "-"
            drop_rows = f"({drop.rows.get(entity, 0):,})" if drop and drop.rows else ""
            cells.append(f"{full_rows + ' ' + drop_rows:>26}")
        print(f"{entity:<18}" + "".join(cells))
    print("\nTargets (information, not asserted)")
    for customers, (seconds, peak) in TARGETS.items():
        full = results.get(customers, {}).get("full")
        if full is None or not full.measurement.ok:
            print(f"  {customers:>9,} customers: not measured")
            continue
        m = full.measurement
        verdict = "met" if m.wall_seconds <= seconds and (peak is None or m.peak_rss_bytes <= peak) else "MISSED"
        peak_text = f" and {peak / GIB:.0f} GiB" if peak else ""
        print(
            f"  {customers:>9,} customers: {m.wall_seconds:,.1f} s (target {seconds:,.0f} s{peak_text}), "
            f"peak {m.peak_rss_bytes / GIB:.2f} GiB: {verdict}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m segment_warehouse.bench.generate", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="comma-separated customer counts (default 100000,1000000)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--end-date", type=dt.date.fromisoformat, default=DEFAULT_END_DATE, help="YYYY-MM-DD")
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--workdir", type=Path, default=None, help="where files go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated landing files")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes {args.sizes!r}: give customer counts separated by commas, e.g. 100000,1000000")
    root = args.workdir or Path(tempfile.mkdtemp(prefix="segments-bench-generate-"))
    root.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(root).free
    needed = max(sizes) * BYTES_PER_CUSTOMER * (3 if args.format == "csv" else 1)
    if free < needed:
        print(
            f"error: {root} has {free / GIB:.1f} GiB free; {max(sizes):,} customers need about {needed / GIB:.1f} GiB. "
            "Free some space or choose --workdir elsewhere.",
            file=sys.stderr,
        )
        return 2
    print(f"Benchmarking `segments generate` at {', '.join(f'{s:,}' for s in sizes)} customers in {root}")
    results = {customers: run_size(customers, args, root) for customers in sizes}
    _print_report(results, args)
    if not args.keep and args.workdir is None:
        shutil.rmtree(root, ignore_errors=True)
    failed = any(not step.measurement.ok for steps in results.values() for step in steps.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

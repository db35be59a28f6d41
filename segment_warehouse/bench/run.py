"""Benchmark of the daily run (`make bench`): full build, next day's run, and the hand-written floor.

    python -m segment_warehouse.bench.run                          # 100 000 and 1 000 000 customers
    python -m segment_warehouse.bench.run --sizes 2000             # a quick end-to-end check
    python -m segment_warehouse.bench.run --memory-limit 1GB       # every run under DuckDB memory_limit=1GB

For each size N, in a fresh directory:
  1. `segments generate --customers N --end-date D`            (landing files; timed for information)
  2. `segments run --as-of D`                                    full run on an empty warehouse
  3. floor: floor_query.sql, marts.customers in one DuckDB query straight from the landing Parquet files
  4. `segments generate --since D --end-date D+1` into the same landing directory (one new day of files)
  5. `segments run --as-of D+1`                                  the next day's run on the same warehouse
  6. floor again, as of D+1
  7. at the largest size, a full run as of D+1 on a fresh warehouse under --constrained-memory-limit, unless
     the runs above already ran under that limit (the default memory_limit is 1GB)
Every step runs in a subprocess: wall time and peak memory (resident set of the whole process tree) are
measured from outside; after each run, its breakdown is read from the run's Dagster step log and dbt's
run_results.json (bench/breakdown.py: every step, dbt's models and tests, the slowest dbt nodes). Then rows
per model, how the floor agrees with marts.customers, and the targets
(at 1 000 000 customers on 2 cores: full run <= 60 s and <= 3 x the floor, peak <= 2 GiB, completes under
memory_limit 1GB, next day <= 35 % of the full run). Prints numbers; asserts nothing.
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

import duckdb

from segment_warehouse.bench.breakdown import RunBreakdown, breakdown_lines, read_breakdown
from segment_warehouse.bench.measurement import GIB, MIB, Measurement, measure_command
from segment_warehouse.settings import PROJECT_DIR, memory_limit_from_env, threads_from_env

DEFAULT_SIZES = (100_000, 1_000_000)
#: a fixed as-of date, so that every benchmark computes the same thing
DEFAULT_AS_OF = dt.date(2026, 11, 22)
MODEL_SCHEMAS = ("staging", "intermediate", "marts", "segments")

# targets of the issue, stated for 1 000 000 customers on 2 cores
TARGET_FULL_RUN_SECONDS = 60.0
TARGET_FLOOR_FACTOR = 3.0
TARGET_PEAK_BYTES = 2 * GIB
TARGET_NEXT_DAY_RATIO = 0.35
TARGET_CUSTOMERS = 1_000_000


@dataclass(frozen=True)
class SizePaths:
    """Where one size's files go. Logs live outside `root` so that they survive --no-keep cleanup."""

    root: Path
    logs: Path

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "warehouse.duckdb"

    @property
    def constrained_warehouse(self) -> Path:
        return self.root / "constrained" / "warehouse.duckdb"

    def floor_database(self, as_of: dt.date) -> Path:
        return self.root / "floor" / f"floor_{as_of:%Y%m%d}.duckdb"


@dataclass
class SizeResult:
    customers: int
    steps: dict[str, Measurement] = field(default_factory=dict)
    rows_full: dict[str, int] = field(default_factory=dict)
    rows_next: dict[str, int] = field(default_factory=dict)
    #: as-of date -> (per shared column, customers whose value differs; note when nothing could be compared)
    floor_agreement: dict[dt.date, tuple[list[tuple[str, int]], str]] = field(default_factory=dict)
    #: step key of a run ("full_run", "next_run") -> where its time went
    breakdowns: dict[str, RunBreakdown] = field(default_factory=dict)


def segments_command(*arguments: str) -> list[str]:
    """The `segments` CLI in this interpreter (no dependence on PATH)."""
    return [sys.executable, "-m", "segment_warehouse.cli", *arguments]


def floor_command(landing: Path, as_of: dt.date, database: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "segment_warehouse.bench.floor",
        "--landing",
        str(landing),
        "--as-of",
        as_of.isoformat(),
        "--database",
        str(database),
    ]


def child_environment(
    paths: SizePaths, warehouse: Path, memory_limit: str | None, threads: int | None
) -> dict[str, str]:
    """Environment of every child: this size's landing dir and warehouse, private dbt and Dagster state."""
    env = dict(os.environ)
    state = warehouse.parent
    env.update(
        SEGMENTS_LANDING_DIR=str(paths.landing),
        SEGMENTS_DUCKDB_PATH=str(warehouse),
        SEGMENTS_EXPORTS_DIR=str(state / "exports"),
        DBT_TARGET_PATH=str(state / "dbt_target"),
        DBT_LOG_PATH=str(state / "dbt_logs"),
        DAGSTER_HOME=str(state / "dagster_home"),
    )
    (state / "dagster_home").mkdir(parents=True, exist_ok=True)
    if memory_limit:
        env["SEGMENTS_MEMORY_LIMIT"] = memory_limit
    if threads:
        env["SEGMENTS_THREADS"] = str(threads)
    return env


def _heartbeat(label: str):
    def report(elapsed: float, rss: int) -> None:
        print(f"      … {label}: {elapsed:,.0f} s, {rss / MIB:,.0f} MiB resident", flush=True)

    return report


def run_step(result: SizeResult, key: str, label: str, command: list[str], env: dict[str, str], logs: Path) -> bool:
    print(f"    {label} …", flush=True)
    measurement = measure_command(
        label,
        command,
        env=env,
        log_path=logs / f"{result.customers}_{key}.log",
        cwd=PROJECT_DIR,
        heartbeat=_heartbeat(label),
    )
    result.steps[key] = measurement
    status = "ok" if measurement.ok else f"FAILED (exit {measurement.returncode})"
    print(
        f"    {label}: {status}, {measurement.wall_seconds:,.1f} s, peak {measurement.peak_rss_bytes / MIB:,.0f} MiB"
        f"  (log: {measurement.log_path})",
        flush=True,
    )
    if not measurement.ok:
        print("      last lines of the log:\n" + _indent(measurement.log_tail(), 8), flush=True)
    return measurement.ok


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


def count_rows(warehouse: Path) -> dict[str, int]:
    """Rows of every table and view of the raw and model schemas: {'schema.name': rows}."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ('raw', 'staging', 'intermediate', 'marts', 'segments') "
            "order by table_schema, table_name"
        ).fetchall()
        counts = {}
        for schema, name in relations:
            counts[f"{schema}.{name}"] = con.execute(f'select count(*) from "{schema}"."{name}"').fetchone()[0]
        return counts
    finally:
        con.close()


def compare_with_floor(warehouse: Path, floor_database: Path) -> tuple[list[tuple[str, int]], str]:
    """For each column marts.customers shares with the floor: customers whose values differ.

    Values are compared rounded to 6 decimals when either side is floating point, on the customers present
    on both sides; customers present on one side only are counted first, as `(customer present on one side only)`.
    """
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        con.execute(f"attach '{floor_database}' as floor_db (read_only)")
        marts_columns = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = current_database() and table_schema = 'marts' and table_name = 'customers'"
            ).fetchall()
        )
        if not marts_columns:
            return [], "marts.customers does not exist in the warehouse: nothing to compare"
        floor_columns = dict(
            con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_catalog = 'floor_db' and table_name = 'floor_customers'"
            ).fetchall()
        )
        shared = sorted(c for c in floor_columns if c in marts_columns and c != "customer_id")
        floating = {"DOUBLE", "FLOAT", "REAL"}

        def value(side: str, column: str) -> str:
            if {marts_columns[column].upper(), floor_columns[column].upper()} & floating:
                return f"round({side}.{column}, 6)"
            return f"{side}.{column}"

        matched = "(m.customer_id is not null and f.customer_id is not null)"
        differences = ", ".join(
            f"count(*) filter (where {matched} and {value('m', c)} is distinct from {value('f', c)}) as {c}"
            for c in shared
        )
        row = con.execute(
            f"select count(*) filter (where not {matched}), {differences} "
            "from marts.customers as m full outer join floor_db.floor_customers as f on m.customer_id = f.customer_id"
        ).fetchone()
        agreement = [("(customer present on one side only)", int(row[0]))]
        agreement += [(column, int(count)) for column, count in zip(shared, row[1:], strict=True)]
        return agreement, ""
    finally:
        con.close()


def _rows_if_built(warehouse: Path, run: Measurement) -> dict[str, int]:
    """Rows per model after a run: also after a failed run (a failed check still leaves the models built)."""
    if not warehouse.exists():
        return {}
    print("    counting rows per model" + ("" if run.ok else " (the run failed: what it left)") + " …", flush=True)
    try:
        return count_rows(warehouse)
    except duckdb.Error as exc:
        print(f"    could not count rows in {warehouse}: {exc}", flush=True)
        return {}


def _agreement_if_built(result: SizeResult, day: dt.date, warehouse: Path, floor: Measurement, database: Path) -> None:
    if not (floor.ok and warehouse.exists()):
        return
    try:
        agreement, note = compare_with_floor(warehouse, database)
    except duckdb.Error as exc:
        agreement, note = [], f"comparison failed: {exc}"
    result.floor_agreement[day] = (agreement, note)


def _read_breakdown(result: SizeResult, key: str, state_dir: Path, day: dt.date) -> None:
    """Where the run `key` spent its time, read now: the next run overwrites dbt's run_results.json."""
    try:
        result.breakdowns[key] = read_breakdown(state_dir, day)
    except Exception as exc:  # the breakdown is information: never a reason to lose the measurements
        print(f"    could not read where the {key} spent its time: {exc}", flush=True)


def print_breakdown(result: SizeResult) -> None:
    runs = [
        (title, result.breakdowns[key], result.steps[key].wall_seconds)
        for key, title in (("full_run", "full run"), ("next_run", "next day"))
        if key in result.breakdowns and key in result.steps
    ]
    if not runs:
        return
    print(
        f"\nWhere the time goes, {result.customers:,} customers (seconds; Dagster's step log, dbt's run_results.json)"
    )
    print("\n".join(breakdown_lines(runs)))


def bench_size(customers: int, *, args: argparse.Namespace, work_dir: Path, constrained: bool) -> SizeResult:
    as_of: dt.date = args.as_of
    next_day = as_of + dt.timedelta(days=1)
    paths = SizePaths(root=work_dir / str(customers), logs=work_dir / "logs")
    if paths.root.exists():
        shutil.rmtree(paths.root)
    paths.root.mkdir(parents=True)
    result = SizeResult(customers)
    env = child_environment(paths, paths.warehouse, args.memory_limit, args.threads)
    run_flags = [] if args.with_exports else ["--skip-exports"]
    print(f"\n== {customers:,} customers, as of {as_of} then {next_day}  ({paths.root})", flush=True)

    def step(key: str, label: str, command: list[str], step_env: dict[str, str] = env) -> Measurement:
        run_step(result, key, label, command, step_env, paths.logs)
        return result.steps[key]

    generate = ["generate", "--customers", str(customers), "--seed", str(args.seed), "--out", str(paths.landing)]
    if not step("generate", f"generate through {as_of}", segments_command(*generate, "--end-date", str(as_of))).ok:
        return result
    full = step("full_run", f"full run as of {as_of}", segments_command("run", "--as-of", str(as_of), *run_flags))
    _read_breakdown(result, "full_run", paths.warehouse.parent, as_of)
    result.rows_full = _rows_if_built(paths.warehouse, full)
    floor = step("floor_full", f"floor as of {as_of}", floor_command(paths.landing, as_of, paths.floor_database(as_of)))
    _agreement_if_built(result, as_of, paths.warehouse, floor, paths.floor_database(as_of))

    drop = segments_command(*generate, "--since", str(as_of), "--end-date", str(next_day))
    if step("generate_next", f"generate the day {next_day}", drop).ok:
        nxt = step(
            "next_run",
            f"next day's run as of {next_day}",
            segments_command("run", "--as-of", str(next_day), *run_flags),
        )
        _read_breakdown(result, "next_run", paths.warehouse.parent, next_day)
        result.rows_next = _rows_if_built(paths.warehouse, nxt)
        floor = step(
            "floor_next",
            f"floor as of {next_day}",
            floor_command(paths.landing, next_day, paths.floor_database(next_day)),
        )
        _agreement_if_built(result, next_day, paths.warehouse, floor, paths.floor_database(next_day))
        if constrained:
            step(
                "constrained_run",
                f"full run as of {next_day}, memory_limit {args.constrained_memory_limit}",
                segments_command("run", "--as-of", str(next_day), *run_flags),
                child_environment(paths, paths.constrained_warehouse, args.constrained_memory_limit, args.threads),
            )

    if not args.keep:
        shutil.rmtree(paths.root, ignore_errors=True)
    return result


def _seconds(m: Measurement | None) -> str:
    if m is None:
        return "—"
    return f"{m.wall_seconds:,.1f}" if m.ok else f"FAILED ({m.wall_seconds:,.1f})"


def _mib(m: Measurement | None) -> str:
    return "—" if m is None else f"{m.peak_rss_bytes / MIB:,.0f}"


def _ratio(a: Measurement | None, b: Measurement | None, fmt: str) -> str:
    if a is None or b is None or not (a.ok and b.ok) or b.wall_seconds <= 0:
        return "—"
    return format(a.wall_seconds / b.wall_seconds, fmt)


def print_rows(result: SizeResult) -> None:
    names = sorted(set(result.rows_full) | set(result.rows_next))
    if not names:
        return
    width = max(len(n) for n in names)
    print(f"\nRows per model, {result.customers:,} customers (raw tables are the ingested landing rows)")
    print(f"  {'model':<{width}}  {'full run':>14}  {'next day':>14}")
    for name in names:
        full = result.rows_full.get(name)
        nxt = result.rows_next.get(name)
        print(
            f"  {name:<{width}}  {'—' if full is None else f'{full:,}':>14}  {'—' if nxt is None else f'{nxt:,}':>14}"
        )


def print_floor_agreement(result: SizeResult) -> None:
    for day, (agreement, note) in sorted(result.floor_agreement.items()):
        title = f"\nFloor vs marts.customers as of {day}, {result.customers:,} customers"
        if note:
            print(f"{title}: {note}")
            continue
        differing = [(column, count) for column, count in agreement if count]
        print(f"{title}: {len(agreement) - 1} shared columns, {len(differing)} with differences")
        for column, count in differing:
            print(f"  {column}: {count:,} customers differ")


def print_summary(results: list[SizeResult], args: argparse.Namespace) -> None:
    limit = effective_memory_limit(args)
    print(
        f"\nSummary (as of {args.as_of}; DuckDB threads {args.threads or threads_from_env()}; "
        f"dbt threads {os.environ.get('SEGMENTS_DBT_THREADS', 1)}; "
        f"DuckDB memory_limit {limit}; exports {'included' if args.with_exports else 'skipped'})"
    )
    header = f"  {'customers':>10}  {'step':<44}  {'wall s':>14}  {'peak MiB':>9}  {'vs floor':>8}  {'vs full':>8}"
    print(header)
    print("  " + "-" * (len(header) - 2))
    for r in results:
        s = r.steps
        rows = [
            ("generate (information)", s.get("generate"), None, None),
            ("full run (segments run)", s.get("full_run"), s.get("floor_full"), None),
            ("floor, one DuckDB query", s.get("floor_full"), None, None),
            ("generate next day (information)", s.get("generate_next"), None, None),
            ("next day's run", s.get("next_run"), s.get("floor_next"), s.get("full_run")),
            ("floor, next day", s.get("floor_next"), None, None),
        ]
        if "constrained_run" in s:
            rows.append((f"full run, memory_limit {args.constrained_memory_limit}", s["constrained_run"], None, None))
        first = True
        for label, m, floor, full in rows:
            if m is None:
                continue
            vs_floor = _ratio(m, floor, ".2f") + ("×" if floor is not None and m.ok and floor.ok else "")
            vs_full = _ratio(m, full, ".0%")
            print(
                f"  {f'{r.customers:,}' if first else '':>10}  {label:<44}  {_seconds(m):>14}  {_mib(m):>9}  "
                f"{vs_floor if floor else '':>8}  {vs_full if full else '':>8}"
            )
            first = False

    for r in results:
        print_targets(r, args)


def effective_memory_limit(args: argparse.Namespace) -> str:
    """The memory_limit the full and next day's runs ran under: --memory-limit, else the environment's."""
    return args.memory_limit or memory_limit_from_env()


def runs_already_constrained(args: argparse.Namespace) -> bool:
    """True when the main runs already ran under --constrained-memory-limit (no need to run it again)."""
    limit = args.constrained_memory_limit
    return limit is not None and limit.replace(" ", "").lower() == effective_memory_limit(args).replace(" ", "").lower()


def print_targets(result: SizeResult, args: argparse.Namespace) -> None:
    s = result.steps
    full, floor, nxt = s.get("full_run"), s.get("floor_full"), s.get("next_run")
    constrained = s.get("constrained_run")
    scope = "" if result.customers == TARGET_CUSTOMERS else " (targets are set for 1,000,000 customers)"
    print(f"\nTargets at {result.customers:,} customers{scope}:")

    def line(text: str, met: bool | None) -> None:
        mark = "n/a " if met is None else ("met " if met else "MISS")
        print(f"  [{mark}] {text}")

    ran = full is not None and full.ok
    line(
        f"full run <= {TARGET_FULL_RUN_SECONDS:.0f} s: {_seconds(full)} s",
        (full.wall_seconds <= TARGET_FULL_RUN_SECONDS) if ran else None,
    )
    both = ran and floor is not None and floor.ok
    line(
        f"full run <= {TARGET_FLOOR_FACTOR:.0f} × floor: {_ratio(full, floor, '.2f')}×",
        (full.wall_seconds <= TARGET_FLOOR_FACTOR * floor.wall_seconds) if both else None,
    )
    peaks = [m.peak_rss_bytes for m in (full, nxt) if m is not None and m.ok]
    line(
        f"peak memory <= {TARGET_PEAK_BYTES / GIB:.0f} GiB: {max(peaks) / MIB:,.0f} MiB" if peaks else "peak memory: —",
        (max(peaks) <= TARGET_PEAK_BYTES) if peaks else None,
    )
    if args.constrained_memory_limit is None:
        line("completes under a low memory_limit: not requested (--constrained-memory-limit none)", None)
    elif runs_already_constrained(args):
        line(
            f"completes under memory_limit {args.constrained_memory_limit}: the full and next day's runs ran under it",
            (ran and nxt is not None and nxt.ok) if full is not None else None,
        )
    else:
        line(
            f"completes under memory_limit {args.constrained_memory_limit}: "
            + ("run at the largest size only" if constrained is None else _seconds(constrained) + " s"),
            None if constrained is None else constrained.ok,
        )
    line(
        f"next day's run <= {TARGET_NEXT_DAY_RATIO:.0%} of the full run: {_ratio(nxt, full, '.0%')}",
        (nxt.wall_seconds <= TARGET_NEXT_DAY_RATIO * full.wall_seconds) if ran and nxt is not None and nxt.ok else None,
    )


def parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes {text!r}: give customer counts separated by commas") from None
    if not sizes or any(n <= 0 for n in sizes):
        raise argparse.ArgumentTypeError(f"--sizes {text!r}: every size must be a positive number of customers")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--sizes", type=parse_sizes, default=list(DEFAULT_SIZES), help="customer counts, e.g. 100000,1000000"
    )
    parser.add_argument(
        "--memory-limit", default=None, help="DuckDB memory_limit of every run and floor, e.g. 1GB (default: profile's)"
    )
    parser.add_argument(
        "--constrained-memory-limit",
        default="1GB",
        help=(
            "at the largest size, one more full run under this memory_limit, unless the runs already ran under it "
            "('none' to skip; default 1GB)"
        ),
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="DuckDB threads per query (default: SEGMENTS_THREADS or 2)"
    )
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=DEFAULT_AS_OF, help="as-of date D")
    parser.add_argument("--seed", type=int, default=42, help="generator seed (default 42)")
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / "segments-bench",
        help="where landing files, warehouses and logs go (default: <tmp>/segments-bench)",
    )
    parser.add_argument("--keep", action="store_true", help="keep each size's landing files and warehouses")
    parser.add_argument("--with-exports", action="store_true", help="let `segments run` send its exports too")
    args = parser.parse_args(argv)
    if args.constrained_memory_limit.lower() == "none":
        args.constrained_memory_limit = None

    work_dir: Path = args.work_dir.resolve()
    work_dir.mkdir(parents=True, exist_ok=True)
    print(f"Benchmark of the daily run: sizes {', '.join(f'{n:,}' for n in args.sizes)}; work dir {work_dir}")
    results = []
    largest = max(args.sizes)
    for customers in args.sizes:
        constrained = args.constrained_memory_limit is not None and customers == largest
        constrained = constrained and not runs_already_constrained(args)
        results.append(bench_size(customers, args=args, work_dir=work_dir, constrained=constrained))

    for result in results:
        print_rows(result)
        print_floor_agreement(result)
        print_breakdown(result)
    print_summary(results, args)
    failed = [f"{r.customers:,}: {m.label}" for r in results for m in r.steps.values() if not m.ok]
    if failed:
        print("\nFailed steps (see their logs above): " + "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

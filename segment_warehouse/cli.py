"""The `segments` command line (DESIGN §8).

Each sub-command lives in its own module; this file only parses arguments and dispatches, importing
the heavy modules (dbt, Dagster) lazily so that `segments --help` answers at once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence


class UserError(Exception):
    """A failure the user can fix: printed as one clear message, exit code 2 or the given code."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _cmd_generate(args: argparse.Namespace) -> int:
    from segment_warehouse.generate import cli_generate

    return cli_generate(args)


def _cmd_ingest(args: argparse.Namespace) -> int:
    from segment_warehouse.ingest import cli_ingest

    return cli_ingest(args)


def _cmd_run(args: argparse.Namespace) -> int:
    from segment_warehouse.daily_run import cli_run

    return cli_run(args)


def _cmd_count(args: argparse.Namespace) -> int:
    from segment_warehouse.audience_count import cli_count

    return cli_count(args)


def _cmd_export(args: argparse.Namespace) -> int:
    from segment_warehouse.exports.cli import cli_export

    return cli_export(args)


def _cmd_new(args: argparse.Namespace) -> int:
    from segment_warehouse.scaffold import cli_new

    return cli_new(args)


def _cmd_publish(args: argparse.Namespace) -> int:
    from segment_warehouse.serving import cli_publish

    return cli_publish(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segments",
        description="Segment warehouse: customer facts and marketing segments on DuckDB, built by dbt and Dagster.",
    )
    sub = parser.add_subparsers(dest="command", metavar="<command>", required=True)

    def add(name: str, handler: Callable[[argparse.Namespace], int], help_: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    p = add("generate", _cmd_generate, "Generate a deterministic synthetic shop as landing files (DESIGN §5).")
    p.add_argument("--customers", type=int, default=5000, help="number of customers (default 5000)")
    p.add_argument("--seed", type=int, default=42, help="random seed: same seed, same files (default 42)")
    p.add_argument("--end-date", default=None, help="last day of generated activity, YYYY-MM-DD (default: today UTC)")
    p.add_argument("--out", default=None, help="landing directory to write (default: $SEGMENTS_LANDING_DIR)")
    p.add_argument("--format", choices=("parquet", "csv"), default="parquet", help="file format (default parquet)")
    p.add_argument(
        "--since", default=None, help="only write what happened after this date (YYYY-MM-DD): an incremental daily drop"
    )
    p.add_argument(
        "--bad-rows", type=int, default=0, help="add N deliberately bad rows per entity (quarantine demos; default 0)"
    )

    p = add("ingest", _cmd_ingest, "Load new landing files into raw.<entity>, quarantining bad rows.")
    p.add_argument("--landing-dir", default=None, help="default: $SEGMENTS_LANDING_DIR")
    p.add_argument("--entity", action="append", default=None, help="only this entity (repeatable)")

    p = add("run", _cmd_run, "Run the daily job as of a date: ingest, dbt build, checks, exports, publish.")
    p.add_argument("--as-of", default=None, help="as-of date D, YYYY-MM-DD (default: today UTC)")
    p.add_argument("--skip-exports", action="store_true", help="build and check, but send no export")

    p = add("count", _cmd_count, "Audience size of an ad-hoc filter over marts.customers (the Calculate button).")
    p.add_argument("filter", help='e.g. "orders_count >= 3 and whatsapp_reads_90d >= 1"')
    p.add_argument("--json", action="store_true", help="print the result as JSON")

    p = add("export", _cmd_export, "Sync a declared export to its destination (diff-based, consent-aware).")
    p.add_argument("name", nargs="?", help="export name (see orchestration/exports.yml); omit with --list")
    p.add_argument("--list", action="store_true", help="list the declared exports and whether they can run")
    p.add_argument("--as-of", default=None, help="as-of date D (default: the last built date)")
    p.add_argument("--dry-run", action="store_true", help="print what would be sent; change nothing")
    p.add_argument("--force", action="store_true", help="send even when the breaker would refuse")

    p = add("new", _cmd_new, "Scaffold a segment: model, YAML entry with meta, and a dbt unit test.")
    p.add_argument("name", help="segment name, a lower-case identifier (the model is seg_<name>)")
    p.add_argument("--description", default=None, help="one-line description of the members")

    p = add("publish", _cmd_publish, "Publish the serving copy (DuckDB file + Parquet) of the last build.")
    p.add_argument("--force", action="store_true", help="publish even if the last build's checks did not pass")
    p.add_argument("--as-of", default=None, help="the day being published (default: the last build's as-of date)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

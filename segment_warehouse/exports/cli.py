"""`segments export <name> [--as-of D] [--dry-run] [--force]` and `segments export --list`."""

from __future__ import annotations

import argparse
import datetime as dt
import sys

import duckdb

from segment_warehouse.cli import UserError
from segment_warehouse.exports.declarations import DeclarationError, declarations_path, load_declarations
from segment_warehouse.settings import Settings, parse_as_of, today_utc

#: exit code of a sync the breaker refused (distinct from a failure, so a scheduler can tell them apart)
EXIT_REFUSED = 3


def cli_export(args: argparse.Namespace) -> int:
    try:
        declarations = load_declarations()
    except DeclarationError as exc:
        raise UserError(str(exc)) from None
    if args.list:
        return _list(declarations)
    if not args.name:
        raise UserError("name the export to run (see `segments export --list`)", exit_code=2)
    by_name = {d.name: d for d in declarations}
    declaration = by_name.get(args.name)
    if declaration is None:
        known = ", ".join(by_name) or "none"
        raise UserError(f"no export named {args.name!r} in {declarations_path()} (declared: {known})", exit_code=2)

    from segment_warehouse.exports.sync import sync_export
    from segment_warehouse.warehouse import connect

    settings = Settings.from_env()
    try:
        con = connect(read_only=args.dry_run, settings=settings)
    except FileNotFoundError as exc:
        raise UserError(str(exc)) from None
    except duckdb.IOException as exc:
        raise UserError(
            f"cannot open the warehouse {settings.duckdb_path}: {exc}. Another process (a build, a BI tool) "
            "may hold it; retry when it is done"
        ) from None
    try:
        try:
            as_of = parse_as_of(args.as_of) if args.as_of else last_built_as_of(con)
        except ValueError as exc:
            raise UserError(str(exc), exit_code=2) from None
        try:
            result = sync_export(
                declaration, as_of, con=con, dry_run=args.dry_run, force=args.force, progress=_progress
            )
        except DeclarationError as exc:
            raise UserError(str(exc)) from None
    finally:
        con.close()
    if result.plan_text and result.status == "dry_run":
        print(result.plan_text)
    print(result.summary())
    if result.status == "refused":
        return EXIT_REFUSED
    return 0 if result.ok else 1


def last_built_as_of(con: duckdb.DuckDBPyConnection) -> dt.date:
    """The as-of date of the last build: the latest date in marts.segment_memberships, else today (UTC)."""
    found = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'segment_memberships'"
    ).fetchone()
    if found and found[0]:
        latest = con.execute("select max(as_of_date) from marts.segment_memberships").fetchone()
        if latest and latest[0] is not None:
            value = latest[0]
            return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    return today_utc()


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _list(declarations: list) -> int:
    if not declarations:
        print(f"no export declared in {declarations_path()}")
        return 0
    rows = [("export", "segment", "destination", "channel", "status")]
    for declaration in declarations:
        reason = declaration.skip_reason()
        rows.append(
            (
                declaration.name,
                declaration.segment,
                declaration.destination.type,
                declaration.channel,
                "ready" if reason is None else f"skipped: {reason}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True)) + "  " + row[4])
    return 0


if __name__ == "__main__":
    from segment_warehouse.cli import main

    sys.exit(main(["export", *sys.argv[1:]]))

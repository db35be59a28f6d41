"""`segments generate`: a deterministic synthetic shop as landing files (DESIGN §5).

A French cosmetics brand (collections Visage, Corps, Cheveux) with customers in France and Belgium: customer
versions and erasure requests, orders with refunds, cancellations and discount codes, order lines, WhatsApp,
e-mail and SMS messages with their status events, static lists, web events of anonymous and logged-in
visitors, campaigns. Vectorised NumPy, block by block; same seed and arguments, byte-identical files.
"""

from __future__ import annotations

import argparse

from segment_warehouse.generate.shop import GenerationError, GenerationSummary, generate_shop

__all__ = ["GenerationError", "GenerationSummary", "cli_generate", "generate_shop"]


def cli_generate(args: argparse.Namespace) -> int:
    from segment_warehouse.cli import UserError
    from segment_warehouse.settings import Settings, parse_as_of

    try:
        end_date = parse_as_of(args.end_date)
        since = parse_as_of(args.since) if getattr(args, "since", None) else None
    except ValueError as exc:
        raise UserError(str(exc), exit_code=2) from None
    out = args.out if args.out else Settings.from_env().landing_dir
    try:
        summary = generate_shop(
            out,
            customers=args.customers,
            seed=args.seed,
            end_date=end_date,
            fmt=args.format,
            since=since,
            bad_rows=getattr(args, "bad_rows", 0) or 0,
        )
    except GenerationError as exc:
        raise UserError(str(exc), exit_code=2) from None
    print()
    print(summary.table_text())
    print(f"\nwrote {summary.total_rows:,} rows to {summary.out_dir} in {summary.seconds:.1f} s")
    return 0

"""Dagster code location of the segment warehouse (DESIGN §7)."""

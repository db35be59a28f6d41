"""Quoting values and names into generated DuckDB SQL (the ingest builds its statements as text)."""

from __future__ import annotations


def literal(value: str) -> str:
    """A SQL string literal: ``O'Brien`` → ``'O''Brien'``."""
    return "'" + value.replace("'", "''") + "'"


def identifier(name: str) -> str:
    """A quoted SQL identifier, safe for any column name found in a landing file."""
    return '"' + name.replace('"', '""') + '"'

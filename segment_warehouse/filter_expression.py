"""Validating a user-typed audience filter (the "Calculate" button) before it touches the warehouse.

The filter is user input, so it is treated as hostile: it is parsed with sqlglot (DuckDB dialect) and every
node of the tree must belong to a small whitelist — unqualified column references of ``marts.customers``,
literals, comparisons, boolean logic, ``IN (...)``, ``BETWEEN``, ``IS [NOT] NULL``, ``LIKE``, arithmetic,
casts to simple types, intervals and a short list of functions. Anything else (a second statement, DDL, a
subquery, a table or a qualified column, ``*``, an unknown function such as ``read_csv``, a parameter, a
comment) is refused with a message saying what was refused and what is allowed. The accepted tree is then
rendered back to SQL with every identifier quoted: the SQL that runs is sqlglot's rendering of a tree we
inspected, never the user's text.
"""

from __future__ import annotations

import difflib
import logging
from collections.abc import Iterable

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

#: longest filter accepted (a filter is a line typed in a UI, not a program)
MAX_FILTER_LENGTH = 4000

#: functions a filter may call, by sqlglot node type, with the name users type
ALLOWED_FUNCTIONS: dict[type[exp.Expression], str] = {
    exp.Lower: "lower",
    exp.Upper: "upper",
    exp.Trim: "trim",
    exp.Length: "length",
    exp.Coalesce: "coalesce",
    exp.Abs: "abs",
    exp.Round: "round",
    exp.Greatest: "greatest",
    exp.Least: "least",
    exp.Year: "year",
    exp.Month: "month",
    exp.Day: "day",
    exp.TimestampTrunc: "date_trunc",
    exp.DateTrunc: "date_trunc",
    exp.Contains: "contains",
    exp.StartsWith: "starts_with",
    exp.EndsWith: "ends_with",
}

#: operators and structural nodes (everything except functions, columns and literals)
ALLOWED_OPERATORS: dict[type[exp.Expression], str] = {
    exp.And: "and",
    exp.Or: "or",
    exp.Not: "not",
    exp.Paren: "parentheses",
    exp.EQ: "=",
    exp.NEQ: "<>",
    exp.GT: ">",
    exp.GTE: ">=",
    exp.LT: "<",
    exp.LTE: "<=",
    exp.NullSafeEQ: "is not distinct from",
    exp.NullSafeNEQ: "is distinct from",
    exp.In: "in (...)",
    exp.Between: "between",
    exp.Is: "is [not] null / true / false",
    exp.Like: "like",
    exp.ILike: "ilike",
    exp.Add: "+",
    exp.Sub: "-",
    exp.Mul: "*",
    exp.Div: "/",
    exp.Mod: "%",
    exp.Neg: "unary minus",
    exp.Cast: "cast / date '...' / timestamp '...'",
    exp.Interval: "interval",
}

#: literal-like leaves
ALLOWED_LITERALS: tuple[type[exp.Expression], ...] = (exp.Literal, exp.Boolean, exp.Null)

#: types a value may be cast to
ALLOWED_CAST_TYPES = {
    exp.DataType.Type.DATE,
    exp.DataType.Type.TIMESTAMP,
    exp.DataType.Type.TIMESTAMPNTZ,
    exp.DataType.Type.TINYINT,
    exp.DataType.Type.SMALLINT,
    exp.DataType.Type.INT,
    exp.DataType.Type.BIGINT,
    exp.DataType.Type.DECIMAL,
    exp.DataType.Type.DOUBLE,
    exp.DataType.Type.FLOAT,
    exp.DataType.Type.VARCHAR,
    exp.DataType.Type.TEXT,
    exp.DataType.Type.BOOLEAN,
}

#: interval / date_trunc units
ALLOWED_UNITS = {"year", "years", "month", "months", "week", "weeks", "day", "days", "hour", "hours", "quarter"}

HELP = (
    "a filter is one boolean expression over the columns of marts.customers, e.g. "
    "\"orders_count >= 3 and whatsapp_reads_90d >= 1\"; allowed: column names, numbers, 'strings', "
    "true/false/null, date '...', interval '30 days', comparisons, and/or/not, in (...), between, is [not] null, "
    "like/ilike, + - * / %, and the functions " + ", ".join(sorted(set(ALLOWED_FUNCTIONS.values())))
)


_STATEMENTS = (exp.DDL, exp.Drop, exp.Insert, exp.Update, exp.Delete, exp.Command, exp.Alter, exp.Set, exp.Pragma)


class FilterRefused(ValueError):
    """The filter is not acceptable; the message says why and what is allowed."""


def _describe(node: exp.Expression) -> str:
    sql = node.sql(dialect="duckdb")
    return sql if len(sql) <= 60 else sql[:57] + "..."


def _function_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    return node.sql_name().lower()


def _refuse_node(node: exp.Expression) -> FilterRefused:
    """The message for a node outside the whitelist, naming the kind of thing refused."""
    text = _describe(node)
    if isinstance(node, exp.Star):
        return FilterRefused(f"'*' is not allowed in a filter: name the columns of marts.customers; {HELP}")
    if isinstance(node, exp.Subquery | exp.Select | exp.Union | exp.Intersect | exp.Except | exp.Query):
        return FilterRefused(f"subqueries are not allowed in a filter ({text}): it may only read marts.customers")
    if isinstance(node, exp.Table):
        return FilterRefused(f"table references are not allowed in a filter ({text}): it may only read marts.customers")
    if isinstance(node, exp.Placeholder | exp.Parameter):
        return FilterRefused(f"parameters are not allowed in a filter ({text}): write the value itself")
    if isinstance(node, exp.Func):
        name = _function_name(node)
        return FilterRefused(
            f"function {name}() is not allowed in a filter; allowed functions: "
            + ", ".join(sorted(set(ALLOWED_FUNCTIONS.values())))
        )
    if isinstance(node, _STATEMENTS):
        return FilterRefused(f"statements are not allowed in a filter ({text}): only a boolean expression")
    return FilterRefused(f"{type(node).__name__.lower()} is not allowed in a filter ({text}); {HELP}")


def _canonical_column(node: exp.Column, columns: dict[str, str]) -> str:
    if node.args.get("table") is not None or node.args.get("db") is not None or node.args.get("catalog") is not None:
        raise FilterRefused(
            f"qualified column {_describe(node)} is not allowed: use the bare column name of marts.customers "
            f"(e.g. {node.name})"
        )
    if not isinstance(node.this, exp.Identifier):
        raise _refuse_node(node.this)
    name = node.name
    canonical = columns.get(name.lower())
    if canonical is None:
        close = difflib.get_close_matches(name.lower(), list(columns), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        known = ", ".join(columns.values())
        raise FilterRefused(f"unknown column {name!r}: marts.customers has no such column{hint} (columns: {known})")
    return canonical


def _check_node(node: exp.Expression, columns: dict[str, str]) -> None:
    parent = node.parent
    if isinstance(node, exp.Column):
        _canonical_column(node, columns)
        return
    if isinstance(node, exp.Identifier):
        if not isinstance(parent, exp.Column):
            raise _refuse_node(node)
        return
    if isinstance(node, ALLOWED_LITERALS):
        return
    if isinstance(node, exp.Var):
        # units of interval and date_trunc only
        if isinstance(parent, exp.Interval | exp.TimestampTrunc | exp.DateTrunc) and node.name.lower() in ALLOWED_UNITS:
            return
        raise FilterRefused(f"{node.name!r} is not allowed here; {HELP}")
    if isinstance(node, exp.DataType):
        if not isinstance(parent, exp.Cast | exp.DataType) or node.this not in ALLOWED_CAST_TYPES:
            raise FilterRefused(f"type {_describe(node)} is not allowed in a filter")
        return
    if isinstance(node, exp.DataTypeParam):
        if not isinstance(parent, exp.DataType) or not isinstance(node.this, exp.Literal):
            raise _refuse_node(node)
        return
    if isinstance(node, exp.In):
        if any(node.args.get(key) is not None for key in ("query", "unnest", "field")):
            raise _refuse_node(node.args.get("query") or node.args.get("unnest") or node.args.get("field"))
        if not node.expressions:
            raise FilterRefused("'in ()' needs at least one value, e.g. country_code in ('FR', 'BE')")
        return
    if type(node) in ALLOWED_OPERATORS or type(node) in ALLOWED_FUNCTIONS:
        return
    raise _refuse_node(node)


def _parse_one_expression(text: str) -> exp.Expression:
    sqlglot_logger = logging.getLogger("sqlglot")
    level = sqlglot_logger.level
    sqlglot_logger.setLevel(logging.ERROR)  # "falling back to parsing as a Command" is our refusal's business
    try:
        statements = sqlglot.parse(text, dialect="duckdb")
    except (ParseError, TokenError) as exc:
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FilterRefused(f"the filter is not a valid expression: {first_line}; {HELP}") from None
    finally:
        sqlglot_logger.setLevel(level)
    statements = [s for s in statements if s is not None]
    if not statements:
        raise FilterRefused(f"the filter is empty; {HELP}")
    if len(statements) > 1:
        raise FilterRefused("the filter must be one expression: ';' and several statements are not allowed")
    return statements[0]


def validate_filter(text: str, columns: Iterable[str]) -> str:
    """Check ``text`` against the whitelist and return it as safe DuckDB SQL (identifiers quoted).

    ``columns`` are the column names of ``marts.customers``; they are matched case-insensitively and
    rendered with their canonical spelling. Raises :class:`FilterRefused` with a clear message otherwise.
    """
    if not text or not text.strip():
        raise FilterRefused(f"the filter is empty; {HELP}")
    if len(text) > MAX_FILTER_LENGTH:
        raise FilterRefused(f"the filter is {len(text)} characters long; at most {MAX_FILTER_LENGTH} are accepted")
    column_map = {c.lower(): c for c in columns}
    tree = _parse_one_expression(text)
    # the most telling refusal first: a statement, then anything that reads another relation
    if not isinstance(tree, exp.Condition | exp.Query | exp.Star):
        raise FilterRefused(
            f"statements are not allowed in a filter ({_describe(tree)}): only a boolean expression over "
            "the columns of marts.customers"
        )
    for node in tree.walk():
        if isinstance(node, exp.Query | exp.Table):
            raise _refuse_node(node)
    for node in tree.walk():
        if node.comments:
            raise FilterRefused("comments ('--', '/* */') are not allowed in a filter")
        _check_node(node, column_map)

    def canonicalize(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column):
            return exp.column(_canonical_column(node, column_map), quoted=True)
        return node

    safe = tree.transform(canonicalize)
    return safe.sql(dialect="duckdb", identify=True, comments=False)

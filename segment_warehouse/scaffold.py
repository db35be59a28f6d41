"""`segments new <name>`: scaffold a segment (SEGMENTS.md, "Adding a segment is one SQL file plus its YAML entry").

Writes two files and touches nothing else but the generated ``-- depends_on`` block of
``models/marts/segment_memberships.sql`` (segment_warehouse.segment_dependencies), which gains the new model so
that dbt builds it before the membership history:

- ``models/segments/seg_<name>.sql`` — jaffle-shop style: an import CTE of ``ref('customers')``, a ``members``
  CTE with a placeholder filter that is valid SQL (replace it with the segment's rule), ``select * from final``;
- ``models/segments/_seg_<name>.yml`` — the model's documentation, its ``meta`` (source_system, objective,
  suggested_channel, suggested_action, owner: the catalogue's keys, shown by docs and BI), primary-key tests,
  and a dbt unit test that passes as scaffolded (given a consented and a non-consented customer, it expects
  the consented one).

Each scaffolded segment gets its own YAML file (dbt reads every ``.yml`` of the folder) rather than an entry
appended to ``_segments__models.yml``: a scaffold never rewrites a hand-kept file, so its comments and order
survive, and removing a scaffold is deleting two files. Moving the entry into the folder file later is a
copy-paste.

Names are refused when they are not lower-case identifiers (``^[a-z][a-z0-9_]{0,62}$``), when they are SQL
reserved words (DuckDB or PostgreSQL) or dbt context names, or when a model ``seg_<name>`` already exists
anywhere under ``models/``.
"""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from segment_warehouse import settings
from segment_warehouse.cli import UserError
from segment_warehouse.segment_dependencies import sync_segment_dependencies

NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

#: reserved keywords of DuckDB (duckdb_keywords(), category reserved) and PostgreSQL (pg_get_keywords(), 'R'),
#: and the names dbt puts in the Jinja context: none of them makes a readable segment name
# fmt: off
RESERVED_WORDS = frozenset((
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric", "both", "case", "cast", "check",
    "collate", "column", "constraint", "create", "current_catalog", "current_date", "current_role", "current_time",
    "current_timestamp", "current_user", "default", "deferrable", "desc", "describe", "distinct", "do", "else",
    "end", "except", "false", "fetch", "for", "foreign", "from", "grant", "group", "having", "in", "initially",
    "intersect", "into", "lambda", "lateral", "leading", "limit", "localtime", "localtimestamp", "not", "null",
    "offset", "on", "only", "or", "order", "pivot", "pivot_longer", "pivot_wider", "placing", "primary", "qualify",
    "references", "returning", "select", "session_user", "show", "some", "summarize", "symmetric", "table", "then",
    "to", "trailing", "true", "union", "unique", "unpivot", "user", "using", "variadic", "when", "where", "window",
    "with", "ref", "source", "var", "config", "this", "target", "model", "env_var", "adapter", "exceptions",
    "modules", "run_query",
))
# fmt: on

SQL_TEMPLATE = """\
{{#- seg_{name}: see _seg_{name}.yml for the description, the marketing meta and the unit test.
    Segment conventions (SEGMENTS.md, README "Segments"): one row per member with key customer_id,
    read ref('customers') (and marts/intermediate models when events are needed), every threshold a
    var declared in dbt_project.yml, time only through as_of_instant() / window_start(n, datepart),
    never now() or current_date. -#}}

with

customers as (

    select * from {{{{ ref('customers') }}}}

),

members as (

    -- placeholder rule, valid as scaffolded: customers who consented to e-mail.
    -- Replace it with the segment's rule and keep the unit test in _seg_{name}.yml in step.
    select customer_id
    from customers
    where email_consent

),

final as (

    select * from members

)

select * from final
"""

YAML_HEADER = """\
# Scaffolded by `segments new {name}`. One YAML file per scaffolded segment: dbt reads every .yml of the
# folder, and the folder file _segments__models.yml stays hand-kept. Edit freely.
"""


@dataclass(frozen=True)
class ScaffoldResult:
    name: str
    model_name: str
    sql_path: Path
    yaml_path: Path


def check_segment_name(name: str, project_dir: Path | None = None) -> str:
    """Return the model name ``seg_<name>`` or raise :class:`UserError` saying why ``name`` is refused."""
    project_dir = project_dir or settings.PROJECT_DIR
    if name.startswith("seg_"):
        raise UserError(f"segment name {name!r}: give the name without the seg_ prefix (e.g. {name[4:]!r})")
    if not NAME_PATTERN.match(name):
        raise UserError(
            f"segment name {name!r} is not a valid identifier: use lower-case letters, digits and underscores, "
            "starting with a letter, at most 63 characters (e.g. big_spenders_be)"
        )
    if name in RESERVED_WORDS:
        raise UserError(f"segment name {name!r} is a reserved word in SQL or dbt: choose another name")
    model_name = f"seg_{name}"
    models_dir = project_dir / "models"
    existing = [p for p in models_dir.rglob(f"{model_name}.*") if p.suffix in {".sql", ".py"}]
    existing += [p for p in models_dir.rglob(f"_{model_name}.yml")]
    existing += [p for p in models_dir.rglob("*.yml") if _yaml_declares_model(p, model_name)]
    if existing:
        where = ", ".join(sorted({str(p.relative_to(project_dir)) for p in existing}))
        raise UserError(f"model {model_name} already exists ({where}): choose another name or edit that model")
    return model_name


def _yaml_declares_model(path: Path, model_name: str) -> bool:
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError):
        return False
    models = document.get("models") if isinstance(document, dict) else None
    return any(isinstance(m, dict) and m.get("name") == model_name for m in models or [])


def segment_yaml(name: str, description: str | None) -> dict[str, object]:
    """The YAML document of a scaffolded segment: model, meta, key tests and a passing unit test."""
    model_name = f"seg_{name}"
    summary = (description or "").strip() or f"Members of the {name.replace('_', ' ')} segment"
    summary = " ".join(summary.split())
    return {
        "version": 2,
        "models": [
            {
                "name": model_name,
                "description": f"{summary.rstrip('.')}. One row per member customer as of the run date (T).",
                "config": {
                    # the keys of the catalogue (_segments__models.yml), shown by dbt docs and read by BI
                    "meta": {
                        "source_system": "custom: written in this project",
                        "objective": summary,
                        "suggested_channel": "email",
                        "suggested_action": "Describe the marketing action for these members.",
                        "owner": "marketing",
                    }
                },
                "columns": [
                    {
                        "name": "customer_id",
                        "description": "The member customer (key); every member is in marts.customers.",
                        "data_tests": [
                            "unique",
                            "not_null",
                            {"relationships": {"arguments": {"to": "ref('customers')", "field": "customer_id"}}},
                        ],
                    }
                ],
            }
        ],
        "unit_tests": [
            {
                "name": f"{model_name}_keeps_only_matching_customers",
                "description": "The placeholder rule keeps the e-mail-consented customer. Update with the rule.",
                "model": model_name,
                "given": [
                    {
                        "input": "ref('customers')",
                        "rows": [
                            {"customer_id": "c_member", "email_consent": True},
                            {"customer_id": "c_not_member", "email_consent": False},
                        ],
                    }
                ],
                "expect": {"rows": [{"customer_id": "c_member"}]},
            }
        ],
    }


def scaffold_segment(name: str, description: str | None = None, project_dir: Path | None = None) -> ScaffoldResult:
    """Write ``seg_<name>.sql`` and ``_seg_<name>.yml`` under ``<project_dir>/models/segments``.

    ``project_dir`` defaults to the repository (settings.PROJECT_DIR); tests pass a copy.
    """
    project_dir = project_dir or settings.PROJECT_DIR
    model_name = check_segment_name(name, project_dir)
    folder = project_dir / "models" / "segments"
    folder.mkdir(parents=True, exist_ok=True)
    sql_path = folder / f"{model_name}.sql"
    yaml_path = folder / f"_{model_name}.yml"
    document = yaml.safe_dump(segment_yaml(name, description), sort_keys=False, allow_unicode=True, width=110)
    # exclusive creation: a file that appeared since the check is never overwritten
    with sql_path.open("x", encoding="utf-8") as sql_file:
        sql_file.write(SQL_TEMPLATE.format(name=name))
    try:
        with yaml_path.open("x", encoding="utf-8") as yaml_file:
            yaml_file.write(YAML_HEADER.format(name=name) + "\n" + document)
    except FileExistsError:
        sql_path.unlink()
        raise UserError(f"{yaml_path} already exists: remove it or choose another name") from None
    # marts.segment_memberships must be declared downstream of the new segment (its depends_on block)
    sync_segment_dependencies(project_dir)
    return ScaffoldResult(name=name, model_name=model_name, sql_path=sql_path, yaml_path=yaml_path)


def cli_new(args: argparse.Namespace) -> int:
    result = scaffold_segment(args.name, getattr(args, "description", None))
    print(f"created {result.sql_path}")
    print(f"created {result.yaml_path}")
    print(
        f"next: write the rule in the members CTE, fill meta and the unit test, then "
        f"`dbt build --select {result.model_name}`"
    )
    return 0

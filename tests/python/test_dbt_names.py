"""Names dbt turns into relations fit PostgreSQL's 63-character identifiers (the project's second target).

On PostgreSQL dbt refuses a model, seed or unit test whose relation name is longer, which only the PostgreSQL
test (tests/python/test_postgres_target.py, needing a server) would otherwise reveal.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from segment_warehouse.settings import PROJECT_DIR

POSTGRES_MAX_IDENTIFIER = 63


def _yaml_names(kind: str) -> list[tuple[str, Path]]:
    names = []
    for path in sorted((PROJECT_DIR / "models").rglob("*.yml")):
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names += [(entry["name"], path) for entry in document.get(kind) or []]
    return names


def test_the_project_has_names_to_check() -> None:
    assert len(_yaml_names("unit_tests")) > 50
    assert len(list((PROJECT_DIR / "models").rglob("*.sql"))) > 50


def test_every_relation_name_fits_a_postgres_identifier() -> None:
    names = [(path.stem, path) for path in (PROJECT_DIR / "models").rglob("*.sql")]
    names += [(path.stem, path) for path in (PROJECT_DIR / "seeds").rglob("*.csv")]
    names += _yaml_names("unit_tests")
    too_long = [
        f"{name} ({len(name)} characters, {path.relative_to(PROJECT_DIR)})"
        for name, path in names
        if len(name) > POSTGRES_MAX_IDENTIFIER
    ]
    assert too_long == [], f"rename to at most {POSTGRES_MAX_IDENTIFIER} characters: {too_long}"

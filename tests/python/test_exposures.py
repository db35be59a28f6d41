"""dbt exposures (models/_exposures.yml) agree with the declared exports (orchestration/exports.yml)."""

from __future__ import annotations

import re

import pytest
import yaml

from segment_warehouse.settings import PROJECT_DIR

EXPOSURES = PROJECT_DIR / "models" / "_exposures.yml"
EXPORTS = PROJECT_DIR / "orchestration" / "exports.yml"
REF = re.compile(r"^ref\('([a-z0-9_]+)'\)$")


def _exposures() -> dict[str, dict]:
    document = yaml.safe_load(EXPOSURES.read_text(encoding="utf-8"))
    return {e["name"]: e for e in document["exposures"]}


def _exports() -> list[dict]:
    return yaml.safe_load(EXPORTS.read_text(encoding="utf-8"))["exports"]


def _refs(exposure: dict) -> set[str]:
    refs = set()
    for dependency in exposure["depends_on"]:
        match = REF.match(dependency)
        assert match, f"exposure {exposure['name']}: depends_on entry {dependency!r} is not ref('<model>')"
        refs.add(match.group(1))
    return refs


def _model_names() -> set[str]:
    return {p.stem for p in (PROJECT_DIR / "models").rglob("*.sql")}


def test_every_export_has_its_exposure() -> None:
    exposures = _exposures()
    for export in _exports():
        name = export["name"]
        assert name in exposures, f"export {name} (orchestration/exports.yml) has no exposure in {EXPOSURES.name}"
        exposure = exposures[name]
        assert exposure["type"] == "application"
        assert exposure["meta"] == {
            "export": name,
            "destination": export["destination"]["type"],
            "channel": export["channel"],
        }
        reads_customers = any(str(source).startswith("customers.") for source in (export.get("fields") or {}).values())
        expected = {f"seg_{export['segment']}"} | ({"customers"} if reads_customers else set())
        assert _refs(exposure) == expected, f"exposure {name} must depend on exactly {sorted(expected)}"


def test_every_application_exposure_is_a_declared_export() -> None:
    declared = {e["name"] for e in _exports()}
    applications = {name for name, e in _exposures().items() if e["type"] == "application"}
    assert applications == declared


@pytest.mark.parametrize("name", sorted(_exposures()))
def test_exposures_depend_on_existing_models_and_have_owners(name: str) -> None:
    exposure = _exposures()[name]
    missing = _refs(exposure) - _model_names()
    assert not missing, f"exposure {name} depends on models that do not exist: {sorted(missing)}"
    assert exposure["owner"].get("name") and exposure["owner"].get("email")
    assert exposure["description"].strip()


def test_the_dashboard_reads_segment_sizes_and_segments() -> None:
    dashboard = _exposures()["segment_dashboard"]
    assert dashboard["type"] == "dashboard"
    refs = _refs(dashboard)
    assert {"segment_sizes", "customers"} <= refs
    assert any(r.startswith("seg_") for r in refs)

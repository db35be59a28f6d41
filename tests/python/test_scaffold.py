"""`segments new <name>`: the scaffold is refused for bad names and, once written, is a valid, tested dbt model."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
import yaml

from segment_warehouse import scaffold, settings
from segment_warehouse.cli import UserError, main
from segment_warehouse.contract import create_raw_tables
from segment_warehouse.scaffold import check_segment_name, scaffold_segment

#: what a dbt project needs to parse and build, copied from the repository
PROJECT_ITEMS = ("models", "macros", "seeds", "tests/dbt", "analyses", "snapshots", "dbt_project.yml", "profiles.yml")


def copy_project(destination: Path) -> Path:
    for item in PROJECT_ITEMS:
        source = settings.PROJECT_DIR / item
        if source.is_dir():
            shutil.copytree(source, destination / item, ignore=shutil.ignore_patterns("target", "__pycache__"))
        elif source.is_file():
            shutil.copy2(source, destination / item)
    return destination


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_project(tmp_path / "project")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Big_Spenders", "not a valid identifier"),
        ("1st_buyers", "not a valid identifier"),
        ("big-spenders", "not a valid identifier"),
        ("big spenders", "not a valid identifier"),
        ("", "not a valid identifier"),
        ("x" * 64, "not a valid identifier"),
        ("café", "not a valid identifier"),
        ("a; drop table x", "not a valid identifier"),
        ("../escape", "not a valid identifier"),
        ("select", "reserved word"),
        ("table", "reserved word"),
        ("user", "reserved word"),
        ("ref", "reserved word"),
        ("seg_vip2", "without the seg_ prefix"),
    ],
)
def test_refuses_bad_names(project: Path, name: str, reason: str) -> None:
    with pytest.raises(UserError, match=reason):
        scaffold_segment(name, project_dir=project)
    assert not list((project / "models").rglob("*seg_*vip2*"))


def test_longest_valid_name_is_accepted(project: Path) -> None:
    name = "a" * 63
    assert check_segment_name(name, project) == f"seg_{name}"


def test_refuses_a_model_that_exists_anywhere(project: Path) -> None:
    scaffold_segment("serum_fans", project_dir=project)
    with pytest.raises(UserError, match="seg_serum_fans already exists"):
        scaffold_segment("serum_fans", project_dir=project)

    (project / "models" / "marts" / "seg_elsewhere.sql").write_text("select 1 as customer_id\n")
    with pytest.raises(UserError, match=r"already exists \(models/marts/seg_elsewhere\.sql\)"):
        scaffold_segment("elsewhere", project_dir=project)

    (project / "models" / "segments" / "_declared.yml").write_text(
        "version: 2\nmodels:\n  - name: seg_declared_only\n    description: declared in YAML\n"
    )
    with pytest.raises(UserError, match="seg_declared_only already exists"):
        scaffold_segment("declared_only", project_dir=project)


def test_refuses_every_segment_already_in_the_repository() -> None:
    for sql in (settings.PROJECT_DIR / "models").rglob("seg_*.sql"):
        with pytest.raises(UserError, match="already exists"):
            check_segment_name(sql.stem.removeprefix("seg_"))


def test_writes_a_jaffle_shop_model_and_its_own_yaml(project: Path) -> None:
    before = {p: p.read_bytes() for p in (project / "models").rglob("*") if p.is_file()}
    result = scaffold_segment("serum_fans", "Customers who love serums", project_dir=project)

    assert result.sql_path == project / "models" / "segments" / "seg_serum_fans.sql"
    assert result.yaml_path == project / "models" / "segments" / "_seg_serum_fans.yml"
    sql = result.sql_path.read_text()
    assert "select * from {{ ref('customers') }}" in sql
    assert "members as (" in sql and sql.rstrip().endswith("select * from final")
    assert "SEGMENTS.md" in sql and "TODO" not in sql
    assert sql.index("customers as (") < sql.index("members as (") < sql.index("final as (")

    document = yaml.safe_load(result.yaml_path.read_text())
    (model,) = document["models"]
    assert model["name"] == "seg_serum_fans"
    assert model["description"].startswith("Customers who love serums.")
    catalogue = yaml.safe_load((settings.PROJECT_DIR / "models/segments/_segments__models.yml").read_text())
    assert set(model["config"]["meta"]) == set(catalogue["models"][0]["config"]["meta"])  # the catalogue's keys
    assert set(model["config"]["meta"]) == {
        "source_system",
        "objective",
        "suggested_channel",
        "suggested_action",
        "owner",
    }
    assert model["columns"][0]["name"] == "customer_id"
    assert {"unique", "not_null"} <= {t for t in model["columns"][0]["data_tests"] if isinstance(t, str)}
    (unit_test,) = document["unit_tests"]
    assert unit_test["model"] == "seg_serum_fans"
    assert unit_test["given"][0]["input"] == "ref('customers')"
    assert unit_test["expect"]["rows"] == [{"customer_id": "c_member"}]

    # nothing else was touched but the generated depends_on block of the membership history
    after = {p: p.read_bytes() for p in (project / "models").rglob("*") if p.is_file()}
    assert {p for p in after if p not in before} == {result.sql_path, result.yaml_path}
    memberships = project / "models" / "marts" / "segment_memberships.sql"
    assert {p for p, content in before.items() if after[p] != content} == {memberships}
    added = set(after[memberships].decode().splitlines()) - set(before[memberships].decode().splitlines())
    assert added == {"-- depends_on: {{ ref('seg_serum_fans') }}"}


def test_cli_new(project: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(scaffold.settings, "PROJECT_DIR", project)
    assert main(["new", "nearby_vip", "--description", "VIPs who live near the store"]) == 0
    out = capsys.readouterr().out
    assert "seg_nearby_vip.sql" in out and "_seg_nearby_vip.yml" in out
    assert (project / "models" / "segments" / "seg_nearby_vip.sql").exists()
    assert main(["new", "nearby_vip"]) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["new", "Nearby"]) == 1
    assert "not a valid identifier" in capsys.readouterr().err


def _dbt(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SEGMENTS_DBT_TARGET": "duckdb",
        "SEGMENTS_DUCKDB_PATH": str(project / "warehouse.duckdb"),
        "DBT_TARGET_PATH": str(project / "target"),
        "DBT_LOG_PATH": str(project / "logs"),
        "SEGMENTS_THREADS": "1",
    }
    command = [str(Path(sys.executable).parent / "dbt"), *args, "--project-dir", str(project)]
    command += ["--profiles-dir", str(project), "--vars", "{as_of_date: '2026-11-22'}"]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.slow
def test_scaffold_parses_builds_and_its_unit_test_guards_the_rule(project: Path) -> None:
    result = scaffold_segment("serum_fans", "Customers who love serums", project_dir=project)

    parsed = _dbt(project, "parse")
    assert parsed.returncode == 0, parsed.stdout + parsed.stderr

    # every upstream model built empty on empty raw tables, then the segment, its tests and its unit test
    with duckdb.connect(str(project / "warehouse.duckdb")) as con:
        create_raw_tables(con)
    built = _dbt(project, "build", "--select", "+seg_serum_fans", "--empty", "--indirect-selection", "cautious")
    assert built.returncode == 0, built.stdout[-4000:]
    assert "seg_serum_fans::seg_serum_fans_keeps_only_matching_customers" in built.stdout
    assert "PASS=" in built.stdout and "ERROR=0" in built.stdout

    # the unit test is not vacuous: change the rule without the test and the build fails
    sql = result.sql_path.read_text()
    result.sql_path.write_text(sql.replace("where email_consent", "where not email_consent"))
    broken = _dbt(project, "build", "--select", "seg_serum_fans", "--empty")
    assert broken.returncode != 0
    assert "seg_serum_fans_keeps_only_matching_customers" in broken.stdout and "FAIL" in broken.stdout

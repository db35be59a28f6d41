"""segment_memberships is declared downstream of every segment model (its generated depends_on block)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from segment_warehouse import segment_dependencies as deps
from segment_warehouse.settings import PROJECT_DIR


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """The models folders of the repository, copied."""
    for folder in ("models/segments", "models/marts"):
        shutil.copytree(PROJECT_DIR / folder, tmp_path / folder)
    return tmp_path


def test_the_repository_block_lists_every_segment_model() -> None:
    assert deps.is_in_sync(), "run: python -m segment_warehouse.segment_dependencies"
    text = (PROJECT_DIR / deps.MEMBERSHIPS_MODEL).read_text()
    for name in deps.segment_model_names():
        assert f"-- depends_on: {{{{ ref('{name}') }}}}" in text
    assert len(deps.segment_model_names()) >= 35


def test_sync_adds_a_new_segment_and_removes_a_deleted_one(project: Path) -> None:
    (project / "models/segments/seg_zz_new.sql").write_text("select customer_id from {{ ref('customers') }}\n")
    (project / "models/segments/seg_vip.sql").unlink()
    assert not deps.is_in_sync(project)

    added = deps.sync_segment_dependencies(project)

    assert added == ["seg_zz_new"]
    assert deps.is_in_sync(project)
    text = (project / deps.MEMBERSHIPS_MODEL).read_text()
    assert "ref('seg_zz_new')" in text and "ref('seg_vip')" not in text
    assert deps.sync_segment_dependencies(project) == []  # idempotent
    assert (project / deps.MEMBERSHIPS_MODEL).read_text() == text


def test_everything_outside_the_block_is_kept(project: Path) -> None:
    path = project / deps.MEMBERSHIPS_MODEL
    before = path.read_text()
    (project / "models/segments/seg_zz_new.sql").write_text("select 1 as customer_id\n")
    deps.sync_segment_dependencies(project)
    after = path.read_text()
    head, _, _ = before.partition(deps.BEGIN_MARKER)
    _, _, tail = before.partition(deps.END_MARKER)
    assert after.startswith(head) and after.endswith(tail)


def test_missing_markers_are_a_clear_error(project: Path) -> None:
    path = project / deps.MEMBERSHIPS_MODEL
    path.write_text(path.read_text().replace(deps.END_MARKER, ""))
    with pytest.raises(ValueError, match="marker"):
        deps.sync_segment_dependencies(project)


def test_check_mode_exit_codes(project: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setattr(deps.settings, "PROJECT_DIR", project)
    assert deps.main(["--check"]) == 0
    (project / "models/segments/seg_zz_new.sql").write_text("select 1 as customer_id\n")
    assert deps.main(["--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert deps.main([]) == 0
    assert "added seg_zz_new" in capsys.readouterr().out
    assert deps.main(["--check"]) == 0

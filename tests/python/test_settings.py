"""The memory and thread settings: one default, read alike by our own connections and by dbt's profile."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from segment_warehouse.settings import DEFAULT_MEMORY_LIMIT, DEFAULT_THREADS, PROJECT_DIR, Settings
from segment_warehouse.warehouse import configure, connect


def _profile_default(variable: str) -> str:
    """The default profiles.yml gives `variable`: `env_var('VAR', '') or 'DEFAULT'` (unset or empty: DEFAULT)."""
    text = (PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    defaults = set(re.findall(rf"env_var\('{variable}', ''\) or '([^']*)'", text))
    assert len(defaults) == 1, f"profiles.yml: {variable} has defaults {defaults}"
    return defaults.pop()


def test_profiles_yml_and_settings_share_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEGMENTS_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("SEGMENTS_THREADS", raising=False)
    settings = Settings.from_env()
    assert _profile_default("SEGMENTS_MEMORY_LIMIT") == DEFAULT_MEMORY_LIMIT == settings.memory_limit
    assert int(_profile_default("SEGMENTS_THREADS")) == DEFAULT_THREADS == settings.threads


def test_empty_settings_mean_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGMENTS_MEMORY_LIMIT", "")
    monkeypatch.setenv("SEGMENTS_THREADS", "")
    settings = Settings.from_env()
    assert (settings.memory_limit, settings.threads) == (DEFAULT_MEMORY_LIMIT, DEFAULT_THREADS)


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_threads_that_are_not_a_whole_number_of_at_least_one_are_refused(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SEGMENTS_THREADS", value)
    with pytest.raises(ValueError, match=rf"SEGMENTS_THREADS='{re.escape(value)}'.*at least 1"):
        Settings.from_env()


def test_dbt_connects_with_empty_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """dbt's profile reads the same environment: empty values are the defaults there too (DuckDB refuses an
    empty memory_limit and 0 threads)."""
    from dbt.cli.main import dbtRunner

    monkeypatch.setenv("SEGMENTS_MEMORY_LIMIT", "")
    monkeypatch.setenv("SEGMENTS_THREADS", "")
    monkeypatch.setenv("SEGMENTS_DUCKDB_PATH", str(tmp_path / "wh.duckdb"))
    monkeypatch.setenv("DBT_TARGET_PATH", str(tmp_path / "target"))
    duckdb.connect(str(tmp_path / "wh.duckdb")).close()
    result = dbtRunner().invoke(
        ["debug", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR), "--log-path", str(tmp_path)]
    )
    assert result.success, result.exception


def test_connections_apply_the_memory_limit_threads_and_utc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGMENTS_MEMORY_LIMIT", "300MB")
    monkeypatch.setenv("SEGMENTS_THREADS", "1")
    con = connect(tmp_path / "wh.duckdb")
    try:
        limit, threads, zone = con.execute(
            "select current_setting('memory_limit'), current_setting('threads'), current_setting('TimeZone')"
        ).fetchone()
    finally:
        con.close()
    assert (limit, threads, zone) == ("286.1 MiB", 1, "UTC")  # DuckDB shows 300 MB in MiB


def test_configure_sets_a_connection_opened_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGMENTS_MEMORY_LIMIT", "2GB")
    con = configure(duckdb.connect())
    assert con.execute("select current_setting('memory_limit')").fetchone() == ("1.8 GiB",)


def test_the_command_line_reports_a_bad_setting_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from segment_warehouse.cli import main

    monkeypatch.setenv("SEGMENTS_THREADS", "two")
    monkeypatch.setenv("SEGMENTS_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    assert main(["publish", "--force", "--as-of", "2026-06-30"]) == 1
    assert capsys.readouterr().err.startswith("error: SEGMENTS_THREADS='two': DuckDB threads per query")
    assert not (tmp_path / "serving.duckdb").exists()

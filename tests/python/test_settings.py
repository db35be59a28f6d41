"""The memory and thread settings: one default, read alike by our own connections and by dbt's profile."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb
import pytest

from segment_warehouse.settings import DEFAULT_MEMORY_LIMIT, PROJECT_DIR, Settings
from segment_warehouse.warehouse import configure, connect


def _profile_default(variable: str) -> str:
    text = (PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8")
    defaults = set(re.findall(rf"env_var\('{variable}', '([^']*)'\)", text))
    assert len(defaults) == 1, f"profiles.yml: {variable} has defaults {defaults}"
    return defaults.pop()


def test_profiles_yml_and_settings_share_the_memory_limit_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEGMENTS_MEMORY_LIMIT", raising=False)
    assert _profile_default("SEGMENTS_MEMORY_LIMIT") == DEFAULT_MEMORY_LIMIT == Settings.from_env().memory_limit


def test_an_empty_memory_limit_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEGMENTS_MEMORY_LIMIT", "")
    assert Settings.from_env().memory_limit == DEFAULT_MEMORY_LIMIT


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

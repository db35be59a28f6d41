"""The ingest run in a child process (segment_warehouse.ingest.isolated), as the daily job runs it."""

from __future__ import annotations

import os
import signal
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from ingest_support import row, write_rows

from segment_warehouse.ingest.isolated import IngestProcessError, RawTableState, ingest_in_subprocess
from segment_warehouse.settings import Settings


def _settings(tmp_path: Path) -> Settings:
    return replace(Settings.from_env(), duckdb_path=tmp_path / "wh.duckdb", landing_dir=tmp_path / "landing")


def test_the_child_loads_relays_progress_and_reports_the_tables(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    write_rows(
        settings.landing_dir,
        "campaigns",
        "c.csv",
        [row("campaigns"), row("campaigns", campaign_id="k2"), row("campaigns", kind="lottery")],
    )
    lines: list[str] = []
    report, states = ingest_in_subprocess(settings.landing_dir, settings, ["campaigns"], progress=lines.append)

    assert report.ok and [e.entity for e in report.entities] == ["campaigns"]
    assert (report.entity("campaigns").rows_loaded, report.entity("campaigns").rows_quarantined) == (2, 1)
    state = states["campaigns"]
    assert isinstance(state, RawTableState)
    assert (state.row_count, state.quarantined_total) == (2, 1)
    assert len(state.quarantine_reasons) == 1 and "kind" in state.quarantine_reasons[0][0]
    assert any("campaigns/c.csv" in line for line in lines), lines
    # the rows are in the warehouse file, written by the child (which has exited and released the file)
    with duckdb.connect(str(settings.duckdb_path)) as con:
        assert con.execute("select count(*) from raw.campaigns").fetchone() == (2,)


def test_an_error_in_the_child_is_raised_in_the_caller_with_its_message(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with pytest.raises(IngestProcessError, match=r"landing directory .*nowhere does not exist"):
        ingest_in_subprocess(tmp_path / "nowhere", settings, ["orders"], progress=None)


def test_a_failed_entity_is_in_the_report_not_an_exception(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    (settings.landing_dir / "orders").mkdir(parents=True)
    (settings.landing_dir / "orders" / "o.csv").write_bytes(b"order_id,customer_id\n1,2\n")  # required columns missing
    report, states = ingest_in_subprocess(settings.landing_dir, settings, ["orders"], progress=None)
    assert not report.ok and "orders" not in states
    assert report.entity("orders").error is not None and "missing" in report.entity("orders").error.lower()


def _die_like_the_oom_killer_does(*_args: object, **_kwargs: object) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def test_a_child_that_dies_without_a_word_is_reported_with_its_exit_code(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    with pytest.raises(IngestProcessError, match="exit code -9"):
        ingest_in_subprocess(
            settings.landing_dir, settings, ["campaigns"], progress=None, child=_die_like_the_oom_killer_does
        )

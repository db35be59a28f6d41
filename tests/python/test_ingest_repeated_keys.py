"""raw.repeated_keys: the keys the ingest saw more than once, which staging alone ranks (last_loaded_rows)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from ingest_support import ingest, row, write_rows

from segment_warehouse.contract import ENTITIES
from segment_warehouse.ingest import ingest_all
from segment_warehouse.ingest import repeated_keys as repeated_keys_module


def recorded(con: duckdb.DuckDBPyConnection, entity: str) -> list[str]:
    rows = con.execute(
        "select key_value from raw.repeated_keys where entity = ? order by key_value", [entity]
    ).fetchall()
    return [r[0] for r in rows]


def unchecked(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "select source_file from raw.load_audit where not coalesce(repeated_keys_checked, false) "
        "and rows_loaded > 0 order by 1"
    ).fetchall()
    return [r[0] for r in rows]


def test_repeats_within_a_file_and_versions_are_recorded_once(tmp_path: Path) -> None:
    landing = tmp_path / "landing"
    write_rows(
        landing,
        "messages",
        "m.csv",
        [
            row("messages", message_id="m_once"),
            row("messages", message_id="m_twice"),
            row("messages", message_id="m_twice"),
        ],
    )
    write_rows(
        landing,
        "customers",
        "c.csv",
        [
            row("customers", customer_id="c_one_version"),
            row("customers", customer_id="c_two_versions", updated_at="2025-01-10T09:00:00Z"),
            row("customers", customer_id="c_two_versions", updated_at="2025-02-10T09:00:00Z"),
        ],
    )
    # message events repeat when all three of message_id, event_type, occurred_at do: the message is recorded
    write_rows(
        landing,
        "message_events",
        "e.csv",
        [
            row("message_events", message_id="m1", event_type="delivered", occurred_at="2026-03-01T10:00:00Z"),
            row("message_events", message_id="m1", event_type="read", occurred_at="2026-03-01T10:00:00Z"),
            row("message_events", message_id="m2", event_type="read", occurred_at="2026-03-01T10:00:00Z"),
            row("message_events", message_id="m2", event_type="read", occurred_at="2026-03-01T10:00:00Z"),
        ],
    )
    report, con = ingest(landing, tmp_path / "wh.duckdb")
    try:
        assert report.ok
        assert recorded(con, "messages") == ["m_twice"]
        assert recorded(con, "customers") == ["c_two_versions"]
        assert recorded(con, "message_events") == ["m2"]
        assert unchecked(con) == []
        # entities without a repeat_key (small: staging ranks every row) record nothing
        assert not ENTITIES["products"].repeat_key
    finally:
        con.close()


@pytest.mark.parametrize("share", [0.0, 2.0], ids=["whole-table", "new-rows-only"])
def test_a_daily_drop_is_compared_with_everything_loaded_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, share: float
) -> None:
    # share 0: every recording groups the whole table; share 2: only the new rows' hashes (the daily path)
    monkeypatch.setattr(repeated_keys_module, "INCREMENTAL_SHARE", share)
    landing = tmp_path / "landing"
    write_rows(landing, "web_events", "day1.csv", [row("web_events", event_id=f"e{i}") for i in range(20)])
    _, con = ingest(landing, tmp_path / "wh.duckdb")
    try:
        assert recorded(con, "web_events") == []
        # day 2: one event landed again (e3), one new
        write_rows(
            landing, "web_events", "day2.csv", [row("web_events", event_id="e3"), row("web_events", event_id="n1")]
        )
        assert ingest_all(landing, con=con, progress=None).ok
        assert recorded(con, "web_events") == ["e3"]
        # day 3: e3 once more (already recorded: not twice), and n5 twice within the new file
        write_rows(
            landing,
            "web_events",
            "day3.csv",
            [row("web_events", event_id="e3"), row("web_events", event_id="n5"), row("web_events", event_id="n5")],
        )
        assert ingest_all(landing, con=con, progress=None).ok
        assert recorded(con, "web_events") == ["e3", "n5"]
        assert unchecked(con) == []
    finally:
        con.close()


def test_files_left_unchecked_by_an_interrupted_ingest_are_checked_by_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    landing = tmp_path / "landing"
    write_rows(landing, "orders", "a.csv", [row("orders", order_id="o1"), row("orders", order_id="o2")])
    write_rows(landing, "orders", "b.csv", [row("orders", order_id="o2", updated_at="2026-03-02T10:00:00Z")])

    def crash(_con: duckdb.DuckDBPyConnection, _entity: object) -> None:
        raise duckdb.IOException("disk full (simulated)")

    from segment_warehouse.ingest import loader

    monkeypatch.setattr(loader, "record_repeated_keys", crash)
    report, con = ingest(landing, tmp_path / "wh.duckdb")
    try:
        failed = report.entity("orders")
        assert failed.error is not None and "run the ingest again" in failed.error
        assert unchecked(con) == ["orders/a.csv", "orders/b.csv"]
        assert recorded(con, "orders") == []

        monkeypatch.undo()
        again = ingest_all(landing, con=con, progress=None)
        assert again.ok and again.entity("orders").files_loaded == []
        assert recorded(con, "orders") == ["o2"]
        assert unchecked(con) == []
    finally:
        con.close()

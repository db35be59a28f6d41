"""Segment history end to end: marts.segment_memberships, segment_sizes and segment_performance over several
consecutive as-of dates, re-runs and a backfill, on a small generated shop (SEGMENTS.md "Around every segment").

One module-scoped warehouse in a temporary directory: generate a shop, ingest it, then `dbt run` (in-process,
dbtRunner) as of 06-28, 06-29, 06-30, again as of 06-29 (re-run) and as of 06-27 (backfill, earlier than every
date already there), snapshotting the segment tables after each run. A second warehouse built from the same
landing files as of 06-30 checks that identical input gives identical rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from segment_warehouse.settings import PROJECT_DIR

if TYPE_CHECKING:
    from dbt.cli.main import dbtRunnerResult

pytestmark = pytest.mark.slow

END_DATE = dt.date(2026, 6, 30)
D0, D1, D2, D3 = (dt.date(2026, 6, day) for day in (27, 28, 29, 30))
#: an early day, more than segment_performance_long_days (30) before D2: its entry windows end before D2's T
EARLY = dt.date(2026, 5, 25)

#: (segment_name, member key) → attributes, normalised for comparison
Members = dict[tuple[str, str], dict[str, object]]
#: (as_of_date, segment_name, member key) → attributes
History = dict[tuple[dt.date, str, str], dict[str, object]]


def _normalise(value: object) -> object:
    """One comparable form for a value read from a segment table or from the attributes JSON."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal | float | int):
        return round(float(value), 6)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    return value


def _query(db_path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db_path))
    try:
        con.execute("set TimeZone = 'UTC'")
        return con.execute(sql).fetchall()
    finally:
        con.close()


def segment_table_members(db_path: Path) -> Members:
    """Every member of every segments.seg_* table, with its non-key columns."""
    members: Members = {}
    con = duckdb.connect(str(db_path))
    try:
        con.execute("set TimeZone = 'UTC'")
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'segments' and table_name like 'seg\\_%' escape '\\' order by 1"
            ).fetchall()
        ]
        for table in tables:
            cursor = con.execute(f"select * from segments.{table}")
            names = [column[0] for column in cursor.description]
            key = "customer_id" if "customer_id" in names else "anonymous_id"
            for row in cursor.fetchall():
                record = dict(zip(names, row, strict=True))
                member = str(record.pop(key))
                members[(table.removeprefix("seg_"), member)] = {k: _normalise(v) for k, v in record.items()}
    finally:
        con.close()
    return members


def membership_history(db_path: Path) -> History:
    rows = _query(
        db_path,
        "select as_of_date, segment_name, customer_id, cast(attributes as varchar) from marts.segment_memberships",
    )
    history: History = {}
    for as_of_date, segment_name, member, attributes in rows:
        key = (as_of_date, segment_name, member)
        assert key not in history, f"duplicate membership row {key}"
        history[key] = {k: _normalise(v) for k, v in json.loads(attributes).items()}
    return history


def on_date(history: History, as_of_date: dt.date) -> Members:
    return {(segment, member): attrs for (day, segment, member), attrs in history.items() if day == as_of_date}


@dataclass
class Warehouse:
    db_path: Path
    target_path: Path
    log_path: Path
    snapshots: dict[dt.date, Members] = field(default_factory=dict)
    history_after: dict[str, History] = field(default_factory=dict)
    tables_after: dict[str, dict[str, list[tuple]]] = field(default_factory=dict)

    def dbt(self, *args: str) -> None:
        result = self.invoke(*args)
        assert result.success, f"dbt {' '.join(args)} failed: {result.exception or result.result}"

    def invoke(self, *args: str) -> dbtRunnerResult:
        from dbt.cli.main import dbtRunner

        return dbtRunner().invoke(
            [
                *args,
                "--project-dir",
                str(PROJECT_DIR),
                "--profiles-dir",
                str(PROJECT_DIR),
                "--target-path",
                str(self.target_path),
                "--log-path",
                str(self.log_path),
                "--quiet",
            ]
        )

    def run_as_of(self, as_of_date: dt.date) -> None:
        self.dbt("run", "--vars", as_of_vars(as_of_date))
        self.snapshots[as_of_date] = segment_table_members(self.db_path)

    def snapshot_history_tables(self, label: str) -> None:
        self.tables_after[label] = {
            "sizes": _query(self.db_path, "select * from marts.segment_sizes order by as_of_date, segment_name"),
            "performance": _query(
                self.db_path, "select * from marts.segment_performance order by entry_date, segment_name"
            ),
            "entries": _query(
                self.db_path, "select * from marts.segment_entries order by entry_date, segment_name, customer_id"
            ),
        }


def as_of_vars(as_of_date: dt.date) -> str:
    return json.dumps({"as_of_date": as_of_date.isoformat()})


def build_warehouse(root: Path, landing_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Warehouse:
    from segment_warehouse.ingest import ingest_all

    db_path = root / "warehouse.duckdb"
    monkeypatch.setenv("SEGMENTS_DUCKDB_PATH", str(db_path))
    monkeypatch.setenv("SEGMENTS_LANDING_DIR", str(landing_dir))
    monkeypatch.setenv("SEGMENTS_THREADS", "2")
    ingest_all(landing_dir)
    warehouse = Warehouse(db_path, root / "target", root / "logs")
    warehouse.dbt("seed")
    return warehouse


@pytest.fixture(scope="module")
def spaced_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    """A third warehouse run as of EARLY, D2 and D3, then sizes, entries and performance recomputed with
    --full-refresh."""
    from segment_warehouse.generate import generate_shop

    root = tmp_path_factory.mktemp("segment_history_spaced")
    landing_dir = root / "landing"
    generate_shop(landing_dir, customers=400, seed=11, end_date=END_DATE, fmt="parquet", progress=None)
    with pytest.MonkeyPatch.context() as monkeypatch:
        warehouse = build_warehouse(root / "spaced", landing_dir, monkeypatch)
        for as_of_date, label in ((EARLY, "early"), (D2, "late"), (D3, "later")):
            warehouse.run_as_of(as_of_date)
            warehouse.snapshot_history_tables(label)
        warehouse.dbt(
            "run",
            "--select",
            "segment_sizes",
            "segment_entries",
            "segment_performance",
            "--full-refresh",
            "--vars",
            as_of_vars(D3),
        )
        warehouse.snapshot_history_tables("full refresh")
        yield warehouse  # inside the context: dbt invoked by the tests reads SEGMENTS_DUCKDB_PATH


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, Warehouse]]:
    from segment_warehouse.generate import generate_shop

    root = tmp_path_factory.mktemp("segment_history")
    landing_dir = root / "landing"
    generate_shop(landing_dir, customers=400, seed=11, end_date=END_DATE, fmt="parquet", progress=None)
    with pytest.MonkeyPatch.context() as monkeypatch:
        first = build_warehouse(root / "first", landing_dir, monkeypatch)
        for as_of_date in (D1, D2, D3):
            first.run_as_of(as_of_date)
        first.history_after["three dates"] = membership_history(first.db_path)
        first.run_as_of(D2)
        first.history_after["re-run"] = membership_history(first.db_path)
        first.run_as_of(D0)
        first.history_after["backfill"] = membership_history(first.db_path)

        second = build_warehouse(root / "second", landing_dir, monkeypatch)
        second.run_as_of(D3)
        second.history_after["one date"] = membership_history(second.db_path)
        yield first, second


def test_memberships_equal_the_segment_tables_of_each_run(runs: tuple[Warehouse, Warehouse]) -> None:
    first, _ = runs
    history = first.history_after["backfill"]
    assert {day for day, _, _ in history} == {D0, D1, D2, D3}
    for as_of_date, members in first.snapshots.items():
        assert members, f"no segment has any member as of {as_of_date}: the generated shop is too small"
        assert on_date(history, as_of_date) == members, f"memberships of {as_of_date} differ from the seg_ tables"
    segments_with_members = {segment for segment, _ in first.snapshots[D3]}
    assert "anonymous_visitors" in segments_with_members
    assert len(segments_with_members) >= 25, sorted(segments_with_members)


def test_every_segment_model_is_collected(runs: tuple[Warehouse, Warehouse]) -> None:
    first, _ = runs
    model_files = {path.stem.removeprefix("seg_") for path in (PROJECT_DIR / "models" / "segments").glob("seg_*.sql")}
    tables = {
        row[0].removeprefix("seg_")
        for row in _query(
            first.db_path, "select table_name from information_schema.tables where table_schema = 'segments'"
        )
    }
    sized = {row[0] for row in _query(first.db_path, "select distinct segment_name from marts.segment_sizes")}
    assert model_files <= tables
    # a segment with no member on any date has no history row; every other one is sized
    ever_members = {segment for (_, segment, _) in first.history_after["backfill"]}
    assert sized == ever_members


def test_rerunning_a_date_replaces_it_identically(runs: tuple[Warehouse, Warehouse]) -> None:
    first, _ = runs
    before, after = first.history_after["three dates"], first.history_after["re-run"]
    assert on_date(before, D2), "nothing recorded for the re-run date"
    assert after == before


def test_backfill_inserts_the_earlier_date_and_leaves_the_others(runs: tuple[Warehouse, Warehouse]) -> None:
    first, _ = runs
    before, after = first.history_after["re-run"], first.history_after["backfill"]
    assert {key: value for key, value in after.items() if key[0] != D0} == before
    assert on_date(after, D0) == first.snapshots[D0]


def test_identical_input_gives_identical_rows(runs: tuple[Warehouse, Warehouse]) -> None:
    first, second = runs
    assert second.history_after["one date"] == on_date_history(first.history_after["three dates"], D3)


def on_date_history(history: History, as_of_date: dt.date) -> History:
    return {key: value for key, value in history.items() if key[0] == as_of_date}


def test_sizes_entries_and_exits_follow_the_history(runs: tuple[Warehouse, Warehouse]) -> None:
    first, _ = runs
    history = first.history_after["backfill"]
    dates = sorted({day for day, _, _ in history})
    members_by = {
        (day, segment): {member for (d, s, member) in history if d == day and s == segment}
        for day in dates
        for segment in {s for _, s, _ in history}
    }
    sizes = _query(
        first.db_path,
        "select as_of_date, segment_name, previous_as_of_date, members, entered, exited from marts.segment_sizes",
    )
    assert sizes
    seen = set()
    for as_of_date, segment, previous, members, entered, exited in sizes:
        index = dates.index(as_of_date)
        expected_previous = dates[index - 1] if index else None
        assert previous == expected_previous
        current = members_by[(as_of_date, segment)]
        earlier = members_by[(previous, segment)] if previous else set()
        assert (members, entered, exited) == (len(current), len(current - earlier), len(earlier - current)), (
            as_of_date,
            segment,
        )
        seen.add((as_of_date, segment))
    entries = _query(
        first.db_path, "select entry_date, segment_name, customer_id, member_type from marts.segment_entries"
    )
    expected_entries = set()
    for index, day in enumerate(dates):
        previous = dates[index - 1] if index else None
        for (d, segment, member), _ in history.items():
            if d == day and (previous is None or member not in members_by[(previous, segment)]):
                expected_entries.add((day, segment, member))
    assert {row[:3] for row in entries} == expected_entries
    assert len(entries) == len(expected_entries)
    # every (date, segment) with members is sized; the backfilled first date makes 06-28 compare with 06-27
    assert {(day, segment) for (day, segment, _) in history} <= seen
    assert any(row[0] == D1 and row[2] == D0 for row in sizes)
    assert any(entered or exited for (day, _, _, _, entered, exited) in sizes if day != D0)


def test_performance_counts_the_entries_of_sizes(runs: tuple[Warehouse, Warehouse]) -> None:
    first, _ = runs
    sizes = {
        (day, segment): entered
        for day, segment, entered in _query(
            first.db_path, "select as_of_date, segment_name, entered from marts.segment_sizes where entered > 0"
        )
    }
    performance = _query(
        first.db_path,
        "select entry_date, segment_name, entered, ordered_7d, ordered_30d, revenue_7d_eur, revenue_30d_eur, "
        "computed_as_of_date from marts.segment_performance",
    )
    assert {(day, segment): entered for day, segment, entered, *_ in performance} == sizes
    for day, segment, entered, ordered_7d, ordered_30d, revenue_7d, revenue_30d, computed in performance:
        assert 0 <= ordered_7d <= ordered_30d <= entered, (day, segment)
        assert 0 <= revenue_7d <= revenue_30d, (day, segment)
        assert computed == D0  # the last run (the backfill) computed the table
    entry_dates = Counter(day for day, *_ in performance)
    assert set(entry_dates) == {D0, D1, D2, D3}


def test_incremental_sizes_and_performance_equal_a_full_recompute(spaced_runs: Warehouse) -> None:
    """Runs as of EARLY (05-25), D2 and D3: the EARLY entries were open when computed, so the D2 run recomputes
    them (their windows have ended by its T) and the D3 run keeps them. Every row then equals a --full-refresh
    recompute as of D3; only computed_as_of_date tells the kept rows apart."""
    early, late, later, full = (spaced_runs.tables_after[label] for label in ("early", "late", "later", "full refresh"))
    assert later["sizes"] == full["sizes"]
    assert later["entries"] == full["entries"]
    assert {row[0] for row in later["sizes"]} == {EARLY, D2, D3}
    computed_at: dict[dt.date, set[dt.date]] = {}
    for row in later["performance"]:
        computed_at.setdefault(row[1], set()).add(row[-1])
    assert computed_at == {EARLY: {D2}, D2: {D3}, D3: {D3}}, "EARLY's entries, closed when computed, are kept"
    assert {row[-1] for row in early["performance"]} == {EARLY}
    assert {row[-1] for row in late["performance"]} == {D2}, "the open windows of EARLY are recomputed"
    assert {row[-1] for row in full["performance"]} == {D3}
    assert [row[:-1] for row in later["performance"]] == [row[:-1] for row in full["performance"]]
    early_rows = [row for row in later["performance"] if row[1] == EARLY]
    assert all(row[-3] and row[-2] for row in early_rows), "EARLY's windows are complete"
    assert any(row[4] > 0 for row in early_rows), "some EARLY entrant ordered: the kept counts are not all zero"


@pytest.mark.parametrize(
    ("test_name", "bad_row"),
    [
        # a duplicate of a member
        ("unique_combination_of_columns", "select *"),
        # a member_type outside the domain
        ("accepted_values", "select as_of_date, segment_name, 'not-a-customer-id', 'robot', attributes"),
    ],
)
def test_the_history_tests_read_the_rows_of_the_run(spaced_runs: Warehouse, test_name: str, bad_row: str) -> None:
    """The key and domain tests of segment_memberships check the rows of the run's as-of date and later (their
    `where` config, __as_of_date__ replaced by macro get_where_subquery): a bad row on an earlier date, checked
    by its own run, passes a later run's test and fails the test of its own date."""
    con = duckdb.connect(str(spaced_runs.db_path))
    try:
        con.execute(
            f"insert into marts.segment_memberships {bad_row} "
            f"from marts.segment_memberships where as_of_date = date '{EARLY}' limit 1"
        )
    finally:
        con.close()
    select = ["--select", f"segment_memberships,test_name:{test_name}"]
    assert spaced_runs.invoke("test", *select, "--vars", as_of_vars(D3)).success
    failed = spaced_runs.invoke("test", *select, "--vars", as_of_vars(EARLY))
    assert not failed.success
    assert [result.failures for result in failed.result] == [1]

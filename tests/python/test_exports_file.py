"""File destination: full/added/removed + manifest under exports/<export>/<as_of_date>/, written atomically."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json

import duckdb
import pyarrow.parquet as pq
import pytest
from exports_support import AS_OF, NEXT_DAY, TinyShop, customer_id, declaration, file_declaration

from segment_warehouse.exports.destinations import file as file_destination
from segment_warehouse.exports.sync import SyncResult, sync_export


@pytest.fixture
def shop(tmp_path) -> TinyShop:
    return TinyShop(tmp_path / "wh.duckdb", n=300)


def run(shop: TinyShop, root, as_of: dt.date, fmt: str = "csv", **kwargs) -> SyncResult:
    with duckdb.connect(str(shop.path)) as con:
        return sync_export(
            declaration(file_declaration(fmt=fmt)),
            as_of,
            con=con,
            environ={"SEGMENTS_EXPORTS_DIR": str(root)},
            **kwargs,
        )


def read_csv(path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_first_sync_writes_full_added_removed_and_a_manifest(shop, tmp_path):
    root = tmp_path / "exports"
    result = run(shop, root, AS_OF)

    directory = root / "vip_csv" / "2026-03-01"
    assert result.status == "succeeded"
    assert sorted(p.name for p in directory.iterdir()) == ["added.csv", "full.csv", "manifest.json", "removed.csv"]
    full = read_csv(directory / "full.csv")
    assert len(full) == 300  # channel none: everyone in the segment
    assert full[1] == {
        "customer_id": "c000001",
        "email": "user1@example.com",
        "orders_count": "2",
        "total_spent_eur": "101.25",
    }
    assert read_csv(directory / "added.csv") == full
    assert read_csv(directory / "removed.csv") == []

    manifest = json.loads((directory / "manifest.json").read_text())
    assert (manifest["export"], manifest["as_of_date"], manifest["members"], manifest["adds"]) == (
        "vip_csv",
        "2026-03-01",
        300,
        300,
    )
    for kind in ("full", "added", "removed"):
        entry = manifest["files"][kind]
        data = (directory / entry["path"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
    assert [manifest["files"][k]["rows"] for k in ("full", "added", "removed")] == [300, 300, 0]
    assert not [p for p in (root / "vip_csv").iterdir() if p.name.startswith(".")], "no temporary directory left"


def test_next_day_files_hold_the_difference_with_reasons(shop, tmp_path):
    root = tmp_path / "exports"
    run(shop, root, AS_OF)
    shop.leave("vip", customer_id(5))
    shop.erase(customer_id(6))
    shop.execute(
        "insert into marts.customers select 'c999999', 'new@example.com', null, 'New', 'One', 'BE', true, true, true, "
        "3, 900, null"
    )
    shop.execute("insert into segments.seg_vip values ('c999999', 3, 900)")

    result = run(shop, root, NEXT_DAY)

    directory = root / "vip_csv" / "2026-03-02"
    assert (result.adds, result.removes) == (1, 2)
    assert [r["customer_id"] for r in read_csv(directory / "added.csv")] == ["c999999"]
    assert read_csv(directory / "removed.csv") == [
        {"customer_id": customer_id(5), "reason": "left_segment"},
        {"customer_id": customer_id(6), "reason": "not_a_customer"},
    ]
    assert len(read_csv(directory / "full.csv")) == 299
    # the first day's directory is left as it was
    assert len(read_csv(root / "vip_csv" / "2026-03-01" / "added.csv")) == 300


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_parquet_and_jsonl_formats(shop, tmp_path, fmt):
    root = tmp_path / "exports"
    run(shop, root, AS_OF, fmt=fmt)
    shop.leave("vip", customer_id(1))
    run(shop, root, NEXT_DAY, fmt=fmt)
    directory = root / "vip_csv" / "2026-03-02"
    if fmt == "parquet":
        full = pq.read_table(directory / "full.parquet")
        assert full.num_rows == 299
        assert str(full.schema.field("total_spent_eur").type) == "decimal128(18, 2)"
        assert pq.read_table(directory / "removed.parquet").to_pylist() == [
            {"customer_id": customer_id(1), "reason": "left_segment"}
        ]
    else:
        lines = (directory / "full.jsonl").read_text().splitlines()
        assert len(lines) == 299
        assert json.loads(lines[0]) == {
            "customer_id": "c000000",
            "email": "user0@example.com",
            "orders_count": 1,
            "total_spent_eur": 100,
        }
        assert [json.loads(x) for x in (directory / "removed.jsonl").read_text().splitlines()] == [
            {"customer_id": customer_id(1), "reason": "left_segment"}
        ]
    manifest = json.loads((directory / "manifest.json").read_text())
    assert manifest["format"] == fmt and manifest["files"]["removed"]["rows"] == 1


def test_a_crash_while_writing_leaves_the_previous_directory_and_the_state_untouched(shop, tmp_path, monkeypatch):
    root = tmp_path / "exports"
    run(shop, root, AS_OF)
    first = (root / "vip_csv" / "2026-03-01" / "manifest.json").read_text()
    shop.leave("vip", customer_id(5))

    def crash(*args, **kwargs):
        raise OSError("disk full (simulated)")

    monkeypatch.setattr(file_destination, "_write_removed", crash)
    failed = run(shop, root, AS_OF)  # a re-sync of the same date that dies half-way
    assert failed.status == "failed" and "disk full" in failed.message
    assert (root / "vip_csv" / "2026-03-01" / "manifest.json").read_text() == first
    assert not [p for p in (root / "vip_csv").iterdir() if p.name.startswith(".")]
    assert customer_id(5) in shop.state_ids("vip_csv")

    monkeypatch.undo()
    again = run(shop, root, AS_OF)
    assert (again.status, again.removes) == ("succeeded", 1)
    assert customer_id(5) not in shop.state_ids("vip_csv")


def test_a_rerun_with_nothing_new_leaves_the_directory_untouched(shop, tmp_path):
    root = tmp_path / "exports"
    run(shop, root, AS_OF)
    manifest = (root / "vip_csv" / "2026-03-01" / "manifest.json").read_text()
    again = run(shop, root, AS_OF)
    assert (again.status, again.adds, again.removes) == ("succeeded", 0, 0)
    assert (root / "vip_csv" / "2026-03-01" / "manifest.json").read_text() == manifest


def test_a_retired_directory_is_put_back_when_its_replacement_never_arrived(tmp_path):
    parent = tmp_path / "vip_csv"
    retired = parent / ".old-2026-03-01-abcd1234"
    retired.mkdir(parents=True)
    (retired / "manifest.json").write_text("{}")
    file_destination._remove_leftovers(parent)
    assert (parent / "2026-03-01" / "manifest.json").exists()
    assert not retired.exists()

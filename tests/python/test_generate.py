"""`segments generate`: determinism, the landing contract, daily drops, and the shapes segments rely on."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segment_warehouse.cli import main
from segment_warehouse.contract import ENTITIES, ENTITY_NAMES
from segment_warehouse.generate import GenerationError, generate_shop

END = dt.date(2026, 11, 22)
NEXT = END + dt.timedelta(days=1)
#: the column whose instant decides whether a row belongs to a day's drop
WINDOW_COLUMN = {
    "customers": "updated_at",
    "orders": "updated_at",
    "messages": "sent_at",
    "message_events": "occurred_at",
    "web_events": "occurred_at",
    "campaigns": "launched_at",
}


def _hashes(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _connect() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    return con


def _scan(root: Path, entity: str, pattern: str = "*.parquet") -> str:
    return f"read_parquet('{root / entity / pattern}')"


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 1 500-customer shop through END (Parquet), shared by the shape tests."""
    out = tmp_path_factory.mktemp("shop")
    generate_shop(out, customers=1500, seed=42, end_date=END, progress=None)
    return out


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_same_seed_and_arguments_give_identical_files(tmp_path: Path, fmt: str) -> None:
    generate_shop(tmp_path / "a", 200, seed=7, end_date=END, fmt=fmt, progress=None)
    generate_shop(tmp_path / "b", 200, seed=7, end_date=END, fmt=fmt, progress=None)
    first, second = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert len(first) == len(ENTITY_NAMES)
    assert first == second


def test_another_seed_gives_another_shop(tmp_path: Path) -> None:
    generate_shop(tmp_path / "a", 200, seed=7, end_date=END, progress=None)
    generate_shop(tmp_path / "b", 200, seed=8, end_date=END, progress=None)
    first, second = _hashes(tmp_path / "a"), _hashes(tmp_path / "b")
    assert first.keys() == second.keys()
    changed = {name for name in first if first[name] != second[name]}
    # products are the brand's fixed catalogue; everything customers do depends on the seed
    assert changed == {name for name in first if not name.startswith("products/")}


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_every_entity_has_exactly_the_contract_columns(tmp_path: Path, fmt: str) -> None:
    generate_shop(tmp_path, 150, seed=1, end_date=END, fmt=fmt, progress=None)
    for name, entity in ENTITIES.items():
        files = sorted((tmp_path / name).glob(f"full_{END}_part*.{fmt}"))
        assert files, f"no {fmt} file for {name}"
        for path in files:
            if fmt == "parquet":
                columns = pq.read_schema(path).names
            else:
                with path.open(encoding="utf-8", newline="") as handle:
                    columns = next(csv.reader(handle))
            assert columns == entity.column_names, path


def test_parquet_columns_have_natural_types(shop: Path) -> None:
    orders = pq.read_schema(next((shop / "orders").glob("*.parquet")))
    assert orders.field("created_at").type == pa.timestamp("us", tz="UTC")
    assert orders.field("total_price").type == pa.decimal128(18, 2)
    customers = pq.read_schema(next((shop / "customers").glob("*.parquet")))
    assert customers.field("birth_date").type == pa.date32()
    assert customers.field("email_opt_in").type == pa.bool_()
    lines = pq.read_schema(next((shop / "order_lines").glob("*.parquet")))
    assert lines.field("quantity").type == pa.int32()


def test_csv_timestamps_are_iso_8601_utc(tmp_path: Path) -> None:
    generate_shop(tmp_path, 100, seed=1, end_date=END, fmt="csv", progress=None)
    with next((tmp_path / "orders").glob("*.csv")).open(encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle))
    created = row["created_at"]
    assert created.endswith("Z") and "T" in created
    assert dt.datetime.fromisoformat(created).tzinfo == dt.UTC
    assert row["total_price"].count(".") == 1 and len(row["total_price"].split(".")[1]) == 2


def test_nothing_is_written_after_the_end_date(shop: Path) -> None:
    con = _connect()
    end_instant = f"timestamptz '{NEXT} 00:00:00+00'"
    for entity, column in WINDOW_COLUMN.items():
        late = con.execute(f"select count(*) from {_scan(shop, entity)} where {column} >= {end_instant}").fetchone()
        assert late == (0,), entity


def test_next_day_drop_holds_exactly_that_day_of_a_later_full_generation(tmp_path: Path) -> None:
    customers, seed = 800, 5
    generate_shop(tmp_path / "landing", customers, seed, END, progress=None)
    generate_shop(tmp_path / "landing", customers, seed, NEXT, since=END, progress=None)
    generate_shop(tmp_path / "later", customers, seed, NEXT, progress=None)
    landing, later = tmp_path / "landing", tmp_path / "later"
    con = _connect()
    day_start, day_end = f"timestamptz '{NEXT} 00:00:00+00'", f"timestamptz '{NEXT + dt.timedelta(days=1)} 00:00:00+00'"
    stem = f"drop_{END}_{NEXT}"
    for name, entity in ENTITIES.items():
        drop_files = sorted((landing / name).glob(f"{stem}_part*.parquet"))
        assert drop_files, f"no drop file for {name}"
        drop = _scan(landing, name, f"{stem}_part*.parquet")
        full = _scan(later, name)
        if name in WINDOW_COLUMN:
            column = WINDOW_COLUMN[name]
            in_day = f"{column} >= {day_start} and {column} < {day_end}"
            outside = con.execute(f"select count(*) from {drop} where not ({in_day})").fetchone()
            assert outside == (0,), f"{name}: drop rows outside {NEXT}"
        elif name == "order_lines":
            in_day = f"order_id in (select order_id from {_scan(later, 'orders')} where created_at >= {day_start})"
        elif name == "list_memberships":
            in_day = f"subscribed_at >= {day_start} or unsubscribed_at >= {day_start}"
        else:  # products: the catalogue comes with the full generation only
            in_day = "false"
        columns = ", ".join(entity.column_names)
        only_in_drop, only_in_full = (
            con.execute(
                f"select count(*) from (select {columns} from {a} except all select {columns} from {b})"
            ).fetchone()[0]  # type: ignore[index]
            for a, b in ((drop, f"{full} where {in_day}"), (f"{full} where {in_day}", drop))
        )
        assert (only_in_drop, only_in_full) == (0, 0), name
    counts = {
        name: con.execute(f"select count(*) from {_scan(landing, name, stem + '_part*.parquet')}").fetchone()[0]  # type: ignore[index]
        for name in ("orders", "messages", "message_events", "web_events")
    }
    assert all(count > 0 for count in counts.values()), counts
    # the full files of the first generation are still there, next to the drop
    assert sorted((landing / "orders").glob(f"full_{END}_part*.parquet"))


def test_a_full_generation_replaces_only_earlier_generated_files(tmp_path: Path) -> None:
    generate_shop(tmp_path, 100, 1, END, progress=None)
    generate_shop(tmp_path, 100, 1, NEXT, since=END, progress=None)
    foreign = tmp_path / "orders" / "shopify_export.csv"
    foreign.write_text("order_id\n", encoding="utf-8")
    generate_shop(tmp_path, 100, 1, NEXT, progress=None)
    names = sorted(p.name for p in (tmp_path / "orders").iterdir())
    assert names == [f"full_{NEXT}_part0001.parquet", "shopify_export.csv"]


def test_large_entities_are_split_into_parts(tmp_path: Path) -> None:
    summary = generate_shop(tmp_path, 200, 1, END, max_rows_per_file=2_000, progress=None)
    web = summary.entities["web_events"]
    assert len(web.files) == -(-web.rows // 2_000)
    assert sum(pq.ParquetFile(p).metadata.num_rows for p in web.files) == web.rows
    assert [p.name for p in web.files][:2] == [f"full_{END}_part0001.parquet", f"full_{END}_part0002.parquet"]


def test_bad_rows_only_on_request(tmp_path: Path) -> None:
    generate_shop(tmp_path / "clean", 100, 1, END, fmt="csv", progress=None)
    assert not list((tmp_path / "clean").rglob("*_bad_*"))
    generate_shop(tmp_path / "dirty", 100, 1, END, fmt="csv", bad_rows=3, progress=None)
    for name in ENTITY_NAMES:
        (bad,) = (tmp_path / "dirty" / name).glob("*_bad_part0001.csv")
        with bad.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert len(rows) == 3
        assert list(rows[0]) == ENTITIES[name].column_names
    with next((tmp_path / "dirty" / "orders").glob("*_bad_*")).open(encoding="utf-8", newline="") as handle:
        orders = list(csv.DictReader(handle))
    assert orders[0]["currency"] == "JPY" and orders[1]["total_price"].startswith("-")


def test_shop_has_the_shapes_segments_need(shop: Path) -> None:
    con = _connect()
    for name in ENTITY_NAMES:
        con.execute(f"create view {name} as select * from {_scan(shop, name)}")
    t = f"timestamptz '{NEXT} 00:00:00+00'"

    def one(sql: str) -> object:
        return con.execute(sql).fetchone()[0]  # type: ignore[index]

    assert one("select count(distinct customer_id) from customers") == 1500
    assert one("select count(distinct customer_id) from customers where deleted_at is not null") >= 1
    assert one("select count(*) from (select customer_id from customers group by 1 having count(*) >= 2)") > 100
    assert one("select count(*) from customers where updated_at < created_at") == 0
    assert one("select count(distinct gender) from customers") == 3
    assert one("select count(*) from customers where strftime(birth_date, '%m-%d') = '02-29'") >= 1
    assert one("select count(*) from customers where email is null or trim(email) = ''") > 0
    assert one("select count(distinct country_code) from customers") >= 4
    assert one("select count(*) from customers where city in ('Montpellier', 'Castelnau-le-Lez', 'Lattes')") > 0
    assert one("select count(*) from customers where city is not null and latitude is null") > 0
    assert one("select count(distinct currency) from orders") == 4
    assert one("select count(distinct financial_status) from orders") == 5
    assert one("select count(*) from orders where cancelled_at > created_at") > 0
    assert one("select count(*) from orders where discount_codes is not null") > 0
    assert one(f"select count(*) from orders where created_at >= {t} - interval 30 days") > 0
    assert one("select count(*) from products where product_type = 'Sérum'") >= 3
    assert one("select count(distinct collection) from products") == 3
    assert one("select count(*) from list_memberships where list_name = 'Intérêt Gamme Visage'") > 0
    assert one("select count(*) from campaigns where kind = 'cart_reminder'") > 0
    reminders = (
        "select count(*) from messages join campaigns using (campaign_id) "
        f"where kind = 'cart_reminder' and sent_at >= {t} - interval 30 days"
    )
    assert one(reminders) > 0
    duplicated = "select count(*) from (select * from message_events group by all having count(*) > 1)"
    assert one(duplicated) > 0
    assert one("select count(distinct event_type) from message_events") == 8
    assert one("select count(*) from messages where direction = 'inbound' and customer_id is null") > 0
    assert one("select count(distinct channel) from messages where direction = 'inbound'") == 3
    carts = f"select count(*) from web_events where event_type = 'add_to_cart' and occurred_at >= {t} - interval 7 days"
    assert one(carts) > 0
    # visitors who log in later: untagged events before a tagged one on the same anonymous_id
    stitched = (
        "select count(*) from (select anonymous_id from web_events group by 1 "
        "having count(customer_id) > 0 and min(occurred_at) filter (where customer_id is null) "
        "< min(occurred_at) filter (where customer_id is not null))"
    )
    assert one(stitched) > 0
    per_id = "select anonymous_id, count(customer_id) as tagged, count(distinct customer_id) as owners from web_events"
    con.execute(f"create view anonymous_ids as {per_id} group by 1")
    assert one("select count(*) from anonymous_ids where tagged = 0") > 0  # never logged in
    assert one("select count(*) from anonymous_ids where owners > 1") > 0  # a shared device
    assert one("select count(*) from web_events where event_type = 'product_view' and product_id is null") == 0


def test_command_line_writes_the_shop_and_prints_a_summary(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["generate", "--customers", "50", "--seed", "3", "--end-date", str(END), "--out", str(tmp_path)])
    assert code == 0
    out = capsys.readouterr().out
    assert "web_events" in out and "total" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(ENTITY_NAMES)


def test_command_line_refuses_a_since_date_not_before_the_end(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = main(["generate", "--end-date", str(END), "--since", str(END), "--out", str(tmp_path)])
    assert code == 2
    assert "--since 2026-11-22 must be before --end-date 2026-11-22" in capsys.readouterr().err


def test_an_end_date_before_enough_signups_is_refused(tmp_path: Path) -> None:
    with pytest.raises(GenerationError, match="too early"):
        generate_shop(tmp_path, 1000, 1, dt.date(2001, 6, 30), progress=None)

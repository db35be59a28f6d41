"""int_messages_enriched is incremental: the next day's run must give exactly what a full rebuild gives.

One warehouse follows the daily life of the shop: built as of D, then one more day of landing files arrives —
with an old-dated event landed late and the erasure of a customer who has messages — and it is built as of
D + 1 (incremental: only the changed messages are recomputed), then as of D again (a backfill: T goes
backwards, the table is rebuilt), then with --full-refresh, then from a table of the earlier non-incremental
model (the run asks for --full-refresh). Each result is compared with a warehouse built from scratch on the
same landed rows as of the same date.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from warehouse_build_support import ScratchWarehouse

pytestmark = pytest.mark.slow

D = dt.date(2026, 6, 30)
NEXT_DAY = D + dt.timedelta(days=1)
BUSINESS_COLUMNS = (
    "message_id, customer_id, channel, direction, campaign_id, sent_at, first_delivered_at, first_read_at, "
    "first_opened_at, first_clicked_at, first_bounced_at, first_failed_at, first_unsubscribed_at, "
    "first_handled_at, last_read_at, last_engaged_at"
)
COMPARED = {
    "intermediate.int_messages_enriched": BUSINESS_COLUMNS,
    "marts.messages": "*",
    "marts.customers": "*",
}


def _build(warehouse: ScratchWarehouse, as_of: dt.date, *flags: str) -> None:
    warehouse.dbt(
        "build",
        "--select",
        "+marts.customers",
        "+marts.messages",
        "--indirect-selection",
        "cautious",
        *flags,
        as_of=as_of,
    )


def _content(warehouse: ScratchWarehouse, table: str, columns: str) -> Counter[tuple]:
    return Counter(tuple(row.values()) for row in warehouse.rows(f"select {columns} from {table}"))


def _differences(first: ScratchWarehouse, second: ScratchWarehouse) -> list[str]:
    found = []
    for table, columns in COMPARED.items():
        a, b = _content(first, table, columns), _content(second, table, columns)
        if a != b:
            found.append(f"{table}: {list(a - b)[:2]} vs {list(b - a)[:2]}")
    return found


def _land_late_rows(warehouse: ScratchWarehouse, landing: Path) -> dict[str, str]:
    """A read event dated 10 days before D for an outbound message read by nobody, landed after the first build,
    and the erasure of a customer who has messages: new landing files, as a provider and the shop would send."""
    with warehouse.connection() as con:
        message_id, reader = con.execute(
            "select message_id, customer_id from intermediate.int_messages_enriched "
            "where direction = 'outbound' and first_read_at is null and customer_id is not null and sent_at < ? "
            "order by message_id limit 1",
            [dt.datetime.combine(D - dt.timedelta(days=20), dt.time())],
        ).fetchone()
        erased = con.execute(
            "select customer_id from intermediate.int_messages_enriched where customer_id <> ? "
            "order by customer_id limit 1",
            [reader],
        ).fetchone()[0]
        late_read = dt.datetime.combine(D - dt.timedelta(days=10), dt.time(9, 30))
        con.execute(
            f"copy (select '{message_id}' as message_id, 'read' as event_type, "
            f"timestamp '{late_read}' as occurred_at) "
            f"to '{landing / 'message_events' / 'late_provider_replay.parquet'}' (format parquet)"
        )
        columns = [
            name
            for (name,) in con.execute(
                "select column_name from information_schema.columns where table_schema = 'raw' "
                "and table_name = 'customers' and column_name not in ('_source_file', '_loaded_at') "
                "order by ordinal_position"
            ).fetchall()
        ]
        erasure = dt.datetime.combine(NEXT_DAY, dt.time(8))
        selected = ", ".join(
            f"timestamp '{erasure}' as {name}" if name in ("updated_at", "deleted_at") else name for name in columns
        )
        con.execute(
            f"copy (select {selected} from raw.customers where customer_id = '{erased}' "
            "order by updated_at desc limit 1) "
            f"to '{landing / 'customers' / 'erasure_request.parquet'}' (format parquet)"
        )
    return {"late_read_message": message_id, "erased_customer": erased}


@pytest.fixture(scope="module")
def daily_life(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    from segment_warehouse.generate import generate_shop

    root = tmp_path_factory.mktemp("incremental_messages")
    landing = root / "landing"
    generate_shop(landing, customers=300, seed=41, end_date=D, fmt="parquet", progress=None)
    daily = ScratchWarehouse(root / "daily")
    daily.ingest(landing)
    daily.dbt("seed")
    _build(daily, D)

    generate_shop(landing, customers=300, seed=41, end_date=NEXT_DAY, since=D, fmt="parquet", progress=None)
    late = _land_late_rows(daily, landing)
    daily.ingest(landing)
    _build(daily, NEXT_DAY)
    next_day_rows = daily.rows(
        "select computed_as_of, count(*) as messages from intermediate.int_messages_enriched group by 1 order by 1"
    )

    scratch = {}
    for as_of in (NEXT_DAY, D):
        warehouse = ScratchWarehouse(root / f"scratch_{as_of}")
        warehouse.ingest(landing)
        warehouse.dbt("seed")
        _build(warehouse, as_of)
        scratch[as_of] = warehouse
    return {"daily": daily, "scratch": scratch, "late": late, "next_day_rows": next_day_rows, "root": root}


def test_the_next_day_run_recomputed_only_some_messages(daily_life: dict) -> None:
    rows = daily_life["next_day_rows"]
    by_t = {row["computed_as_of"]: row["messages"] for row in rows}
    t_d, t_next = (dt.datetime.combine(day + dt.timedelta(days=1), dt.time()) for day in (D, NEXT_DAY))
    assert set(by_t) == {t_d, t_next}, rows
    assert 0 < by_t[t_next] < by_t[t_d] / 10, "the next day's run should recompute a small share of the messages"


def test_the_next_day_run_equals_a_full_rebuild(daily_life: dict) -> None:
    assert _differences(daily_life["daily"], daily_life["scratch"][NEXT_DAY]) == []


def test_a_late_landed_old_event_and_an_erasure_reach_the_incremental_table(daily_life: dict) -> None:
    daily: ScratchWarehouse = daily_life["scratch"][NEXT_DAY]
    late = daily_life["late"]
    for warehouse in (daily_life["daily"], daily):
        read = warehouse.rows(
            "select first_read_at from intermediate.int_messages_enriched where message_id = "
            f"'{late['late_read_message']}'"
        )
        assert read == [{"first_read_at": dt.datetime.combine(D - dt.timedelta(days=10), dt.time(9, 30))}]
        erased = warehouse.rows(
            "select count(*) as n from intermediate.int_messages_enriched where customer_id = "
            f"'{late['erased_customer']}'"
        )
        assert erased == [{"n": 0}]


def test_a_backfill_of_an_earlier_date_equals_a_full_rebuild(daily_life: dict) -> None:
    daily: ScratchWarehouse = daily_life["daily"]
    _build(daily, D)
    assert daily.rows("select distinct computed_as_of from intermediate.int_messages_enriched") == [
        {"computed_as_of": dt.datetime.combine(NEXT_DAY, dt.time())}
    ]
    assert _differences(daily, daily_life["scratch"][D]) == []


def test_full_refresh_rebuilds_the_table(daily_life: dict) -> None:
    daily: ScratchWarehouse = daily_life["daily"]
    _build(daily, NEXT_DAY, "--full-refresh")
    rows = daily.rows("select distinct computed_as_of from intermediate.int_messages_enriched")
    assert rows == [{"computed_as_of": dt.datetime.combine(NEXT_DAY + dt.timedelta(days=1), dt.time())}]
    assert _differences(daily, daily_life["scratch"][NEXT_DAY]) == []


def test_a_table_built_by_the_earlier_non_incremental_model_asks_for_a_full_refresh(daily_life: dict) -> None:
    """Upgrading: the table of the earlier model version (campaign columns, no bookkeeping columns) stops the
    run with the command to run; that command rebuilds it."""
    daily: ScratchWarehouse = daily_life["daily"]
    with daily.connection() as con:
        for statement in (
            "alter table intermediate.int_messages_enriched drop column computed_as_of",
            "alter table intermediate.int_messages_enriched drop column last_loaded_at",
            "alter table intermediate.int_messages_enriched add column campaign_name varchar",
        ):
            con.execute(statement)
    with pytest.raises(AssertionError, match=r"earlier version of int_messages_enriched.*--full-refresh"):
        _build(daily, NEXT_DAY)
    _build(daily, NEXT_DAY, "--full-refresh")
    columns = {
        row["column_name"]
        for row in daily.rows(
            "select column_name from information_schema.columns "
            "where table_schema = 'intermediate' and table_name = 'int_messages_enriched'"
        )
    }
    assert {"computed_as_of", "last_loaded_at"} <= columns
    assert "campaign_name" not in columns
    assert _differences(daily, daily_life["scratch"][NEXT_DAY]) == []

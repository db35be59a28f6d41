"""Determinism: two runs on identical input produce identical tables, row for row.

One generated landing directory is ingested into two separate warehouses, and the whole dbt project is run in
each as of the same date — once with 1 thread, once with 2, so that a parallel plan cannot hide an unordered
pick. Every table of the marts and segments schemas must then hold exactly the same rows: every ranking,
ntile, "latest" pick and string aggregation breaks its ties by a key.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from warehouse_build_support import ScratchWarehouse

pytestmark = pytest.mark.slow

AS_OF = dt.date(2026, 6, 30)
COMPARED_SCHEMAS = ("marts", "segments")


def _tables(warehouse: ScratchWarehouse) -> list[str]:
    rows = warehouse.rows(
        "select table_schema || '.' || table_name as name from information_schema.tables "
        f"where table_schema in {COMPARED_SCHEMAS} order by name"
    )
    return [row["name"] for row in rows]


def _content(warehouse: ScratchWarehouse, table: str) -> Counter[tuple]:
    """The rows of a table as a multiset of tuples (order-free, duplicates counted)."""
    return Counter(tuple(row.values()) for row in warehouse.rows(f"select * from {table}"))


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[ScratchWarehouse, ScratchWarehouse]:
    from segment_warehouse.generate import generate_shop

    root = tmp_path_factory.mktemp("determinism")
    landing = root / "landing"
    generate_shop(landing, customers=400, seed=31, end_date=AS_OF, fmt="parquet", progress=None)
    runs = []
    for name, threads in (("one_thread", 1), ("two_threads", 2)):
        warehouse = ScratchWarehouse(root / name, threads=threads)
        warehouse.ingest(landing)
        warehouse.dbt("seed")
        warehouse.dbt("run", as_of=AS_OF)
        runs.append(warehouse)
    return runs[0], runs[1]


def test_both_runs_build_the_same_tables(two_runs: tuple[ScratchWarehouse, ScratchWarehouse]) -> None:
    first, second = two_runs
    tables = _tables(first)
    assert {"marts.customers", "marts.orders", "marts.messages"} <= set(tables)
    assert any(table.startswith("segments.seg_") for table in tables)
    assert _tables(second) == tables


def test_identical_input_gives_identical_rows(two_runs: tuple[ScratchWarehouse, ScratchWarehouse]) -> None:
    first, second = two_runs
    different = []
    for table in _tables(first):
        a, b = _content(first, table), _content(second, table)
        if a != b:
            only_first, only_second = a - b, b - a
            different.append(
                f"{table}: {sum(only_first.values())} rows only in run 1, e.g. {list(only_first)[:1]}; "
                f"{sum(only_second.values())} only in run 2, e.g. {list(only_second)[:1]}"
            )
    assert different == []


def test_the_customer_facts_are_not_trivially_equal(two_runs: tuple[ScratchWarehouse, ScratchWarehouse]) -> None:
    first, _ = two_runs
    facts = first.rows(
        "select count(*) as customers, count(distinct rfm_monetary_score) as rfm_buckets, "
        "count(favourite_product_type) as with_favourite, count(list_names) as with_lists from marts.customers"
    )[0]
    assert facts["customers"] > 300
    assert facts["rfm_buckets"] == 5
    assert facts["with_favourite"] > 0 and facts["with_lists"] > 0

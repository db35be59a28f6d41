"""The DuckDB query of `distinct_value_lists` (macros/distinct_value_lists.sql) lists what an ordered distinct
string_agg lists, with few distinct values (one word of bits) and with many (keys spanning several words)."""

from __future__ import annotations

from types import SimpleNamespace

import duckdb
import jinja2
import pytest

from segment_warehouse.settings import PROJECT_DIR

#: the semantics, written the obvious way (the default__ implementation, which PostgreSQL runs)
REFERENCE = """
select k, string_agg(distinct v, ', ' order by v) as vs
from t
where v is not null
group by k
order by k
"""


def duckdb_lists_sql() -> str:
    environment = jinja2.Environment()
    environment.globals["dbt"] = SimpleNamespace(type_bigint=lambda: "bigint")
    template = environment.from_string((PROJECT_DIR / "macros" / "distinct_value_lists.sql").read_text("utf-8"))
    query = template.module.duckdb__distinct_value_lists("t", "k", "v", "vs")  # type: ignore[attr-defined]
    return f"select * from ({query}) as lists order by k"


@pytest.mark.parametrize("distinct_values", [1, 3, 62, 63, 200])
def test_lists_match_an_ordered_distinct_string_agg(distinct_values: int) -> None:
    con = duckdb.connect()
    # 3 000 keys with 0 to 7 rows each: repeated values, nulls, keys with only nulls (no row expected)
    con.execute(
        f"""
        create table t as
        select
            'k' || lpad(cast(i // 7 as varchar), 5, '0') as k,
            case when hash(i, 'null') % 9 = 0 then null
                 else 'value ' || cast(hash(i) % {distinct_values} as varchar) end as v
        from range(21000) as r(i)
        where hash(i, 'keep') % 8 <> 0
        union all select 'only nulls', null
        """
    )
    ours = con.execute(duckdb_lists_sql()).fetchall()
    reference = con.execute(REFERENCE).fetchall()
    assert ours == reference
    assert ("only nulls", None) not in ours
    if distinct_values > 62:
        # the fixture must exercise the multi-word path: keys whose values' sort ranks fall in different words
        spanning = con.execute(
            """
            with ranked as (select v, row_number() over (order by v) - 1 as n from (select distinct v from t) d)
            select count(*) from (
                select k from t inner join ranked using (v) group by k having min(n // 62) <> max(n // 62)
            ) as keys
            """
        ).fetchone()
        assert spanning is not None and spanning[0] > 0


def test_values_sort_as_text_and_keep_the_delimiter() -> None:
    con = duckdb.connect()
    con.execute(
        "create table t as select * from (values ('a', 'Sérum'), ('a', 'Crème'), ('a', 'Sérum'), ('b', 'Z')) v(k, v)"
    )
    assert con.execute(duckdb_lists_sql()).fetchall() == [("a", "Crème, Sérum"), ("b", "Z")]

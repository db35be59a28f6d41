"""The DuckDB query of the `unique` test (macros/test_unique.sql) returns what dbt's built-in query returns."""

from __future__ import annotations

import duckdb
import jinja2

from segment_warehouse.settings import PROJECT_DIR

#: dbt's built-in query (dbt-adapters, default__test_unique), the reference
DBT_UNIQUE = """
select {column} as unique_field, count(*) as n_records
from {model}
where {column} is not null
group by {column}
having count(*) > 1
"""


def duckdb_unique_sql(model: str, column: str) -> str:
    template = jinja2.Environment().from_string((PROJECT_DIR / "macros" / "test_unique.sql").read_text("utf-8"))
    return str(template.module.duckdb__test_unique(model, column))  # type: ignore[attr-defined]


def test_duplicates_and_nulls_are_reported_like_dbt_reports_them() -> None:
    con = duckdb.connect()
    con.execute(
        "create table t as select * from (values ('a'), ('b'), ('b'), ('c'), ('c'), ('c'), (null), (null)) v(k) "
        "union all select 'k' || i from range(10000) r(i)"
    )
    ours = con.execute(duckdb_unique_sql("t", "k") + " order by 1").fetchall()
    reference = con.execute(DBT_UNIQUE.format(model="t", column="k") + " order by 1").fetchall()
    assert ours == reference == [("b", 2), ("c", 3)]
    con.execute("delete from t where k in ('b', 'c')")
    assert con.execute(duckdb_unique_sql("t", "k")).fetchall() == []

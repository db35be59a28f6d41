"""`segments count "<filter>"`: counts, breakdown, and refusal of everything that is not a plain filter."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from segment_warehouse.audience_count import count_audience, open_for_counting
from segment_warehouse.cli import UserError, main

#: marts.customers as DESIGN §6 defines it (types as the customer-facts model produces them)
CUSTOMERS_DDL = """
create table marts.customers (
    customer_id varchar, email varchar, phone varchar, first_name varchar, last_name varchar,
    gender varchar, birth_date date, age integer, city varchar, country_code varchar,
    created_at timestamp, orders_count integer, first_order_at timestamp, last_order_at timestamp,
    total_spent_eur decimal(18, 2), aov_eur decimal(18, 2), last_order_amount_ht_eur decimal(18, 2),
    orders_90d integer, orders_365d integer, orders_6m integer, avg_days_between_orders double,
    whatsapp_inbound_count integer, has_unhandled_inbound boolean, whatsapp_reads_90d integer,
    email_delivered_90d integer, email_delivered_180d integer, email_opened_90d integer,
    email_opened_180d integer, engaged_90d boolean, last_visit_at timestamp, last_cart_at timestamp,
    last_activity_at timestamp, email_consent boolean, sms_consent boolean, whatsapp_consent boolean,
    is_urban boolean, distance_km double, lifecycle_stage varchar, engagement_tier varchar
)
"""

# customer_id, city, country_code, orders_count, total_spent_eur, whatsapp_reads_90d, lifecycle_stage,
# last_order_at, birth_date
ROWS = [
    ("c1", "Paris", "FR", 5, "620.00", 2, "loyal", "2026-10-01 10:00:00", "1990-03-01"),
    ("c2", "Lyon", "FR", 3, "150.50", 1, "loyal", "2026-09-15 08:00:00", "1985-07-12"),
    ("c3", "Bruxelles", "BE", 3, "499.99", 0, "loyal", "2026-08-01 00:00:00", None),
    ("c4", "Gent", "BE", 1, "500.00", 1, "new", "2026-11-20 12:00:00", "2001-12-31"),
    ("c5", "Genève", "CH", 0, "0.00", 3, "prospect", None, None),
    ("c6", None, None, 2, "80.00", 1, "at_risk", "2026-02-01 00:00:00", "1970-01-01"),
]


def make_warehouse(path: Path, rows: list[tuple] = ROWS, with_marker: str | None = None) -> Path:
    con = duckdb.connect(str(path))
    con.execute("create schema marts")
    con.execute(CUSTOMERS_DDL)
    for cid, city, country, n, spent, reads, stage, last_order, birth in rows:
        con.execute(
            "insert into marts.customers (customer_id, city, country_code, orders_count, total_spent_eur, "
            "whatsapp_reads_90d, lifecycle_stage, last_order_at, birth_date) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [cid, city, country, n, spent, reads, stage, last_order, birth],
        )
    con.execute("create table marts.secret as select 'do not read' as s")
    if with_marker:
        con.execute(f"create table marts.published as select date '{with_marker}' as as_of_date")
    con.close()
    return path


@pytest.fixture
def con(tmp_path: Path):
    path = make_warehouse(tmp_path / "warehouse.duckdb")
    connection = open_for_counting(path)
    yield connection
    connection.close()


def test_counts_the_issue_example_with_breakdown(con) -> None:
    result = count_audience("orders_count >= 3 and whatsapp_reads_90d >= 1", con)
    assert result.total == 2  # c1, c2 (c3 has no read)
    assert result.all_customers == 6
    assert result.share == pytest.approx(2 / 6)
    assert result.by_lifecycle_stage == [("loyal", 2)]
    assert result.by_country_code == [("FR", 2)]
    assert result.filter_sql == '"orders_count" >= 3 AND "whatsapp_reads_90d" >= 1'


def test_exact_decimal_threshold_and_nulls_in_breakdown(con) -> None:
    result = count_audience("total_spent_eur >= 500 or country_code is null", con)
    assert result.total == 3  # c1 620, c4 exactly 500, c6 no country; c3 499.99 excluded
    assert dict(result.by_lifecycle_stage) == {"loyal": 1, "new": 1, "at_risk": 1}
    assert dict(result.by_country_code) == {"FR": 1, "BE": 1, None: 1}


def test_functions_dates_in_between_and_case_insensitive_columns(con) -> None:
    assert count_audience("lower(city) in ('paris', 'gent')", con).total == 2
    assert count_audience("Orders_Count between 1 and 3", con).total == 4
    assert count_audience("last_order_at >= date '2026-11-21' - interval 30 day", con).total == 1
    assert count_audience("year(birth_date) < 1990 and birth_date is not null", con).total == 2
    assert count_audience("starts_with(city, 'G') and not contains(city, 'è')", con).total == 1
    assert count_audience("city = 'it''s -- not a comment'", con).total == 0


def test_no_match_gives_zero_and_empty_breakdown(con) -> None:
    result = count_audience("orders_count > 100", con)
    assert (result.total, result.all_customers) == (0, 6)
    assert result.by_lifecycle_stage == [] and result.by_country_code == []


def test_country_breakdown_keeps_the_top_ten(tmp_path: Path) -> None:
    # 12 countries "00".."11" with 5 customers each, and "AA" with 7
    rows = [(f"c{i}", "X", f"{i % 12:02d}", 1, "1.00", 0, "new", None, None) for i in range(60)]
    rows += [(f"extra{i}", "X", "AA", 1, "1.00", 0, "new", None, None) for i in range(7)]
    with open_for_counting(make_warehouse(tmp_path / "w.duckdb", rows)) as c:
        result = count_audience("orders_count = 1", c)
    assert result.total == 67
    assert len(result.by_country_code) == 10
    assert result.by_country_code[0] == ("AA", 7)
    assert result.by_country_code[1:] == [(f"{i:02d}", 5) for i in range(9)]  # ties in code order


@pytest.mark.parametrize(
    ("filter_text", "message"),
    [
        ("drop table marts.customers", "statements are not allowed"),
        ("create table x as select 1", "statements are not allowed"),
        ("orders_count > 1; drop table marts.customers", "';' and several statements are not allowed"),
        ("orders_count > (select count(*) from marts.secret)", "subqueries are not allowed"),
        ("customer_id in (select s from marts.secret)", "subqueries are not allowed"),
        ("orders_count > 1 union select s from marts.secret", "subqueries are not allowed"),
        ("marts.secret.s = 'x'", "qualified column"),
        ("c.orders_count > 1", "qualified column"),
        ("secret_column = 1", "unknown column 'secret_column'"),
        ("orders_cnt >= 3", "did you mean orders_count"),
        ("strlen(city) > 3", "function strlen() is not allowed"),
        ("read_csv('/etc/passwd') is not null", "function read_csv() is not allowed"),
        ("getenv('HOME') = 'x'", "is not allowed"),
        ("orders_count > 1 -- and more", "comments"),
        ("orders_count > 1 /* x */ or true", "comments"),
        ("*", "'*' is not allowed"),
        ("count(*) > 1", "not allowed"),
        ("orders_count = $1", "parameters are not allowed"),
        ("orders_count = ?", "parameters are not allowed"),
        ("attach '/tmp/x.duckdb' as x", "statements are not allowed"),
        ("orders_count >", "not a valid expression"),
        ("", "the filter is empty"),
        ("   ", "the filter is empty"),
    ],
)
def test_refuses_what_is_not_a_plain_filter(con, filter_text: str, message: str) -> None:
    with pytest.raises(UserError, match="filter refused") as info:
        count_audience(filter_text, con)
    assert message in str(info.value)
    # the warehouse is intact and still answers
    assert con.execute("select count(*) from marts.customers").fetchone() == (6,)


def test_type_errors_are_reported_clearly(con) -> None:
    with pytest.raises(UserError, match=r"could not be evaluated on marts\.customers"):
        count_audience("last_order_at > 'not a date'", con)


def test_counting_connection_cannot_write_nor_read_files(con) -> None:
    with pytest.raises(duckdb.Error):
        con.execute("create table marts.x (a int)")
    with pytest.raises(duckdb.Error):
        con.execute("select * from read_csv('/etc/passwd')")
    with pytest.raises(duckdb.Error):
        con.execute("set enable_external_access = true")


def test_missing_customers_table_says_run_first(tmp_path: Path) -> None:
    duckdb.connect(str(tmp_path / "empty.duckdb")).close()
    with open_for_counting(tmp_path / "empty.duckdb") as c, pytest.raises(UserError, match="segments run"):
        count_audience("orders_count > 1", c)


def _env(monkeypatch, tmp_path: Path) -> tuple[Path, Path]:
    working = tmp_path / "wh" / "warehouse.duckdb"
    serving = tmp_path / "wh" / "serving.duckdb"
    monkeypatch.setenv("SEGMENTS_DUCKDB_PATH", str(working))
    monkeypatch.setenv("SEGMENTS_SERVING_DUCKDB_PATH", str(serving))
    working.parent.mkdir()
    return working, serving


def test_cli_without_warehouse_says_run_first(monkeypatch, tmp_path: Path, capsys) -> None:
    _env(monkeypatch, tmp_path)
    assert main(["count", "orders_count >= 1"]) == 1
    assert "run `segments run` first" in capsys.readouterr().err


def test_cli_prefers_the_serving_copy_and_prints_json(monkeypatch, tmp_path: Path, capsys) -> None:
    working, serving = _env(monkeypatch, tmp_path)
    make_warehouse(working, ROWS[:2])
    assert main(["count", "--json", "orders_count >= 0"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["total"], answer["as_of_date"], answer["source"]) == (2, None, str(working))

    make_warehouse(serving, ROWS, with_marker="2026-11-22")
    assert main(["count", "--json", "orders_count >= 3 and whatsapp_reads_90d >= 1"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["source"] == str(serving)
    assert answer["as_of_date"] == "2026-11-22"
    assert (answer["total"], answer["all_customers"]) == (2, 6)
    assert answer["by_lifecycle_stage"] == [{"lifecycle_stage": "loyal", "customers": 2}]
    assert answer["elapsed_ms"] >= 0


def test_cli_text_output_and_refusal_exit_code(monkeypatch, tmp_path: Path, capsys) -> None:
    working, _ = _env(monkeypatch, tmp_path)
    make_warehouse(working)
    assert main(["count", "country_code = 'BE'"]) == 0
    out = capsys.readouterr().out
    assert "2 customers match (33.3% of 6)" in out
    assert "by country_code (top 10)" in out and "BE" in out
    assert main(["count", "1 = 1; drop table marts.customers"]) == 1
    assert "filter refused" in capsys.readouterr().err
    with duckdb.connect(str(working), read_only=True) as c:
        assert c.execute("select count(*) from marts.customers").fetchone() == (6,)

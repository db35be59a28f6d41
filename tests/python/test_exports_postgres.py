"""PostgreSQL destination against a real server (started by .ci/run; never skipped on CI).

DSN: SEGMENTS_TEST_PG_DSN (default postgresql://segments:segments@127.0.0.1:5432/segments). Each test
writes into its own schema, dropped afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from decimal import Decimal

import duckdb
import psycopg
import pytest
from exports_support import AS_OF, NEXT_DAY, TinyShop, customer_id, declaration, postgres_declaration

from segment_warehouse.exports import state as state_store
from segment_warehouse.exports.sync import SyncResult, sync_export

pytestmark = pytest.mark.postgres

DEFAULT_DSN = "postgresql://segments:segments@127.0.0.1:5432/segments"


@pytest.fixture(scope="module")
def dsn() -> str:
    dsn = os.environ.get("SEGMENTS_TEST_PG_DSN") or DEFAULT_DSN
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            conn.execute("select 1")
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL is not reachable at {dsn} ({exc}); start it with `bash .ci/start-postgres`"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"on CI the postgres tests must run: {message}")
        pytest.skip(message)
    return dsn


@pytest.fixture
def schema(dsn):
    name = f"exports_test_{uuid.uuid4().hex[:10]}"
    yield name
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"drop schema if exists {name} cascade")


@pytest.fixture
def shop(tmp_path) -> TinyShop:
    return TinyShop(tmp_path / "wh.duckdb", n=300)


def run(shop: TinyShop, schema: str, dsn: str, as_of: dt.date, **kwargs) -> SyncResult:
    with duckdb.connect(str(shop.path)) as con:
        return sync_export(
            declaration(postgres_declaration(schema)), as_of, con=con, environ={"SEGMENTS_PG_DSN": dsn}, **kwargs
        )


def table_rows(dsn: str, schema: str) -> dict[str, tuple]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(f"select customer_id, email, first_name, spent from {schema}.newsletter").fetchall()
    return {r[0]: r[1:] for r in rows}


def test_first_sync_creates_a_typed_table_equal_to_the_consented_membership(shop, schema, dsn):
    result = run(shop, schema, dsn, AS_OF)

    expected = shop.consented("newsletter_subscribers", "email")
    assert result.status == "succeeded" and result.adds == len(expected) == 257
    rows = table_rows(dsn, schema)
    assert set(rows) == expected
    assert rows[customer_id(2)] == ("user2@example.com", "First2", Decimal("102.50"))
    with psycopg.connect(dsn) as conn:
        types = dict(
            conn.execute(
                "select column_name, data_type from information_schema.columns where table_schema = %s",
                (schema,),
            ).fetchall()
        )
        meta = conn.execute(f"select distinct exported_as_of from {schema}.newsletter").fetchall()
    assert types["spent"] == "numeric" and types["exported_at"] == "timestamp with time zone"
    assert meta == [(AS_OF,)]
    assert shop.state_ids("newsletter_postgres") == expected


def test_consent_withdrawal_erasure_and_changes_are_applied_in_one_transaction(shop, schema, dsn):
    run(shop, schema, dsn, AS_OF)
    shop.withdraw_consent("email", customer_id(1))
    shop.erase(customer_id(2))
    shop.execute("update marts.customers set first_name = 'Renamed' where customer_id = ?", [customer_id(4)])

    result = run(shop, schema, dsn, NEXT_DAY)

    assert (result.adds, result.changed, result.removes) == (1, 1, 2)
    rows = table_rows(dsn, schema)
    assert set(rows) == shop.consented("newsletter_subscribers", "email")
    assert customer_id(1) not in rows and customer_id(2) not in rows
    assert rows[customer_id(4)][1] == "Renamed"


def test_a_crash_between_the_postgres_commit_and_the_acknowledgement_converges(shop, schema, dsn, monkeypatch):
    run(shop, schema, dsn, AS_OF)
    shop.leave("newsletter_subscribers", customer_id(0), customer_id(4))

    def crash(*args, **kwargs):
        raise duckdb.IOException("warehouse write failed (simulated crash after the PostgreSQL commit)")

    monkeypatch.setattr(state_store, "commit_acknowledgement", crash)
    failed = run(shop, schema, dsn, NEXT_DAY)
    assert failed.status == "failed"
    # PostgreSQL has the change, the warehouse still believes the old state
    assert customer_id(0) not in table_rows(dsn, schema)
    assert customer_id(0) in shop.state_ids("newsletter_postgres")

    monkeypatch.undo()
    again = run(shop, schema, dsn, NEXT_DAY)
    assert (again.status, again.removes) == ("succeeded", 2), again.message
    expected = shop.consented("newsletter_subscribers", "email")
    assert set(table_rows(dsn, schema)) == expected == shop.state_ids("newsletter_postgres")


def test_a_table_edited_by_hand_is_reconciled_to_the_membership(shop, schema, dsn):
    run(shop, schema, dsn, AS_OF)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"delete from {schema}.newsletter where customer_id = %s", (customer_id(0),))
        conn.execute(
            f"insert into {schema}.newsletter (customer_id, exported_as_of, exported_at) "
            "values ('intruder', %s, now())",
            (AS_OF,),
        )
    messages: list[str] = []
    result = run(shop, schema, dsn, NEXT_DAY, progress=messages.append)
    assert result.status == "succeeded"
    assert any("reconciled" in m for m in messages)
    assert set(table_rows(dsn, schema)) == shop.consented("newsletter_subscribers", "email")


def test_the_breaker_leaves_the_table_untouched(shop, schema, dsn):
    run(shop, schema, dsn, AS_OF)
    shop.empty("newsletter_subscribers")
    result = run(shop, schema, dsn, NEXT_DAY)
    assert result.status == "refused"
    assert len(table_rows(dsn, schema)) == 257
    forced = run(shop, schema, dsn, NEXT_DAY, force=True)
    assert (forced.status, forced.removes) == ("succeeded", 257)
    assert table_rows(dsn, schema) == {}


def test_a_changed_field_list_fails_with_a_clear_message(shop, schema, dsn):
    run(shop, schema, dsn, AS_OF)
    entry = postgres_declaration(schema)
    entry["fields"] = {"email": "customers.email"}
    with duckdb.connect(str(shop.path)) as con:
        refused = sync_export(declaration(entry), NEXT_DAY, con=con, environ={"SEGMENTS_PG_DSN": dsn})
        # every record changes shape: the breaker stops it first
        assert refused.status == "refused"
        result = sync_export(declaration(entry), NEXT_DAY, con=con, environ={"SEGMENTS_PG_DSN": dsn}, force=True)
    assert result.status == "failed"
    assert "the declaration's fields changed" in result.message


def test_skipped_without_a_dsn(shop, schema):
    with duckdb.connect(str(shop.path)) as con:
        result = sync_export(declaration(postgres_declaration(schema)), AS_OF, con=con, environ={})
    assert result.status == "skipped" and "SEGMENTS_PG_DSN" in result.skipped_reason

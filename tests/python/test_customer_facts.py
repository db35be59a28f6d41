"""marts.customers end to end: landing files → ingest → staging → intermediate → marts, checked against DESIGN §6.

Two angles:
- a generated shop, built as of two dates, compared metric by metric with an independent Python
  re-implementation of the spec (customer_metrics_reference.py);
- a hand-written landing directory holding the boundary cases of the spec (a version updated exactly at T,
  an erasure dated after T, a customer created at T, USD and refunded orders, an order cancelled after T, a
  voided one, an order version voided at T, duplicated message events, an inbound message handled at T, an
  unsubscribe after T, a stitched visitor, a visitor seen with two customers, an event at T, a birthday on D),
  whose expected values are worked out by hand below.
"""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from customer_metrics_reference import compute_reference, differences
from warehouse_build_support import ScratchWarehouse

from segment_warehouse.contract import ENTITIES
from segment_warehouse.settings import PROJECT_DIR

pytestmark = pytest.mark.slow

END_DATE = dt.date(2026, 6, 30)


@pytest.fixture(scope="module")
def generated_shop(tmp_path_factory: pytest.TempPathFactory) -> ScratchWarehouse:
    from segment_warehouse.generate import generate_shop

    root = tmp_path_factory.mktemp("customer_facts_generated")
    generate_shop(root / "landing", customers=400, seed=23, end_date=END_DATE, fmt="parquet", progress=None)
    warehouse = ScratchWarehouse(root)
    warehouse.ingest(root / "landing")
    return warehouse


@pytest.mark.parametrize("as_of", [END_DATE, dt.date(2026, 2, 28)], ids=str)
def test_customers_match_the_spec_on_a_generated_shop(generated_shop: ScratchWarehouse, as_of: dt.date) -> None:
    generated_shop.build_customer_facts(as_of)
    actual = {row["customer_id"]: row for row in generated_shop.rows("select * from marts.customers")}
    with generated_shop.connection() as con:
        reference = compute_reference(con, as_of, PROJECT_DIR / "seeds")
    assert len(reference.rows) > 300, "the generated shop is too small to exercise the metrics"
    with_orders = sum(1 for row in reference.rows.values() if row["orders_count"] > 0)
    assert 0 < with_orders < len(reference.rows), "need customers with and without orders"
    assert differences(reference, actual) == []


def test_anonymous_visitors_match_their_definition_on_a_generated_shop(generated_shop: ScratchWarehouse) -> None:
    """seg_anonymous_visitors (read from the per-visitor roll-up int_web_visitors_aggregated) equals its
    definition computed in one direct pass over the web events: the anonymous ids with an event in
    [T - 30 days, T) of which no event before T carries a customer_id, with their last event, their events in
    the window and whether they ever carted."""
    as_of = END_DATE
    generated_shop.build_customer_facts(as_of)
    generated_shop.dbt("build", "--select", "seg_anonymous_visitors", as_of=as_of)
    t = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    window_start = t - dt.timedelta(days=30)
    expected = generated_shop.rows(
        f"""
        select
            anonymous_id,
            max(occurred_at) as last_seen_at,
            count(*) filter (where occurred_at >= '{window_start}') as events_30d,
            bool_or(event_type in ('add_to_cart', 'begin_checkout')) as has_carted
        from staging.stg_web_events
        where occurred_at < '{t}'
        group by anonymous_id
        having
            count(customer_id) = 0
            and count(*) filter (where occurred_at >= '{window_start}') > 0
        order by anonymous_id
        """
    )
    actual = generated_shop.rows(
        "select anonymous_id, last_seen_at, events_30d, has_carted from segments.seg_anonymous_visitors "
        "order by anonymous_id"
    )
    assert len(expected) > 10, "the generated shop has too few anonymous visitors to exercise the segment"
    assert any(row["has_carted"] for row in expected) and not all(row["has_carted"] for row in expected)
    assert actual == expected


# --- hand-written boundary cases, as of D = 2026-06-30 (T = 2026-07-01 00:00:00 UTC) -------------------------

AS_OF = dt.date(2026, 6, 30)
AT_T = "2026-07-01T00:00:00Z"

CUSTOMERS = [
    # c_main: the version updated exactly at T does not exist yet: email, city and opt-ins of v1 hold
    {
        "customer_id": "c_main",
        "email": "old@example.com",
        "phone": "+33600000001",
        "gender": "female",
        "birth_date": "1990-06-30",
        "city": "PARIS",
        "country_code": "FR",
        "email_opt_in": "true",
        "sms_opt_in": "true",
        "whatsapp_opt_in": "yes",
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
    },
    {
        "customer_id": "c_main",
        "email": "new@example.com",
        "phone": "",
        "city": "Lyon",
        "email_opt_in": "false",
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": AT_T,
    },
    # c_other: birthday the day after D, no order, owns a visitor also seen with c_main
    {
        "customer_id": "c_other",
        "email": " ",
        "birth_date": "1990-07-01",
        "city": "Atlantis",
        "created_at": "2025-02-01T00:00:00Z",
        "updated_at": "2025-02-01T00:00:00Z",
    },
    # c_erased: erasure dated after T still erases
    {
        "customer_id": "c_erased",
        "email": "gone@example.com",
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
    },
    {
        "customer_id": "c_erased",
        "email": "gone@example.com",
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2026-08-01T00:00:00Z",
        "deleted_at": "2026-08-01T00:00:00Z",
    },
    # c_future: created exactly at T
    {"customer_id": "c_future", "created_at": AT_T, "updated_at": "2026-06-01T00:00:00Z"},
]

ORDERS = [
    # exactly at T - 90 days, refunded in part: net 100 - 10 = 90, excl. tax 100 - 20 = 80
    {
        "order_id": "o1",
        "customer_id": "c_main",
        "created_at": "2026-04-02T00:00:00Z",
        "updated_at": "2026-04-02T00:00:00Z",
        "currency": "EUR",
        "total_price": "100.00",
        "total_tax": "20.00",
        "total_refunded": "10.00",
        "financial_status": "partially_refunded",
    },
    # the latest order, in USD, cancelled at T (still valid at T; the version updated after T does not exist):
    # net 50 * 0.92 = 46, excl. tax 45 * 0.92 = 41.40
    {
        "order_id": "o2",
        "customer_id": "c_main",
        "created_at": "2026-06-30T12:00:00Z",
        "updated_at": "2026-07-02T00:00:00Z",
        "currency": "USD",
        "total_price": "50.00",
        "total_tax": "5.00",
        "financial_status": "paid",
        "cancelled_at": "2026-07-02T00:00:00Z",
    },
    {
        "order_id": "o2",
        "customer_id": "c_main",
        "created_at": "2026-06-30T12:00:00Z",
        "updated_at": "2026-06-30T12:00:00Z",
        "currency": "USD",
        "total_price": "50.00",
        "total_tax": "5.00",
        "financial_status": "paid",
        "cancelled_at": AT_T,
    },
    # voided: not valid
    {
        "order_id": "o3",
        "customer_id": "c_main",
        "created_at": "2026-05-01T00:00:00Z",
        "updated_at": "2026-05-01T00:00:00Z",
        "currency": "EUR",
        "total_price": "999.00",
        "financial_status": "voided",
    },
    # 1 µs before T - 90 days, fully refunded later: net 30 - 30 = 0
    {
        "order_id": "o4",
        "customer_id": "c_main",
        "created_at": "2026-04-01T23:59:59.999999Z",
        "updated_at": "2026-04-03T00:00:00Z",
        "currency": "EUR",
        "total_price": "30.00",
        "total_refunded": "30.00",
        "financial_status": "refunded",
        "discount_codes": "WELCOME",
    },
    # created exactly at T: does not exist
    {
        "order_id": "o5",
        "customer_id": "c_main",
        "created_at": AT_T,
        "updated_at": AT_T,
        "currency": "EUR",
        "total_price": "500.00",
        "financial_status": "paid",
    },
    # its voiding version is updated exactly at T: the paid version holds (net 10, excl. tax 8)
    {
        "order_id": "o6",
        "customer_id": "c_main",
        "created_at": "2026-03-01T00:00:00Z",
        "updated_at": "2026-03-01T00:00:00Z",
        "currency": "EUR",
        "total_price": "10.00",
        "total_tax": "2.00",
        "financial_status": "paid",
    },
    {
        "order_id": "o6",
        "customer_id": "c_main",
        "created_at": "2026-03-01T00:00:00Z",
        "updated_at": AT_T,
        "currency": "EUR",
        "total_price": "10.00",
        "total_tax": "2.00",
        "financial_status": "voided",
    },
    # cancelled before T: not valid
    {
        "order_id": "o7",
        "customer_id": "c_main",
        "created_at": "2026-06-01T00:00:00Z",
        "updated_at": "2026-06-02T00:00:00Z",
        "currency": "EUR",
        "total_price": "70.00",
        "financial_status": "paid",
        "cancelled_at": "2026-06-02T00:00:00Z",
    },
    # an erased customer's order
    {
        "order_id": "o8",
        "customer_id": "c_erased",
        "created_at": "2026-06-01T00:00:00Z",
        "updated_at": "2026-06-01T00:00:00Z",
        "currency": "EUR",
        "total_price": "70.00",
        "financial_status": "paid",
    },
]

MESSAGES = [
    {
        "message_id": "m_in_wa",
        "customer_id": "c_main",
        "channel": "whatsapp",
        "direction": "inbound",
        "sent_at": "2026-06-20T10:00:00Z",
    },
    {
        "message_id": "m_wa_read_at_start",
        "customer_id": "c_main",
        "channel": "whatsapp",
        "direction": "outbound",
        "sent_at": "2026-03-01T10:00:00Z",
    },
    {
        "message_id": "m_wa_read_before_start",
        "customer_id": "c_main",
        "channel": "whatsapp",
        "direction": "outbound",
        "sent_at": "2026-03-01T10:00:00Z",
    },
    {
        "message_id": "m_mail_opened",
        "customer_id": "c_main",
        "channel": "email",
        "direction": "outbound",
        "sent_at": "2026-06-01T10:00:00Z",
    },
    {
        "message_id": "m_mail_bounced",
        "customer_id": "c_main",
        "channel": "email",
        "direction": "outbound",
        "sent_at": "2026-06-03T10:00:00Z",
    },
    {
        "message_id": "m_mail_unsub_after_t",
        "customer_id": "c_main",
        "channel": "email",
        "direction": "outbound",
        "sent_at": "2026-06-05T10:00:00Z",
    },
    {
        "message_id": "m_mail_plain",
        "customer_id": "c_main",
        "channel": "email",
        "direction": "outbound",
        "sent_at": "2026-06-06T10:00:00Z",
    },
    {
        "message_id": "m_sms_unsub",
        "customer_id": "c_main",
        "channel": "sms",
        "direction": "outbound",
        "sent_at": "2026-05-01T10:00:00Z",
    },
    {
        "message_id": "m_nobody",
        "customer_id": "",
        "channel": "whatsapp",
        "direction": "inbound",
        "sent_at": "2026-06-21T10:00:00Z",
    },
    {"message_id": "m_at_t", "customer_id": "c_main", "channel": "whatsapp", "direction": "inbound", "sent_at": AT_T},
    {
        "message_id": "m_other_in",
        "customer_id": "c_other",
        "channel": "whatsapp",
        "direction": "inbound",
        "sent_at": "2026-06-10T10:00:00Z",
    },
]

MESSAGE_EVENTS = [
    {"message_id": "m_in_wa", "event_type": "handled", "occurred_at": AT_T},  # handled at T: unhandled at T
    {"message_id": "m_wa_read_at_start", "event_type": "read", "occurred_at": "2026-04-02T00:00:00Z"},
    {"message_id": "m_wa_read_at_start", "event_type": "read", "occurred_at": "2026-04-02T00:00:00Z"},  # retry
    {"message_id": "m_wa_read_before_start", "event_type": "read", "occurred_at": "2026-04-01T23:59:59.999999Z"},
    {"message_id": "m_mail_opened", "event_type": "delivered", "occurred_at": "2026-06-01T10:00:01Z"},
    {"message_id": "m_mail_opened", "event_type": "opened", "occurred_at": "2026-06-02T08:00:00Z"},
    {"message_id": "m_mail_opened", "event_type": "opened", "occurred_at": "2026-06-02T08:00:00Z"},  # retry
    {"message_id": "m_mail_bounced", "event_type": "bounced", "occurred_at": "2026-06-03T10:00:01Z"},
    {"message_id": "m_mail_unsub_after_t", "event_type": "unsubscribed", "occurred_at": "2026-07-03T00:00:00Z"},
    {"message_id": "m_sms_unsub", "event_type": "unsubscribed", "occurred_at": "2026-05-02T00:00:00Z"},
    {"message_id": "m_other_in", "event_type": "handled", "occurred_at": "2026-06-30T23:59:59.999999Z"},
]

WEB_EVENTS = [
    # a_main: tagged once with c_main; its untagged events count for c_main too
    {"event_id": "e1", "occurred_at": "2026-06-25T10:00:00Z", "anonymous_id": "a_main", "event_type": "page_view"},
    {
        "event_id": "e2",
        "occurred_at": "2026-06-26T10:00:00Z",
        "anonymous_id": "a_main",
        "customer_id": "c_main",
        "event_type": "product_view",
    },
    {"event_id": "e3", "occurred_at": "2026-06-28T10:00:00Z", "anonymous_id": "a_main", "event_type": "add_to_cart"},
    # a_two: seen with c_main, then with c_other: everything belongs to c_other (literal stitching)
    {
        "event_id": "e4",
        "occurred_at": "2026-06-29T20:00:00Z",
        "anonymous_id": "a_two",
        "customer_id": "c_main",
        "event_type": "begin_checkout",
    },
    {
        "event_id": "e5",
        "occurred_at": "2026-06-29T21:00:00Z",
        "anonymous_id": "a_two",
        "customer_id": "c_other",
        "event_type": "page_view",
    },
    # a_at_t: its only tagged event is at T: it belongs to nobody
    {"event_id": "e6", "occurred_at": "2026-06-30T23:00:00Z", "anonymous_id": "a_at_t", "event_type": "add_to_cart"},
    {
        "event_id": "e7",
        "occurred_at": AT_T,
        "anonymous_id": "a_at_t",
        "customer_id": "c_main",
        "event_type": "page_view",
    },
]


def _write_landing(landing: Path) -> None:
    tables = {
        "customers": CUSTOMERS,
        "orders": ORDERS,
        "messages": MESSAGES,
        "message_events": MESSAGE_EVENTS,
        "web_events": WEB_EVENTS,
    }
    for entity, rows in tables.items():
        columns = ENTITIES[entity].column_names
        (landing / entity).mkdir(parents=True)
        with (landing / entity / f"{entity}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow({column: row.get(column, "") for column in columns})


@pytest.fixture(scope="module")
def boundary_customers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("customer_facts_boundaries")
    _write_landing(root / "landing")
    warehouse = ScratchWarehouse(root)
    warehouse.ingest(root / "landing")
    warehouse.build_customer_facts(AS_OF)
    return {row["customer_id"]: row for row in warehouse.rows("select * from marts.customers")}


def test_only_customers_existing_at_t_and_not_erased(boundary_customers: dict[str, dict]) -> None:
    assert sorted(boundary_customers) == ["c_main", "c_other"]


def test_the_version_in_force_is_the_latest_before_t(boundary_customers: dict[str, dict]) -> None:
    main = boundary_customers["c_main"]
    assert (main["email"], main["city"], main["updated_at"]) == ("old@example.com", "PARIS", dt.datetime(2026, 1, 1))


def test_order_metrics_on_the_boundaries(boundary_customers: dict[str, dict]) -> None:
    main = boundary_customers["c_main"]
    # valid: o1 (90), o2 (USD, 46.00), o4 (0), o6 (10); not o3 (voided), o5 (at T), o7 (cancelled before T)
    assert main["orders_count"] == 4
    assert main["total_spent_eur"] == Decimal("146.00")
    assert main["aov_eur"] == Decimal("36.5")
    assert main["first_order_at"] == dt.datetime(2026, 3, 1)
    assert main["last_order_at"] == dt.datetime(2026, 6, 30, 12)
    assert main["last_order_amount_ht_eur"] == Decimal("41.40")  # o2: (50 - 5) * 0.92
    assert (main["orders_90d"], main["orders_365d"], main["orders_6m"]) == (2, 4, 4)
    assert main["avg_days_between_orders"] == pytest.approx(121.5 / 3)  # 1 March → 30 June 12:00
    assert main["discounted_orders_count"] == 1
    assert main["lifecycle_stage"] == "loyal"


def test_messaging_metrics_on_the_boundaries(boundary_customers: dict[str, dict]) -> None:
    main = boundary_customers["c_main"]
    assert main["whatsapp_inbound_count"] == 1  # m_at_t does not exist, m_nobody counts for nobody
    assert main["last_inbound_at"] == dt.datetime(2026, 6, 20, 10)
    assert main["has_unhandled_inbound"] is True  # handled exactly at T
    assert main["whatsapp_reads_90d"] == 1  # read exactly at T - 90 days; 1 µs earlier does not count
    assert (main["email_delivered_90d"], main["email_opened_90d"]) == (3, 1)  # the bounced e-mail is out
    assert (main["email_delivered_180d"], main["email_opened_180d"]) == (3, 1)
    assert main["engagement_tier"] == "moderate"
    assert main["engaged_90d"] is True
    other = boundary_customers["c_other"]
    assert other["has_unhandled_inbound"] is False  # handled 1 µs before T
    assert other["engagement_tier"] == "none"


def test_consent_on_the_boundaries(boundary_customers: dict[str, dict]) -> None:
    main = boundary_customers["c_main"]
    # e-mail unsubscribe after T does not count yet; the SMS one before T does
    assert (main["email_consent"], main["sms_consent"], main["whatsapp_consent"]) == (True, False, True)
    other = boundary_customers["c_other"]
    assert (other["has_email"], other["email_consent"], other["sms_consent"]) == (False, False, False)


def test_web_metrics_follow_identity_stitching(boundary_customers: dict[str, dict]) -> None:
    main, other = boundary_customers["c_main"], boundary_customers["c_other"]
    # c_main owns a_main only: e4 (tagged c_main) belongs to a_two's owner, c_other
    assert main["last_visit_at"] == dt.datetime(2026, 6, 28, 10)
    assert main["last_cart_at"] == dt.datetime(2026, 6, 28, 10)
    assert main["web_events_count"] == 3
    assert other["last_visit_at"] == dt.datetime(2026, 6, 29, 21)
    assert other["last_cart_at"] == dt.datetime(2026, 6, 29, 20)
    assert main["last_activity_at"] == dt.datetime(2026, 6, 30, 12)  # the USD order
    assert other["last_activity_at"] == dt.datetime(2026, 6, 29, 21)


def test_demographics_on_the_boundaries(boundary_customers: dict[str, dict]) -> None:
    main, other = boundary_customers["c_main"], boundary_customers["c_other"]
    assert main["age"] == 36  # birthday on D
    assert other["age"] == 35  # birthday the day after D
    assert main["is_urban"] is True and main["distance_km"] == pytest.approx(594.9405286027363, rel=1e-12)
    assert other["is_urban"] is False and other["distance_km"] is None
    assert other["orders_count"] == 0 and other["total_spent_eur"] == 0 and other["aov_eur"] is None
    assert other["lifecycle_stage"] == "prospect"

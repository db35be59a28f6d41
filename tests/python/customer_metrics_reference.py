"""An independent reference for marts.customers: DESIGN §6 recomputed in plain Python from the raw tables.

Written from the spec, not from the SQL: versions as of T, erasure, valid orders, windows, identity stitching,
consent, demographics, lifecycle and e-mail tiers are re-implemented row by row with Python's datetime, Decimal
and math, so that a test can compare every metric of marts.customers with what the spec says it must be.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import duckdb

#: thresholds of dbt_project.yml (DESIGN §6, SEGMENTS.md), restated on purpose
RECENT_ORDERS_DAYS = 90
YEARLY_ORDERS_DAYS = 365
HALF_YEAR_MONTHS = 6
ENGAGEMENT_DAYS = 90
LONG_ENGAGEMENT_DAYS = 180
URBAN_MIN_POPULATION = 100_000
EARTH_RADIUS_KM = 6371.0
STORE = (43.6108, 3.8767)
LIFECYCLE_NEW_DAYS = 90
LIFECYCLE_LOST_DAYS = 365
LIFECYCLE_AT_RISK_DAYS = 180
LIFECYCLE_LOYAL_MIN_ORDERS = 3

#: the §6 metrics compared, with how (exact, or approximately for floating point)
EXACT_METRICS = (
    "orders_count",
    "first_order_at",
    "last_order_at",
    "total_spent_eur",
    "aov_eur",
    "last_order_amount_ht_eur",
    "orders_90d",
    "orders_365d",
    "orders_6m",
    "whatsapp_inbound_count",
    "last_inbound_at",
    "has_unhandled_inbound",
    "whatsapp_reads_90d",
    "email_delivered_90d",
    "email_opened_90d",
    "email_delivered_180d",
    "email_opened_180d",
    "engaged_90d",
    "last_visit_at",
    "last_cart_at",
    "last_activity_at",
    "email_consent",
    "sms_consent",
    "whatsapp_consent",
    "age",
    "gender",
    "city",
    "country_code",
    "is_urban",
    "lifecycle_stage",
    "engagement_tier",
)
APPROXIMATE_METRICS = ("avg_days_between_orders", "distance_km")


def months_before(instant: dt.datetime, months: int) -> dt.datetime:
    """Calendar months back, the day clamped to the month's length (as SQL interval arithmetic does)."""
    month_index = instant.year * 12 + instant.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    last_day = (next_month - dt.timedelta(days=1)).day
    return instant.replace(year=year, month=month, day=min(instant.day, last_day))


def present(value: str | None) -> bool:
    return value is not None and value.strip(" ") != ""


def age_at(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - (1 if (day.month, day.day) < (birth.month, birth.day) else 0)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = math.radians(lat2) - math.radians(lat1), math.radians(lon2) - math.radians(lon1)
    h = math.sin(dlat / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlon / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(h, 1.0)))


@dataclass
class Reference:
    """marts.customers as DESIGN §6 defines it: one dict of metrics per customer_id."""

    rows: dict[str, dict[str, Any]]


def _records(con: duckdb.DuckDBPyConnection, table: str) -> list[dict[str, Any]]:
    cursor = con.execute(f"select * from raw.{table}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _load_order(row: dict[str, Any]) -> tuple:
    """Staging's tie-break between identical versions: last loaded wins."""
    return (row["_loaded_at"], row["_source_file"], row["_source_row"])


def compute_reference(con: duckdb.DuckDBPyConnection, as_of: dt.date, seeds_dir: Path) -> Reference:
    t = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time())
    days = lambda n: t - dt.timedelta(days=n)  # noqa: E731

    # customers: latest version before T, existing when created before T, erased if any version says so
    erased = {r["customer_id"] for r in _records(con, "customers") if r["deleted_at"] is not None}
    latest: dict[str, dict[str, Any]] = {}
    for row in _records(con, "customers"):
        if row["updated_at"] >= t:
            continue
        key = (row["updated_at"], *_load_order(row))
        current = latest.get(row["customer_id"])
        if current is None or key > (current["updated_at"], *_load_order(current)):
            latest[row["customer_id"]] = row
    customers = {cid: r for cid, r in latest.items() if r["created_at"] < t and cid not in erased}

    # valid orders
    rates = {}
    for line in (seeds_dir / "fx_rates.csv").read_text().splitlines()[1:]:
        currency, rate = line.split(",")
        rates[currency] = Decimal(rate)
    order_versions: dict[str, dict[str, Any]] = {}
    for row in _records(con, "orders"):
        if row["updated_at"] >= t:
            continue
        key = (row["updated_at"], *_load_order(row))
        current = order_versions.get(row["order_id"])
        if current is None or key > (current["updated_at"], *_load_order(current)):
            order_versions[row["order_id"]] = row
    orders_by_customer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for order in order_versions.values():
        cancelled = order["cancelled_at"] is not None and order["cancelled_at"] < t
        if order["created_at"] < t and not cancelled and order["financial_status"] != "voided":
            orders_by_customer[order["customer_id"]].append(order)

    # messages (last-loaded version of each message_id) and their distinct events before T
    messages: dict[str, dict[str, Any]] = {}
    for row in _records(con, "messages"):
        current = messages.get(row["message_id"])
        if row["sent_at"] < t and (current is None or _load_order(row) > _load_order(current)):
            messages[row["message_id"]] = row
    events: dict[str, dict[str, list[dt.datetime]]] = defaultdict(lambda: defaultdict(list))
    for event in {(r["message_id"], r["event_type"], r["occurred_at"]) for r in _records(con, "message_events")}:
        if event[2] < t:
            events[event[0]][event[1]].append(event[2])
    messages_by_customer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for message in messages.values():
        if message["customer_id"] is not None:
            messages_by_customer[message["customer_id"]].append(message)

    # identity stitching: owner = customer_id of the latest tagged event (ties: larger event_id)
    web_events: dict[str, dict[str, Any]] = {}
    for row in _records(con, "web_events"):
        current = web_events.get(row["event_id"])
        if row["occurred_at"] < t and (current is None or _load_order(row) > _load_order(current)):
            web_events[row["event_id"]] = row
    owner_key: dict[str, tuple] = {}
    for event in web_events.values():
        if event["customer_id"] is not None:
            key = (event["occurred_at"], event["event_id"])
            if event["anonymous_id"] not in owner_key or key > owner_key[event["anonymous_id"]][0]:
                owner_key[event["anonymous_id"]] = (key, event["customer_id"])
    web_by_customer: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in web_events.values():
        owner = owner_key.get(event["anonymous_id"])
        if owner is not None:
            web_by_customer[owner[1]].append(event)

    cities: dict[str, tuple[int, float, float]] = {}
    for line in (seeds_dir / "cities.csv").read_text().splitlines()[1:]:
        city, _country, population, latitude, longitude = line.split(",")
        cities[city.lower()] = (int(population), float(latitude), float(longitude))

    rows = {}
    for cid, customer in customers.items():
        row: dict[str, Any] = {}
        orders = orders_by_customer.get(cid, [])
        row["orders_count"] = len(orders)
        nets = [(o["total_price"] - (o["total_refunded"] or 0)) * rates[o["currency"]] for o in orders]
        row["total_spent_eur"] = sum(nets, Decimal(0))
        if orders:
            first = min(o["created_at"] for o in orders)
            last_order = max(orders, key=lambda o: (o["created_at"], o["order_id"]))
            row["first_order_at"], row["last_order_at"] = first, last_order["created_at"]
            row["aov_eur"] = (row["total_spent_eur"] / len(orders)).quantize(Decimal("1e-8"), rounding=ROUND_DOWN)
            row["last_order_amount_ht_eur"] = (last_order["total_price"] - (last_order["total_tax"] or 0)) * rates[
                last_order["currency"]
            ]
        else:
            row.update(first_order_at=None, last_order_at=None, aov_eur=None, last_order_amount_ht_eur=None)
        row["orders_90d"] = sum(o["created_at"] >= days(RECENT_ORDERS_DAYS) for o in orders)
        row["orders_365d"] = sum(o["created_at"] >= days(YEARLY_ORDERS_DAYS) for o in orders)
        row["orders_6m"] = sum(o["created_at"] >= months_before(t, HALF_YEAR_MONTHS) for o in orders)
        row["avg_days_between_orders"] = (
            (row["last_order_at"] - row["first_order_at"]).total_seconds() / 86400 / (len(orders) - 1)
            if len(orders) >= 2
            else None
        )

        mine = messages_by_customer.get(cid, [])
        inbound = [m for m in mine if m["direction"] == "inbound"]
        row["whatsapp_inbound_count"] = sum(m["channel"] == "whatsapp" for m in inbound)
        row["last_inbound_at"] = max((m["sent_at"] for m in inbound), default=None)
        row["has_unhandled_inbound"] = any(not events[m["message_id"]]["handled"] for m in inbound)
        row["whatsapp_reads_90d"] = sum(
            m["channel"] == "whatsapp"
            and m["direction"] == "outbound"
            and any(ts >= days(ENGAGEMENT_DAYS) for ts in events[m["message_id"]]["read"])
            for m in mine
        )
        for window in (ENGAGEMENT_DAYS, LONG_ENGAGEMENT_DAYS):
            delivered = [
                m
                for m in mine
                if m["channel"] == "email"
                and m["direction"] == "outbound"
                and m["sent_at"] >= days(window)
                and not events[m["message_id"]]["bounced"]
                and not events[m["message_id"]]["failed"]
            ]
            row[f"email_delivered_{window}d"] = len(delivered)
            row[f"email_opened_{window}d"] = sum(
                bool(events[m["message_id"]]["opened"] or events[m["message_id"]]["clicked"]) for m in delivered
            )
        engagements = [
            ts for m in mine for kind in ("read", "opened", "clicked") for ts in events[m["message_id"]][kind]
        ]
        row["engaged_90d"] = any(ts >= days(ENGAGEMENT_DAYS) for ts in engagements)

        visits = web_by_customer.get(cid, [])
        row["last_visit_at"] = max((e["occurred_at"] for e in visits), default=None)
        row["last_cart_at"] = max(
            (e["occurred_at"] for e in visits if e["event_type"] in ("add_to_cart", "begin_checkout")), default=None
        )
        candidates = [
            row["last_order_at"],
            row["last_visit_at"],
            row["last_inbound_at"],
            max(engagements, default=None),
        ]
        row["last_activity_at"] = max((c for c in candidates if c is not None), default=None)

        def unsubscribed(channel: str, mine: list[dict[str, Any]] = mine) -> bool:
            return any(m["channel"] == channel and events[m["message_id"]]["unsubscribed"] for m in mine)

        row["email_consent"] = (
            present(customer["email"]) and bool(customer["email_opt_in"]) and not unsubscribed("email")
        )
        row["sms_consent"] = present(customer["phone"]) and bool(customer["sms_opt_in"]) and not unsubscribed("sms")
        row["whatsapp_consent"] = (
            present(customer["phone"]) and bool(customer["whatsapp_opt_in"]) and not unsubscribed("whatsapp")
        )

        row["age"] = age_at(customer["birth_date"], as_of)
        row["gender"], row["city"], row["country_code"] = customer["gender"], customer["city"], customer["country_code"]
        city = cities.get(customer["city"].lower()) if customer["city"] is not None else None
        row["is_urban"] = city is not None and city[0] >= URBAN_MIN_POPULATION
        if customer["latitude"] is not None and customer["longitude"] is not None:
            row["distance_km"] = haversine_km(customer["latitude"], customer["longitude"], *STORE)
        elif city is not None:
            row["distance_km"] = haversine_km(city[1], city[2], *STORE)
        else:
            row["distance_km"] = None

        if not orders:
            stage = "prospect"
        elif row["first_order_at"] >= days(LIFECYCLE_NEW_DAYS):
            stage = "new"
        elif row["last_order_at"] < days(LIFECYCLE_LOST_DAYS):
            stage = "lost"
        elif row["last_order_at"] < days(LIFECYCLE_AT_RISK_DAYS):
            stage = "at_risk"
        elif len(orders) >= LIFECYCLE_LOYAL_MIN_ORDERS:
            stage = "loyal"
        else:
            stage = "active"
        row["lifecycle_stage"] = stage
        delivered_90, opened_90 = row["email_delivered_90d"], row["email_opened_90d"]
        if delivered_90 >= 3 and Decimal(opened_90) / delivered_90 >= Decimal("0.5"):
            tier = "super_active"
        elif opened_90 >= 1:
            tier = "moderate"
        elif row["email_delivered_180d"] >= 3 and row["email_opened_180d"] == 0:
            tier = "dormant"
        else:
            tier = "none"
        row["engagement_tier"] = tier
        rows[cid] = row
    return Reference(rows)


def differences(reference: Reference, actual: dict[str, dict[str, Any]], limit: int = 20) -> list[str]:
    """Human-readable differences between the reference and marts.customers rows (keyed by customer_id)."""
    found: list[str] = []
    missing = sorted(set(reference.rows) - set(actual))
    extra = sorted(set(actual) - set(reference.rows))
    if missing:
        found.append(f"customers missing from marts.customers: {missing[:limit]}")
    if extra:
        found.append(f"customers in marts.customers that should not exist: {extra[:limit]}")
    for cid in sorted(set(reference.rows) & set(actual)):
        expected, got = reference.rows[cid], actual[cid]
        for metric in EXACT_METRICS:
            if expected[metric] != got[metric]:
                found.append(f"{cid}.{metric}: expected {expected[metric]!r}, got {got[metric]!r}")
        for metric in APPROXIMATE_METRICS:
            a, b = expected[metric], got[metric]
            if (a is None) != (b is None) or (a is not None and not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)):
                found.append(f"{cid}.{metric}: expected {a!r}, got {b!r}")
        if len(found) >= limit:
            break
    return found[:limit]

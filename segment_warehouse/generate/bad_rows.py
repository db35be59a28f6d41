"""Deliberately bad rows, for quarantine demos and tests (`segments generate --bad-rows N`).

Each bad row is a valid row of the entity with exactly one defect that DESIGN §5 quarantines (unknown enum,
negative amount, currency missing from fx_rates, unreadable timestamp, missing required value, ...), cycling
through the entity's defects. They go to their own file, every column as text (a CSV, or a Parquet file of
strings), so that the clean files keep their natural types.
"""

from __future__ import annotations

import pyarrow as pa

from segment_warehouse.contract import ENTITIES

#: a valid row per entity, as text
_TEMPLATES: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": "cus_bad", "email": "marie.martin@example.fr", "phone": "+33612345678",
        "first_name": "Marie", "last_name": "Martin", "gender": "female", "birth_date": "1990-05-17",
        "city": "Montpellier", "postal_code": "34000", "country_code": "FR", "latitude": "43.61",
        "longitude": "3.87", "email_opt_in": "true", "sms_opt_in": "false", "whatsapp_opt_in": "true",
        "tags": "vip", "custom_attributes": '{"skin_type": "mixte"}', "created_at": "2025-01-10T10:00:00Z",
        "updated_at": "2025-01-10T10:00:00Z", "deleted_at": "",
    },
    "orders": {
        "order_id": "ord_bad", "customer_id": "cus_bad", "created_at": "2025-01-10T10:05:00Z",
        "updated_at": "2025-01-10T10:05:00Z", "currency": "EUR", "total_price": "59.90", "total_tax": "9.98",
        "total_discounts": "0.00", "total_refunded": "", "discount_codes": "", "financial_status": "paid",
        "cancelled_at": "", "source_name": "web",
    },
    "order_lines": {"order_id": "ord_bad", "line_id": "1", "product_id": "prd_001", "quantity": "1",
                    "unit_price": "39.90"},
    "products": {"product_id": "prd_bad", "title": "Sérum Test", "product_type": "Sérum", "collection": "Visage",
                 "price": "39.90"},
    "messages": {"message_id": "msg_bad", "customer_id": "cus_bad", "channel": "whatsapp", "direction": "outbound",
                 "campaign_id": "", "sent_at": "2025-01-10T10:00:00Z"},
    "message_events": {"message_id": "msg_bad", "event_type": "delivered", "occurred_at": "2025-01-10T10:00:05Z"},
    "list_memberships": {"list_id": "lst_visage", "list_name": "Intérêt Gamme Visage", "customer_id": "cus_bad",
                         "subscribed_at": "2025-01-10T10:00:00Z", "unsubscribed_at": ""},
    "web_events": {"event_id": "evt_bad", "occurred_at": "2025-01-10T10:00:00Z", "anonymous_id": "anon_bad",
                   "customer_id": "", "session_id": "ses_bad", "event_type": "page_view", "product_id": "",
                   "page_path": "/"},
    "campaigns": {"campaign_id": "cmp_bad", "name": "Test", "channel": "email", "kind": "newsletter",
                  "launched_at": "2025-01-10T08:00:00Z"},
}  # fmt: skip

#: (column, bad value, reason) per entity: each bad row carries one of them
_DEFECTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "customers": (
        ("gender", "unknown", "unknown enum"), ("created_at", "not-a-date", "bad timestamp"),
        ("customer_id", "", "missing required value"), ("email_opt_in", "maybe", "bad boolean"),
        ("latitude", "123.4", "latitude out of range"), ("country_code", "FRA", "country not two letters"),
        ("custom_attributes", "[1, 2]", "custom_attributes not an object"),
        ("birth_date", "1850-01-01", "birth date before 1900"),
    ),
    "orders": (
        ("currency", "JPY", "currency not in fx_rates"), ("total_price", "-12.50", "negative amount"),
        ("financial_status", "authorized", "unknown enum"), ("created_at", "2025-13-45T00:00:00Z", "bad timestamp"),
        ("order_id", "", "missing required value"), ("total_tax", "1.234", "more than two decimals"),
    ),
    "order_lines": (
        ("quantity", "1.5", "fractional quantity"), ("quantity", "0", "quantity below 1"),
        ("unit_price", "-3.00", "negative amount"), ("product_id", "", "missing required value"),
    ),
    "products": (
        ("price", "-1.00", "negative amount"), ("product_type", "", "missing required value"),
        ("price", "abc", "not a number"),
    ),
    "messages": (
        ("channel", "telegram", "unknown enum"), ("direction", "sideways", "unknown enum"),
        ("sent_at", "yesterday", "bad timestamp"), ("message_id", "", "missing required value"),
    ),
    "message_events": (
        ("event_type", "spam_report", "unknown enum"), ("occurred_at", "31/12/2024", "bad timestamp"),
        ("message_id", "", "missing required value"),
    ),
    "list_memberships": (
        ("subscribed_at", "n/a", "bad timestamp"), ("list_name", "", "missing required value"),
        ("customer_id", "", "missing required value"),
    ),
    "web_events": (
        ("event_type", "purchase", "unknown enum"), ("occurred_at", "2025-02-30T10:00:00Z", "bad timestamp"),
        ("anonymous_id", "", "missing required value"),
    ),
    "campaigns": (
        ("kind", "flash", "unknown enum"), ("channel", "fax", "unknown enum"), ("launched_at", "soon", "bad timestamp"),
    ),
}  # fmt: skip

_ID_COLUMNS = {"customer_id", "order_id", "product_id", "message_id", "event_id", "campaign_id"}


def bad_rows_table(entity_name: str, count: int) -> pa.Table:
    """`count` rows of the entity, each with one defect, every column as text (empty text = missing)."""
    entity = ENTITIES[entity_name]
    template = _TEMPLATES[entity_name]
    defects = _DEFECTS[entity_name]
    rows = []
    for i in range(count):
        row = dict(template)
        key = entity.key[0]
        if key in _ID_COLUMNS or key == "list_id":
            row[key] = f"{template[key]}_{i + 1:04d}"
        column, value, _ = defects[i % len(defects)]
        row[column] = value
        rows.append(row)
    return pa.table({name: pa.array([r[name] for r in rows], pa.string()) for name in entity.column_names})


def defect_reasons(entity_name: str) -> list[str]:
    """The defects injected for an entity, in order (documentation and tests)."""
    return [f"{column}={value!r}: {reason}" for column, value, reason in _DEFECTS[entity_name]]

"""Orders and their lines, one calendar month of one block of customers at a time.

Each customer orders at their own (heavy-tailed) rate, modulated by the season and dropping after they
churn; many place a first order when they sign up. An order has one version when created and a second one
when something happens later (payment received, refund, cancellation); lines belong to the creation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from segment_warehouse.generate import columns as col
from segment_warehouse.generate.catalogue import (
    CURRENCIES,
    CURRENCY_PRICE_FACTOR,
    DISCOUNT_CODES,
    PRODUCTS,
    SOURCE_NAMES,
    product_choice_cdfs,
    product_ids,
    product_price_cents,
)
from segment_warehouse.generate.customers import CustomerBlock
from segment_warehouse.generate.randomness import rng
from segment_warehouse.generate.timeline import DAY, HOUR, NEVER, ORDER_SEASON, Window, month_start, within_days

FINANCIAL_STATUSES = ("pending", "paid", "partially_refunded", "refunded", "voided")
PENDING, PAID, PARTIALLY_REFUNDED, REFUNDED, VOIDED = range(5)
#: activity after churn, relative
CHURNED_ACTIVITY = 0.08
_PRICES = product_price_cents()
_CDFS = product_choice_cdfs()
_PRODUCT_IDS = product_ids()
_CODE_INDEX = {code: i for i, (code, _) in enumerate(DISCOUNT_CODES)}
_CODE_SHARE = np.array([share for _, share in DISCOUNT_CODES])
#: discount codes in use each calendar month (index 0 = January)
_SEASONAL_CODES = {0: "SOLDES30", 4: "FETEDESMERES", 6: "SOLDES30", 7: "ETE15", 10: "BLACKFRIDAY25", 11: "NOEL20"}
_EVERGREEN = [_CODE_INDEX[c] for c in ("PANIER5", "VIP15", "REVIENS15", "LIVRAISONOFFERTE")]
_CODE_LISTS = [c for c, _ in DISCOUNT_CODES] + ["BIENVENUE10,LIVRAISONOFFERTE"]
_TWO_CODES = len(DISCOUNT_CODES)


@dataclass(frozen=True)
class MonthOrders:
    """Orders created in one month by one block (every version, every line), before any window filter."""

    row: np.ndarray  # customer row in the block, per order
    order_number: np.ndarray  # global order number (the order_id digits)
    created: np.ndarray
    currency: np.ndarray
    # versions: one row per (order, version)
    version_order: np.ndarray  # index into the orders above
    version_updated: np.ndarray
    version_status: np.ndarray
    version_refunded: np.ndarray  # cents, -1: null
    version_cancelled: np.ndarray  # NEVER: null
    total_price: np.ndarray
    total_tax: np.ndarray  # -1: null
    total_discounts: np.ndarray
    discount_code: np.ndarray  # index into _CODE_LISTS, -1: none
    source: np.ndarray
    # lines
    line_order: np.ndarray
    line_number: np.ndarray
    line_product: np.ndarray
    line_quantity: np.ndarray
    line_price: np.ndarray

    @property
    def count(self) -> int:
        return len(self.row)


def order_numbers(block_index: int, month: int, count: int) -> np.ndarray:
    """Order numbers unique across blocks and months: block, month, then rank in the month."""
    return (np.int64(block_index) * 10_000 + month) * 1_000_000 + np.arange(count, dtype=np.int64)


def generate_month(seed: int, block: CustomerBlock, month: int) -> MonthOrders:
    g = rng(seed, "orders", block.index, month)
    start, end = month_start(month), month_start(month + 1)
    lo = np.maximum(start, block.signup)
    hi = np.minimum(end, block.active_until)
    span = np.clip(hi - lo, 0, None)
    middle = lo + span // 2
    activity = np.where(middle < block.churn_at, 1.0, CHURNED_ACTIVITY)
    season = ORDER_SEASON[month % 12]
    counts = g.poisson(block.order_rate * season * activity * span / (end - start))
    welcome = block.welcome_order & (block.signup >= start) & (block.signup < end) & (block.signup < hi)
    regular_rows = np.repeat(np.arange(block.size), counts)
    welcome_rows = np.flatnonzero(welcome)
    n_regular = len(regular_rows)
    u_day, u_time = g.random(n_regular), g.random(n_regular)
    regular_times = within_days(lo[regular_rows], hi[regular_rows], u_day, u_time)
    welcome_times = block.signup[welcome_rows] + g.integers(60, 900, len(welcome_rows))
    rows = np.concatenate([regular_rows, welcome_rows])
    created = np.concatenate([regular_times, welcome_times])
    is_welcome = np.concatenate([np.zeros(n_regular, bool), np.ones(len(welcome_rows), bool)])
    order = np.lexsort((rows, created))
    rows, created, is_welcome = rows[order], created[order], is_welcome[order]
    n = len(rows)

    # lines: 1-4 products, more for big baskets, favourite collection first
    u = g.random((n, 10))
    basket = block.basket[rows]
    n_lines = np.searchsorted([0.45, 0.75, 0.9], u[:, 0], side="right") + 1
    n_lines = np.minimum(n_lines + (u[:, 1] < np.clip((basket - 1) / 2, 0, 0.8)), 4)
    line_order = np.repeat(np.arange(n), n_lines)
    first_line = np.cumsum(n_lines) - n_lines
    line_number = np.arange(len(line_order)) - first_line[line_order] + 1
    lu = g.random((len(line_order), 2))
    favourite = block.affinity[rows][line_order]
    product = np.empty(len(line_order), dtype=np.int64)
    for collection in range(_CDFS.shape[0]):
        picked = favourite == collection
        product[picked] = np.searchsorted(_CDFS[collection], lu[picked, 0], side="right")
    product = np.minimum(product, len(PRODUCTS) - 1)
    quantity = 1 + np.minimum(g.poisson(0.25 * basket[line_order]), 5)

    # currency: the customer's, a few orders paid in another one
    currency = block.currency[rows].copy()
    other = u[:, 2] < 0.025
    currency[other] = 1 + (u[other, 3] * 3).astype(int)
    factor = CURRENCY_PRICE_FACTOR[currency]
    unit_price = np.round(_PRICES[product] * factor[line_order]).astype(np.int64)
    subtotal = np.bincount(line_order, weights=unit_price * quantity, minlength=n).round().astype(np.int64)

    # discounts: seasonal and evergreen codes, welcome codes on first orders, a few automatic discounts
    moy = month % 12
    discounted = u[:, 4] < (0.45 if moy == 10 else 0.33 if moy in (0, 6, 11) else 0.2)
    seasonal = _CODE_INDEX.get(_SEASONAL_CODES.get(moy, ""), -1)
    evergreen = np.array(_EVERGREEN)[(u[:, 5] * len(_EVERGREEN)).astype(int) % len(_EVERGREEN)]
    code = np.where(seasonal >= 0, np.where(u[:, 5] < 0.6, seasonal, evergreen), evergreen)
    code = np.where(is_welcome & (u[:, 6] < 0.7), _CODE_INDEX["BIENVENUE10"], code)
    code = np.where(is_welcome & (u[:, 6] < 0.1), _TWO_CODES, code)
    code = np.where(discounted | (is_welcome & (u[:, 6] < 0.7)), code, -1)
    share = np.where(code == _TWO_CODES, 0.10, _CODE_SHARE[np.clip(code, 0, len(_CODE_SHARE) - 1)])
    share = np.where(code < 0, 0.0, share)
    automatic = (code < 0) & (u[:, 7] < 0.02)
    share = np.where(automatic, 0.10, share)
    discounts = np.round(subtotal * share).astype(np.int64)
    shipping = np.where(subtotal - discounts < 4900 * factor, np.round(490 * factor), 0).astype(np.int64)
    total = subtotal - discounts + shipping
    rate = block.tax_rate[rows]
    tax = np.round(total * rate / (1 + rate)).astype(np.int64)
    tax = np.where(u[:, 8] < 0.01, -1, tax)
    source = np.searchsorted([0.72, 0.84, 0.9, 0.95], u[:, 9], side="right")
    source = np.where(block.near_store[rows] & (u[:, 9] > 0.6), 1, source)

    # lifecycle: versions
    s = g.random((n, 6))
    outcome = np.searchsorted([0.02, 0.05, 0.08, 0.10, 0.14], s[:, 0], side="right")
    # 0 voided, 1 cancelled, 2 pending (then usually paid), 3 refunded, 4 partially refunded, 5 paid
    first_status = np.select([outcome == 0, outcome == 2], [VOIDED, PENDING], PAID)
    zero_refund = np.where(s[:, 1] < 0.4, 0, -1)
    first_updated = np.where(outcome == 0, created + (30 + s[:, 2] * 3_570).astype(np.int64), created)
    quick_cancel = (outcome == 1) & (s[:, 3] < 0.4)
    cancel_at = np.where(
        quick_cancel,
        created + (120 + s[:, 2] * 3_480).astype(np.int64),
        created + HOUR + (s[:, 2] * 10 * DAY).astype(np.int64),
    )
    cancelled_voided = s[:, 4] < 0.3
    # a quick cancellation is one version: cancelled at creation, refunded or voided
    first_status = np.where(quick_cancel, np.where(cancelled_voided, VOIDED, REFUNDED), first_status)
    first_refunded = np.where(quick_cancel & ~cancelled_voided, total, zero_refund)
    first_updated = np.where(quick_cancel, cancel_at, first_updated)
    first_cancelled = np.where(quick_cancel, cancel_at, NEVER)

    later = ((outcome == 1) & ~quick_cancel) | ((outcome == 2) & (s[:, 5] < 0.85)) | (outcome == 3) | (outcome == 4)
    refund_at = created + (3 * DAY + s[:, 2] * 42 * DAY).astype(np.int64)
    paid_at = created + (DAY + s[:, 2] * 4 * DAY).astype(np.int64)
    second_updated = np.select([outcome == 1, outcome == 2], [cancel_at, paid_at], refund_at)
    second_status = np.select(
        [outcome == 1, outcome == 2, outcome == 3], [np.where(cancelled_voided, VOIDED, REFUNDED), PAID, REFUNDED],
        PARTIALLY_REFUNDED,
    )  # fmt: skip
    partial = np.round(total * (0.1 + 0.5 * s[:, 5])).astype(np.int64)
    second_refunded = np.select(
        [outcome == 1, outcome == 2, outcome == 3],
        [np.where(cancelled_voided, -1, total), zero_refund, total],
        partial,
    )
    second_cancelled = np.where(outcome == 1, cancel_at, NEVER)

    later_index = np.flatnonzero(later)
    return MonthOrders(
        row=rows,
        order_number=order_numbers(block.index, month, n),
        created=created,
        currency=currency,
        version_order=np.concatenate([np.arange(n), later_index]),
        version_updated=np.concatenate([first_updated, second_updated[later]]),
        version_status=np.concatenate([first_status, second_status[later]]),
        version_refunded=np.concatenate([first_refunded, second_refunded[later]]),
        version_cancelled=np.concatenate([first_cancelled, second_cancelled[later]]),
        total_price=total,
        total_tax=tax,
        total_discounts=discounts,
        discount_code=np.where(automatic, -1, code),
        source=source,
        line_order=line_order,
        line_number=line_number,
        line_product=product,
        line_quantity=quantity,
        line_price=unit_price,
    )


def orders_table(months: list[MonthOrders], block: CustomerBlock, included: np.ndarray, window: Window) -> pa.Table:
    """Order versions updated in the window, of included customers (one table for all the months)."""
    fields: dict[str, list[np.ndarray]] = {}

    def add(name: str, values: np.ndarray) -> None:
        fields.setdefault(name, []).append(values)

    for m in months:
        o = m.version_order
        keep = included[m.row[o]] & window.contains(m.version_updated)
        o = o[keep]
        for name, values in (
            ("number", m.order_number[o]),
            ("customer", block.k[m.row[o]]),
            ("created", m.created[o]),
            ("updated", m.version_updated[keep]),
            ("currency", m.currency[o]),
            ("total", m.total_price[o]),
            ("tax", m.total_tax[o]),
            ("discounts", m.total_discounts[o]),
            ("refunded", m.version_refunded[keep]),
            ("code", m.discount_code[o]),
            ("status", m.version_status[keep]),
            ("cancelled", m.version_cancelled[keep]),
            ("source", m.source[o]),
        ):
            add(name, values)
    if not months:
        return col.empty_table("orders")
    f = {name: np.concatenate(values) for name, values in fields.items()}
    cancelled, tax, refunded = f["cancelled"], f["tax"], f["refunded"]
    return col.table(
        "orders",
        {
            "order_id": col.ids("ord_", f["number"]),
            "customer_id": col.ids("cus_", f["customer"], width=9),
            "created_at": col.timestamps(f["created"]),
            "updated_at": col.timestamps(f["updated"]),
            "currency": col.labels(CURRENCIES, f["currency"]),
            "total_price": col.amounts(f["total"]),
            "total_tax": col.amounts(tax, tax < 0),
            "total_discounts": col.amounts(f["discounts"], (f["discounts"] == 0) & (f["code"] < 0)),
            "total_refunded": col.amounts(refunded, refunded < 0),
            "discount_codes": col.labels(_CODE_LISTS, f["code"]),
            "financial_status": col.labels(FINANCIAL_STATUSES, f["status"]),
            "cancelled_at": col.timestamps(np.where(cancelled >= NEVER, 0, cancelled), cancelled >= NEVER),
            "source_name": col.labels(SOURCE_NAMES, f["source"]),
        },
    )


def order_lines_table(months: list[MonthOrders], included: np.ndarray, window: Window) -> pa.Table:
    """Lines of the orders created in the window, of included customers."""
    numbers, line_numbers, products, quantities, prices = [], [], [], [], []
    for m in months:
        created_in = included[m.row] & window.contains(m.created)
        keep = created_in[m.line_order]
        numbers.append(m.order_number[m.line_order[keep]])
        line_numbers.append(m.line_number[keep])
        products.append(m.line_product[keep])
        quantities.append(m.line_quantity[keep])
        prices.append(m.line_price[keep])
    if not months:
        return col.empty_table("order_lines")
    return col.table(
        "order_lines",
        {
            "order_id": col.ids("ord_", np.concatenate(numbers)),
            "line_id": col.ids("", np.concatenate(line_numbers)),
            "product_id": col.labels(_PRODUCT_IDS, np.concatenate(products)),
            "quantity": col.integers(np.concatenate(quantities)),
            "unit_price": col.amounts(np.concatenate(prices)),
        },
    )

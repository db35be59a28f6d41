"""Web events: sessions of customers' devices and of anonymous visitors, one month of one block at a time.

Each customer browses on one to three devices, each with its own anonymous_id. Events are tagged with the
customer_id once the customer has logged in on that device: earlier events of the same anonymous_id stay
untagged (identity stitching finds them). Some devices never log in; a few are shared with the next
customer (a household), whose login then tags the same anonymous_id. Friends of customers browse without
ever signing up. A session is page views, product views, sometimes an add-to-cart and a checkout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from segment_warehouse.generate import columns as col
from segment_warehouse.generate.catalogue import PRODUCTS, product_choice_cdfs, product_handles, product_ids
from segment_warehouse.generate.customers import CustomerBlock
from segment_warehouse.generate.randomness import hash64, rng
from segment_warehouse.generate.timeline import WEB_SEASON, Window, month_start, within_days

EVENT_TYPES = ("page_view", "product_view", "add_to_cart", "begin_checkout")
PAGE_VIEW, PRODUCT_VIEW, ADD_TO_CART, BEGIN_CHECKOUT = range(4)
_STATIC_PAGES = ("/", "/collections/visage", "/collections/corps", "/collections/cheveux", "/pages/ateliers",
                 "/blogs/conseils", "/pages/notre-histoire", "/search")  # fmt: skip
PAGES = (*_STATIC_PAGES, *(f"/products/{h}" for h in product_handles()), "/checkout")
_CHECKOUT_PAGE = len(PAGES) - 1
_CDFS = product_choice_cdfs()
_PRODUCT_IDS = product_ids()
#: sessions per month of a customer's devices, relative to the main one
_DEVICE_SHARE = np.array([1.0, 0.6, 0.4])
_CHURNED_ACTIVITY = 0.2
_DEVICE_SALT, _VISITOR_SALT = 11, 13


@dataclass(frozen=True)
class MonthVisits:
    owner: np.ndarray  # block row of the customer whose device or friend it is (for inclusion)
    event_number: np.ndarray
    occurred: np.ndarray
    anonymous: np.ndarray  # uint64 hash
    customer: np.ndarray  # customer number k, -1: not logged in
    session_number: np.ndarray
    event_type: np.ndarray
    product: np.ndarray  # -1: none
    page: np.ndarray
    cart_owner: np.ndarray  # carts by logged-in customers on their own device: block row
    cart_at: np.ndarray  # instant of the add_to_cart


def device_anonymous_ids(seed: int, k: np.ndarray, device: np.ndarray) -> np.ndarray:
    return hash64(seed, _DEVICE_SALT, k, device)


def generate_month(seed: int, block: CustomerBlock, month: int) -> MonthVisits:
    g = rng(seed, "web", block.index, month)
    start, end = month_start(month), month_start(month + 1)
    season = WEB_SEASON[month % 12]
    n = block.size
    hi = np.minimum(end, block.active_until)

    # customers' devices: sessions per (customer, device)
    lo = np.maximum(start, block.device_start)  # (n, 3)
    span = np.clip(hi[:, None] - lo, 0, None)
    middle = lo + span // 2
    activity = np.where(middle < block.churn_at[:, None], 1.0, _CHURNED_ACTIVITY)
    lam = block.web_rate[:, None] * _DEVICE_SHARE[None, :] * season * activity * span / (end - start)
    counts = g.poisson(lam).ravel()
    cell = np.repeat(np.arange(n * 3), counts)
    device_row, device = cell // 3, cell % 3
    device_lo, device_hi = lo.ravel()[cell], np.repeat(hi, 3)[cell]
    device_start_at = within_days(device_lo, device_hi, g.random(len(cell)), g.random(len(cell)))
    k = block.k[device_row]
    tagged = np.where(device_start_at >= block.device_login[device_row, device], k, -1)
    shared = (device == 1) & (device_start_at >= block.shared_after[device_row])
    tagged = np.where(shared, k + 1, tagged)
    device_anonymous = device_anonymous_ids(seed, k, device)

    # friends who never sign up: visitors with one or a few sessions this month
    friend_lo = np.maximum(start, block.signup)
    friend_span = np.clip(hi - friend_lo, 0, None)
    visitors = g.poisson(block.friends_rate * season * friend_span / (end - start))
    visitor_row = np.repeat(np.arange(n), visitors)
    visitor_sessions = 1 + g.poisson(0.4, len(visitor_row))
    visitor_anonymous = hash64(seed, _VISITOR_SALT, block.index, month, np.arange(len(visitor_row)))
    session_visitor = np.repeat(np.arange(len(visitor_row)), visitor_sessions)
    friend_row = visitor_row[session_visitor]
    friend_start_at = within_days(
        friend_lo[friend_row], hi[friend_row], g.random(len(friend_row)), g.random(len(friend_row))
    )

    owner = np.concatenate([device_row, friend_row])
    session_start = np.concatenate([device_start_at, friend_start_at])
    anonymous = np.concatenate([device_anonymous, visitor_anonymous[session_visitor]])
    customer = np.concatenate([tagged, np.full(len(friend_row), -1)])
    favourite = np.concatenate([block.affinity[device_row], g.integers(0, 3, len(friend_row))])
    order = np.lexsort((owner, session_start))
    owner, session_start, anonymous, customer, favourite = (
        owner[order], session_start[order], anonymous[order], customer[order], favourite[order]
    )  # fmt: skip
    sessions = len(owner)

    # events of each session: page views, product views, maybe a cart and a checkout
    page_views = 1 + g.poisson(0.9, sessions)
    product_views = g.poisson(1.4, sessions)
    su = g.random((sessions, 2))
    carts = (su[:, 0] < 0.16).astype(np.int64)
    checkouts = carts * (su[:, 1] < 0.45)
    per_session = page_views + product_views + carts + checkouts
    session = np.repeat(np.arange(sessions), per_session)
    first = np.cumsum(per_session) - per_session
    position = np.arange(len(session)) - first[session]
    event_type = np.select(
        [
            position < page_views[session],
            position < (page_views + product_views)[session],
            position < (page_views + product_views + carts)[session],
        ],
        [PAGE_VIEW, PRODUCT_VIEW, ADD_TO_CART],
        BEGIN_CHECKOUT,
    )
    gaps = g.integers(8, 150, len(session))
    # the first event at the session start, then one gap after another
    running = np.cumsum(gaps) - gaps
    occurred = session_start[session] + running - running[first[session]]
    eu = g.random((len(session), 2))
    product = np.empty(len(session), dtype=np.int64)
    event_favourite = favourite[session]
    for collection in range(_CDFS.shape[0]):
        picked = event_favourite == collection
        product[picked] = np.searchsorted(_CDFS[collection], eu[picked, 0], side="right")
    product = np.minimum(product, len(PRODUCTS) - 1)
    is_product_event = (event_type == PRODUCT_VIEW) | (event_type == ADD_TO_CART)
    product = np.where(is_product_event, product, -1)
    page = np.select(
        [event_type == PAGE_VIEW, is_product_event],
        [(eu[:, 1] * len(_STATIC_PAGES)).astype(np.int64), len(_STATIC_PAGES) + product],
        _CHECKOUT_PAGE,
    )
    session_number = (np.int64(block.index) * 10_000 + month) * 100_000_000 + np.arange(sessions, dtype=np.int64)
    cart_event = event_type == ADD_TO_CART
    own_cart = cart_event & (customer[session] == block.k[owner[session]])
    return MonthVisits(
        owner=owner[session],
        event_number=(np.int64(block.index) * 10_000 + month) * 100_000_000 + np.arange(len(session), dtype=np.int64),
        occurred=occurred,
        anonymous=anonymous[session],
        customer=customer[session],
        session_number=session_number[session],
        event_type=event_type,
        product=product,
        page=page,
        cart_owner=owner[session][own_cart],
        cart_at=occurred[own_cart],
    )


def web_events_table(months: list[MonthVisits], included: np.ndarray, window: Window) -> pa.Table:
    if not months:
        return col.empty_table("web_events")
    keep = [included[m.owner] & window.contains(m.occurred) for m in months]

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(m, name)[kept] for m, kept in zip(months, keep, strict=True)])

    customer, product = cat("customer"), cat("product")
    return col.table(
        "web_events",
        {
            "event_id": col.ids("evt_", cat("event_number")),
            "occurred_at": col.timestamps(cat("occurred")),
            "anonymous_id": col.hex_ids("anon_", cat("anonymous")),
            "customer_id": col.ids("cus_", customer, customer < 0, width=9),
            "session_id": col.ids("ses_", cat("session_number")),
            "event_type": col.labels(EVENT_TYPES, cat("event_type")),
            "product_id": col.labels(_PRODUCT_IDS, product),
            "page_path": col.labels(PAGES, cat("page")),
        },
    )

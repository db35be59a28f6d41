"""List memberships: customers join static lists after signing up, some leave, some come back.

A membership is one row per subscription (list_id, customer_id, subscribed_at). A full generation writes
each subscription that started before T, with its unsubscribed_at when that happened before T. A daily drop
writes the subscriptions that started in the window, and a new version of an older subscription that
ended in the window (staging keeps the known unsubscription).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from segment_warehouse.generate import columns as col
from segment_warehouse.generate.catalogue import LISTS
from segment_warehouse.generate.customers import CustomerBlock
from segment_warehouse.generate.randomness import rng
from segment_warehouse.generate.timeline import DAY, HOUR, NEVER, Window


def _join_probabilities(block: CustomerBlock) -> np.ndarray:
    """(customers x lists) probability of ever joining each list."""
    affinity = block.affinity
    frequent = block.order_rate > 0.8
    return np.column_stack(
        [
            0.22 + 0.28 * (affinity == 0),  # Intérêt Gamme Visage
            0.10 + 0.22 * (affinity == 1),  # Intérêt Gamme Corps
            0.08 + 0.22 * (affinity == 2),  # Intérêt Gamme Cheveux
            0.03 + 0.25 * frequent,  # Clientes VIP
            np.where(block.near_store, 0.3, 0.01),  # Ateliers Montpellier
            np.full(block.size, 0.08),  # Liste d'attente Black Friday
        ]
    )


def list_memberships_table(seed: int, block: CustomerBlock, included: np.ndarray, window: Window) -> pa.Table:
    g = rng(seed, "lists", block.index)
    n, n_lists = block.size, len(LISTS)
    u = g.random((n, n_lists, 6))
    signup = block.signup[:, None]
    joined = u[..., 0] < _join_probabilities(block)
    first_in = signup + np.maximum(HOUR, -np.log1p(-u[..., 1]) * 45 * DAY).astype(np.int64)
    first_out = np.where(u[..., 2] < 0.3, first_in + (-np.log1p(-u[..., 3]) * 220 * DAY).astype(np.int64) + HOUR, NEVER)
    rejoined = joined & (first_out < NEVER) & (u[..., 4] < 0.35)
    second_in = first_out + (u[..., 5] * 120 * DAY).astype(np.int64) + DAY
    second_out = np.where(u[..., 4] < 0.07, second_in + (u[..., 3] * 200 * DAY).astype(np.int64) + HOUR, NEVER)

    customer = np.broadcast_to(np.arange(n)[:, None], (n, n_lists))
    list_index = np.broadcast_to(np.arange(n_lists)[None, :], (n, n_lists))
    rows = np.concatenate([customer[joined], customer[rejoined]])
    lists = np.concatenate([list_index[joined], list_index[rejoined]])
    subscribed = np.concatenate([first_in[joined], second_in[rejoined]])
    unsubscribed = np.concatenate([first_out[joined], second_out[rejoined]])
    # erased customers' subscriptions end with the erasure
    unsubscribed = np.minimum(unsubscribed, block.erased_at[rows])

    live = included[rows] & (subscribed < window.end)
    started_in_window = live & window.contains(subscribed)
    ended_in_window = live & (subscribed < window.start) & window.contains(unsubscribed)
    if window.is_full:
        ended_in_window[:] = False
    keep = started_in_window | ended_in_window
    rows, lists, subscribed, unsubscribed = rows[keep], lists[keep], subscribed[keep], unsubscribed[keep]
    order = np.lexsort((subscribed, lists, rows))
    rows, lists, subscribed, unsubscribed = rows[order], lists[order], subscribed[order], unsubscribed[order]
    not_yet = unsubscribed >= window.end
    return col.table(
        "list_memberships",
        {
            "list_id": col.labels([lst[0] for lst in LISTS], lists),
            "list_name": col.labels([lst[1] for lst in LISTS], lists),
            "customer_id": col.ids("cus_", block.k[rows], width=9),
            "subscribed_at": col.timestamps(subscribed),
            "unsubscribed_at": col.timestamps(np.where(not_yet, 0, unsubscribed), not_yet),
        },
    )

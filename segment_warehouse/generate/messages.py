"""Messages and their status events, one month of one block at a time.

Outbound: campaign sends (to customers consenting on the channel), order confirmations and shipping
notices, cart reminders after an abandoned cart (through the month's cart_reminder campaign), replies to
inbound messages. Inbound: customers writing on WhatsApp (mostly), e-mail or SMS, and unknown senders
(customer_id null). Events: delivered, bounced or failed; opened and clicked (e-mail) or read (WhatsApp)
with a probability that decays over time for some customers; rare unsubscriptions; handled for most
inbound messages, some days later. Providers retry webhooks: about 3% of events arrive twice, identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from segment_warehouse.generate import columns as col
from segment_warehouse.generate.campaigns import (
    CART_REMINDER,
    CART_REMINDER_SLOT,
    CHANNELS,
    EMAIL,
    OTHER,
    SMS,
    WHATSAPP,
    WINBACK,
    campaign_ids,
    campaigns_of_month,
)
from segment_warehouse.generate.customers import CustomerBlock
from segment_warehouse.generate.orders import MonthOrders
from segment_warehouse.generate.randomness import rng
from segment_warehouse.generate.timeline import DAY, HOUR, Window, month_label, month_start, within_days
from segment_warehouse.generate.web import MonthVisits

EVENT_TYPES = ("delivered", "read", "opened", "clicked", "bounced", "failed", "unsubscribed", "handled")
DELIVERED, READ, OPENED, CLICKED, BOUNCED, FAILED, UNSUBSCRIBED, HANDLED = range(8)
DIRECTIONS = ("inbound", "outbound")
INBOUND, OUTBOUND = range(2)
#: why a message was sent: drives how likely it is to be opened
CAMPAIGN, TRANSACTIONAL, REMINDER, INBOUND_MESSAGE, REPLY = range(5)
_OPEN_FACTOR = np.array([1.0, 1.6, 1.2, 0.0, 1.5])
DUPLICATE_SHARE = 0.03
#: share of a campaign's audience actually sent to (segmenting, frequency capping)
CAMPAIGN_REACH = 0.45
#: inbound messages per month from senders the shop cannot attribute, per customer
UNATTRIBUTED_RATE = 0.012


@dataclass(frozen=True)
class MonthMessages:
    owner: np.ndarray  # block row (for inclusion); unattributed messages belong to a customer's row too
    message_number: np.ndarray
    customer: np.ndarray  # k, -1: unattributed
    channel: np.ndarray
    direction: np.ndarray
    campaign: np.ndarray  # code YYYYMM*100+slot, -1: none
    sent: np.ndarray
    event_message: np.ndarray  # index into the messages above
    event_type: np.ndarray
    event_at: np.ndarray


def _reminder_campaigns(sent: np.ndarray, month: int, channel: np.ndarray) -> np.ndarray:
    """The cart_reminder campaign in force when each reminder is sent (the month of sending)."""
    next_month = sent >= month_start(month + 1)
    label = np.where(next_month, month_label(month + 1), month_label(month))
    slot = np.where(channel == EMAIL, CART_REMINDER_SLOT[EMAIL], CART_REMINDER_SLOT[WHATSAPP])
    return label * 100 + slot


def generate_month(
    seed: int, block: CustomerBlock, month: int, orders: MonthOrders, visits: MonthVisits
) -> MonthMessages:
    g = rng(seed, "messages", block.index, month)
    n = block.size
    start, end = month_start(month), month_start(month + 1)
    parts: list[dict[str, np.ndarray]] = []

    def add(rows: np.ndarray, customer: np.ndarray, channel, direction: int, campaign, sent, why: int, handled=None):
        size = len(rows)
        parts.append(
            {
                "owner": rows,
                "customer": customer,
                "channel": np.broadcast_to(np.asarray(channel, dtype=np.int64), (size,)),
                "direction": np.full(size, direction),
                "campaign": np.broadcast_to(np.asarray(campaign, dtype=np.int64), (size,)),
                "sent": sent,
                "why": np.full(size, why),
                "handled": np.full(size, -1, dtype=np.int64) if handled is None else handled,
            }
        )

    # campaign sends
    reachable = {EMAIL: block.email_reachable(), WHATSAPP: block.whatsapp_reachable(), SMS: block.sms_reachable()}
    for campaign in campaigns_of_month(seed, month):
        if campaign.kind == CART_REMINDER:
            continue
        u = g.random(n)
        eligible = reachable[campaign.channel] & (block.signup < campaign.launched)
        eligible &= block.erased_at > campaign.launched
        if campaign.kind == WINBACK:
            eligible &= block.churn_at < campaign.launched
        elif campaign.kind == OTHER and campaign.channel == SMS:
            eligible &= block.near_store
        rows = np.flatnonzero(eligible & (u < campaign.audience * CAMPAIGN_REACH))
        sent = campaign.launched + g.integers(0, 2 * HOUR, len(rows))
        add(rows, block.k[rows], campaign.channel, OUTBOUND, campaign.code, sent, CAMPAIGN)

    # order confirmations (e-mail) and shipping notices (WhatsApp)
    rows = orders.row
    tu = g.random((len(rows), 4))
    confirm = block.has_email[rows] & (tu[:, 0] < 0.97)
    sent = orders.created + (20 + tu[:, 1] * 160).astype(np.int64)
    add(rows[confirm], block.k[rows[confirm]], EMAIL, OUTBOUND, -1, sent[confirm], TRANSACTIONAL)
    ship = block.whatsapp_reachable()[rows] & (tu[:, 2] < 0.5)
    sent = orders.created + (DAY + tu[:, 3] * 2 * DAY).astype(np.int64)
    add(rows[ship], block.k[rows[ship]], WHATSAPP, OUTBOUND, -1, sent[ship], TRANSACTIONAL)

    # cart reminders: 4 hours after the cart (24 for regular buyers), a second one two days later
    rows, cart_at = visits.cart_owner, visits.cart_at
    ru = g.random((len(rows), 3))
    wa, em = block.whatsapp_reachable()[rows], block.email_reachable()[rows]
    remind = (wa | em) & (ru[:, 0] < 0.55)
    channel = np.where(wa, WHATSAPP, EMAIL)
    delay = np.where(block.order_rate[rows] >= 0.3, 24 * HOUR, 4 * HOUR) + (ru[:, 1] * 600).astype(np.int64)
    first_sent = cart_at + delay
    second = remind & (ru[:, 2] < 0.35)
    second_sent = first_sent + 48 * HOUR
    for mask, sent in ((remind, first_sent), (second, second_sent)):
        campaign = _reminder_campaigns(sent[mask], month, channel[mask])
        add(rows[mask], block.k[rows[mask]], channel[mask], OUTBOUND, campaign, sent[mask], REMINDER)

    # inbound messages: customers, and senders nobody can attribute
    lo = np.maximum(start, block.signup)
    hi = np.minimum(end, block.active_until)
    exposure = np.clip(hi - lo, 0, None) / (end - start)
    for attributed, rate in ((True, block.inbound_rate), (False, np.full(n, UNATTRIBUTED_RATE))):
        rows = np.repeat(np.arange(n), g.poisson(rate * exposure))
        iu = g.random((len(rows), 6))
        channel = np.searchsorted([0.7, 0.92] if attributed else [0.85, 0.95], iu[:, 0], side="right")
        channel = np.array([WHATSAPP, EMAIL, SMS])[channel]
        sent = within_days(lo[rows], hi[rows], iu[:, 1], iu[:, 2])
        handled = iu[:, 3] < 0.9
        wait = np.where(iu[:, 4] < 0.85, -np.log1p(-iu[:, 5]) * 3 * HOUR, 2 * DAY + iu[:, 5] * 4 * DAY)
        handled_at = np.where(handled, sent + 60 + wait.astype(np.int64), -1)
        customer = block.k[rows] if attributed else np.full(len(rows), -1)
        add(rows, customer, channel, INBOUND, -1, sent, INBOUND_MESSAGE, handled_at)
        reply = handled & (iu[:, 0] * 7 % 1 < 0.7)
        reply_sent = handled_at[reply] + 30 + (iu[reply, 1] * 570).astype(np.int64)
        add(rows[reply], customer[reply], channel[reply], OUTBOUND, -1, reply_sent, REPLY)

    m = {name: np.concatenate([p[name] for p in parts]) for name in parts[0]}
    order = np.lexsort((m["owner"], m["sent"]))
    m = {name: values[order] for name, values in m.items()}
    count = len(m["sent"])
    numbers = (np.int64(block.index) * 10_000 + month) * 100_000_000 + np.arange(count, dtype=np.int64)
    event_message, event_type, event_at = _events(g, block, m)
    return MonthMessages(
        owner=m["owner"],
        message_number=numbers,
        customer=m["customer"],
        channel=m["channel"],
        direction=m["direction"],
        campaign=m["campaign"],
        sent=m["sent"],
        event_message=event_message,
        event_type=event_type,
        event_at=event_at,
    )


def _events(
    g: np.random.Generator, block: CustomerBlock, m: dict[str, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    count = len(m["sent"])
    u = g.random((count, 8))
    sent, channel, why = m["sent"], m["channel"], m["why"]
    outbound = m["direction"] == OUTBOUND
    email, whatsapp = channel == EMAIL, channel == WHATSAPP
    failed = outbound & (u[:, 0] < 0.01)
    bounced = outbound & email & ~failed & (u[:, 0] < 0.035)
    delivered = outbound & ~failed & ~bounced
    delivered_at = sent + 2 + (u[:, 1] * 118).astype(np.int64)
    engagement = np.where(m["customer"] >= 0, block.engagement_at(m["owner"], sent), 0.5)
    likelihood = np.minimum(engagement * _OPEN_FACTOR[why] * np.where(whatsapp, 1.8, 1.0), 0.97)
    engaged = delivered & (u[:, 2] < likelihood)
    opened = engaged & email
    read = engaged & whatsapp
    engaged_at = delivered_at + np.minimum(-np.log1p(-u[:, 3]) * np.where(email, 7, 2) * HOUR, 14 * DAY).astype(
        np.int64
    )
    clicked = opened & (u[:, 4] < 0.3)
    clicked_at = engaged_at + 5 + (u[:, 5] * 900).astype(np.int64)
    unsubscribe_share = np.select([email, whatsapp], [0.004, 0.003], 0.005)
    unsubscribed = delivered & (why == CAMPAIGN) & (u[:, 6] < unsubscribe_share)
    unsubscribed_at = delivered_at + (-np.log1p(-u[:, 7]) * 10 * HOUR).astype(np.int64)
    handled = m["handled"] >= 0

    index = np.arange(count)
    pieces = [
        (delivered, DELIVERED, delivered_at),
        (failed, FAILED, sent + 5),
        (bounced, BOUNCED, delivered_at),
        (opened, OPENED, engaged_at),
        (read, READ, engaged_at),
        (clicked, CLICKED, clicked_at),
        (unsubscribed, UNSUBSCRIBED, unsubscribed_at),
        (handled, HANDLED, m["handled"]),
    ]
    event_message = np.concatenate([index[mask] for mask, _, _ in pieces])
    event_type = np.concatenate([np.full(int(mask.sum()), kind) for mask, kind, _ in pieces])
    event_at = np.concatenate([at[mask] for mask, _, at in pieces])
    order = np.lexsort((event_type, event_at, event_message))
    event_message, event_type, event_at = event_message[order], event_type[order], event_at[order]
    copies = 1 + (g.random(len(event_message)) < DUPLICATE_SHARE)
    return np.repeat(event_message, copies), np.repeat(event_type, copies), np.repeat(event_at, copies)


def messages_table(months: list[MonthMessages], included: np.ndarray, window: Window) -> pa.Table:
    if not months:
        return col.empty_table("messages")
    keep = [included[m.owner] & window.contains(m.sent) for m in months]

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(m, name)[kept] for m, kept in zip(months, keep, strict=True)])

    customer, campaign = cat("customer"), cat("campaign")
    return col.table(
        "messages",
        {
            "message_id": col.ids("msg_", cat("message_number")),
            "customer_id": col.ids("cus_", customer, customer < 0, width=9),
            "channel": col.labels(CHANNELS, cat("channel")),
            "direction": col.labels(DIRECTIONS, cat("direction")),
            "campaign_id": campaign_ids(campaign, campaign < 0),
            "sent_at": col.timestamps(cat("sent")),
        },
    )


def message_events_table(months: list[MonthMessages], included: np.ndarray, window: Window) -> pa.Table:
    if not months:
        return col.empty_table("message_events")
    numbers, types, instants = [], [], []
    for m in months:
        keep = included[m.owner[m.event_message]] & window.contains(m.event_at)
        numbers.append(m.message_number[m.event_message[keep]])
        types.append(m.event_type[keep])
        instants.append(m.event_at[keep])
    return col.table(
        "message_events",
        {
            "message_id": col.ids("msg_", np.concatenate(numbers)),
            "event_type": col.labels(EVENT_TYPES, np.concatenate(types)),
            "occurred_at": col.timestamps(np.concatenate(instants)),
        },
    )

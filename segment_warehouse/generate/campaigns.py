"""Campaigns: the brand's marketing calendar, a function of the seed and the calendar month only.

Every month: four e-mail newsletters, a promotion, seasonal operations (sales, Mother's Day, Black Friday,
Christmas), a win-back, one other campaign (workshop invitations, satisfaction survey), and the two
automated cart reminders (e-mail and WhatsApp) that abandoned carts are reminded through. A few draft
campaigns have never been launched.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyarrow as pa

from segment_warehouse.generate import columns as col
from segment_warehouse.generate.randomness import rng
from segment_warehouse.generate.timeline import DAY, HOUR, Window, month_label, month_start

CHANNELS = ("whatsapp", "email", "sms")
WHATSAPP, EMAIL, SMS = range(3)
KINDS = ("newsletter", "promotion", "cart_reminder", "winback", "other")
NEWSLETTER, PROMOTION, CART_REMINDER, WINBACK, OTHER = range(5)
#: slots of the automated cart reminders (campaign_id cmp_<YYYYMM>_90 and _91)
CART_REMINDER_SLOT = {EMAIL: 90, WHATSAPP: 91}
_MONTHS_FR = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
              "novembre", "décembre")  # fmt: skip
#: (slot, name, channel, day of month): seasonal operations, by calendar month (0 = January)
_SEASONAL = {
    0: [(11, "Soldes d'hiver", SMS, 8), (12, "Soldes d'hiver — dernière démarque", EMAIL, 22)],
    4: [(11, "Fête des mères", EMAIL, 18)],
    6: [(11, "Soldes d'été", SMS, 1), (12, "Soldes d'été — dernière démarque", WHATSAPP, 20)],
    10: [(11, "Black Friday", EMAIL, 24), (12, "Black Friday — accès VIP", WHATSAPP, 23)],
    11: [(11, "Calendrier de l'Avent", EMAIL, 1), (12, "Idées cadeaux de Noël", WHATSAPP, 10)],
}
DRAFTS = (("cmp_draft_01", "Brouillon — lancement gamme solaire", EMAIL, PROMOTION),
          ("cmp_draft_02", "Brouillon — parrainage WhatsApp", WHATSAPP, OTHER))  # fmt: skip


@dataclass(frozen=True)
class Campaign:
    month: int
    slot: int
    name: str
    channel: int
    kind: int
    launched: int  # seconds since 1970
    audience: float  # share of the eligible customers who receive it

    @property
    def code(self) -> int:
        """campaign_id as a number: YYYYMM * 100 + slot."""
        return month_label(self.month) * 100 + self.slot


@lru_cache(maxsize=2048)
def campaigns_of_month(seed: int, month: int) -> tuple[Campaign, ...]:
    g = rng(seed, "campaigns", month)
    u = g.random(16)
    start = month_start(month)
    moy = month % 12
    label = f"{_MONTHS_FR[moy]} {2000 + month // 12}"

    def at(day: int, hour: float) -> int:
        return start + (day - 1) * DAY + int(hour * HOUR)

    out = [
        Campaign(month, i, f"Newsletter {label} #{i + 1}", EMAIL, NEWSLETTER, at(2 + 7 * i, 7 + 2 * u[i]), 0.55)
        for i in range(4)
    ]
    channel = int(np.searchsorted([0.4, 0.65], u[4], side="right"))
    channel = (WHATSAPP, SMS, EMAIL)[channel]
    out.append(Campaign(month, 10, f"Promotion du mois — {label}", channel, PROMOTION, at(5 + int(u[5] * 20), 9), 0.6))
    for slot, name, seasonal_channel, day in _SEASONAL.get(moy, []):
        out.append(Campaign(month, slot, f"{name} {2000 + month // 12}", seasonal_channel, PROMOTION, at(day, 6), 0.8))
    winback_channel = EMAIL if month % 2 == 0 else WHATSAPP
    winback_at = at(12 + int(u[6] * 6), 9)
    out.append(Campaign(month, 20, f"On vous a manqué — {label}", winback_channel, WINBACK, winback_at, 0.5))
    other_at = at(3 + int(u[7] * 20), 8)
    if month % 2:
        out.append(Campaign(month, 30, f"Atelier soin en boutique — {label}", SMS, OTHER, other_at, 0.6))
    else:
        out.append(Campaign(month, 30, f"Enquête satisfaction — {label}", EMAIL, OTHER, other_at, 0.25))
    for reminder_channel, slot in CART_REMINDER_SLOT.items():
        name = f"Relance panier {'e-mail' if reminder_channel == EMAIL else 'WhatsApp'} — {label}"
        out.append(Campaign(month, slot, name, reminder_channel, CART_REMINDER, start, 1.0))
    return tuple(out)


def campaign_ids(codes: np.ndarray, null: np.ndarray | None = None) -> pa.Array:
    """'cmp_<YYYYMM>_<slot>' from numeric codes (YYYYMM * 100 + slot)."""
    codes = np.asarray(codes, dtype=np.int64)
    label = col.ids("cmp_", codes // 100, null)
    return col.join(label, "_", col.ids("", codes % 100, width=2))


def campaigns_table(seed: int, months: range, window: Window) -> pa.Table:
    """Campaigns launched in the window (a full generation also lists the drafts, never launched)."""
    launched = [c for m in months for c in campaigns_of_month(seed, m) if window.contains(np.array([c.launched]))[0]]
    launched.sort(key=lambda c: (c.launched, c.slot))
    drafts = list(DRAFTS) if window.is_full else []
    codes = np.array([c.code for c in launched], dtype=np.int64)
    ids = pa.concat_arrays([campaign_ids(codes).cast(pa.string()), pa.array([d[0] for d in drafts], pa.string())])
    n = len(launched) + len(drafts)
    launched_at = np.array([c.launched for c in launched] + [0] * len(drafts), dtype=np.int64)
    return col.table(
        "campaigns",
        {
            "campaign_id": ids,
            "name": pa.array([c.name for c in launched] + [d[1] for d in drafts], pa.string()),
            "channel": col.labels(CHANNELS, np.array([c.channel for c in launched] + [d[2] for d in drafts], int)),
            "kind": col.labels(KINDS, np.array([c.kind for c in launched] + [d[3] for d in drafts], int)),
            "launched_at": col.timestamps(launched_at, np.arange(n) >= len(launched)),
        },
    )

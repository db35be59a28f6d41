"""Customers: the hidden profile that drives everyone's behaviour, and the customer versions written.

Customers are drawn by blocks of consecutive numbers k; every draw of a block comes from the generator of
(seed, block), so a customer is the same whatever the end date. The profile (buying rate, engagement,
devices, consent, home town) is never written as such: it shapes the orders, visits and messages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from segment_warehouse.generate import columns as col
from segment_warehouse.generate.catalogue import (
    ACQUISITION,
    EMAIL_DOMAINS,
    FEMALE_FIRST_NAMES,
    LAST_NAMES,
    MALE_FIRST_NAMES,
    SKIN_TYPES,
    TAGS,
    Places,
    ascii_slug,
)
from segment_warehouse.generate.randomness import rng
from segment_warehouse.generate.timeline import DAY, HOUR, NEVER, SignupSchedule, Window

MONTH = 30.44 * DAY
#: median orders per month of a buying customer while active (log-normal, heavy-tailed)
ORDER_RATE_MEDIAN = 0.62
ORDER_RATE_SIGMA = 0.95
#: median web sessions per month on the main device
WEB_RATE_MEDIAN = 0.46
#: anonymous visitors per month brought by a customer (friends, family: they never sign up)
FRIENDS_RATE = 0.1
ERASURE_SHARE = 0.006


@dataclass(frozen=True)
class CustomerBlock:
    """The hidden profile of customers k = index * size ... (index + 1) * size - 1."""

    index: int
    k: np.ndarray
    signup: np.ndarray
    erased_at: np.ndarray  # NEVER unless the customer asks for erasure
    churn_at: np.ndarray  # after it, activity drops to a trickle
    order_rate: np.ndarray  # orders per month while active (0: never buys)
    welcome_order: np.ndarray  # first order right at signup
    basket: np.ndarray  # spend multiplier (log-normal)
    web_rate: np.ndarray
    friends_rate: np.ndarray
    inbound_rate: np.ndarray
    engagement: np.ndarray  # probability scale of opens and reads
    decay_days: np.ndarray  # engagement decays as exp(-days since signup / decay_days); inf: no decay
    affinity: np.ndarray  # favourite collection (0 Visage, 1 Corps, 2 Cheveux)
    place: np.ndarray  # index into Places, -1: no city
    has_email: np.ndarray
    has_phone: np.ndarray
    email_opt_in: np.ndarray
    sms_opt_in: np.ndarray
    whatsapp_opt_in: np.ndarray
    currency: np.ndarray  # index into CURRENCIES
    tax_rate: np.ndarray
    near_store: np.ndarray
    device_start: np.ndarray  # (size, 3): first visit of each device, NEVER for devices not owned
    device_login: np.ndarray  # (size, 3): first login on each device, NEVER if never
    shared_after: np.ndarray  # device 1 used by customer k + 1 from then on (NEVER: not shared)
    next_signup: np.ndarray  # signup of customer k + 1

    @property
    def size(self) -> int:
        return len(self.k)

    @property
    def active_until(self) -> np.ndarray:
        return self.erased_at

    def email_reachable(self) -> np.ndarray:
        return self.has_email & self.email_opt_in

    def whatsapp_reachable(self) -> np.ndarray:
        return self.has_phone & self.whatsapp_opt_in

    def sms_reachable(self) -> np.ndarray:
        return self.has_phone & self.sms_opt_in

    def engagement_at(self, rows: np.ndarray, instants: np.ndarray) -> np.ndarray:
        """Probability scale of opening/reading for customers `rows` at `instants` (decaying for some)."""
        age_days = np.maximum(instants - self.signup[rows], 0) / DAY
        decay = np.exp(-age_days / self.decay_days[rows])
        churned = np.where(instants >= self.churn_at[rows], 0.5, 1.0)
        return self.engagement[rows] * decay * churned


def _exponential(u: np.ndarray, mean: float) -> np.ndarray:
    return -np.log1p(-u) * mean


def draw_block(seed: int, index: int, size: int, schedule: SignupSchedule, places: Places) -> CustomerBlock:
    g = rng(seed, "customers", index)
    u = g.random((size, 28))
    z = g.standard_normal((size, 4))
    engagement = g.beta(1.4, 2.0, size)
    k = index * size + np.arange(size, dtype=np.int64)
    signup = schedule.signup_times(k)
    next_signup = schedule.signup_times(k + 1)

    buyer = u[:, 0] >= 0.25
    order_rate = np.where(buyer, ORDER_RATE_MEDIAN * np.exp(ORDER_RATE_SIGMA * z[:, 0]), 0.0)
    erased = u[:, 3] < ERASURE_SHARE
    erased_at = np.where(erased, signup + ((15 + u[:, 4] * 385) * DAY).astype(np.int64), NEVER)
    place = np.searchsorted(places.cdf, u[:, 9], side="right")
    place = np.where(place >= len(places.city), -1, place)
    safe_place = np.maximum(place, 0)
    has_phone = u[:, 11] < 0.68

    count = 1 + (u[:, 16] > 0.45).astype(int) + (u[:, 16] > 0.8).astype(int)
    start = np.full((size, 3), NEVER, dtype=np.int64)
    login = np.full((size, 3), NEVER, dtype=np.int64)
    start[:, 0] = signup - (u[:, 17] * 45 * DAY).astype(np.int64)
    login[:, 0] = signup
    start1 = signup + _exponential(u[:, 18], 60 * DAY).astype(np.int64)
    start2 = signup + _exponential(u[:, 21], 150 * DAY).astype(np.int64)
    start[:, 1] = np.where(count >= 2, start1, NEVER)
    start[:, 2] = np.where(count >= 3, start2, NEVER)
    login1 = start1 + _exponential(u[:, 19], 20 * DAY).astype(np.int64)
    login2 = start2 + _exponential(u[:, 22], 30 * DAY).astype(np.int64)
    # a household: customer k logs in on device 1, later customer k + 1 uses it and logs in there too
    shared = (u[:, 24] < 0.02) & (count >= 2)
    login[:, 1] = np.where((count >= 2) & ((u[:, 20] < 0.7) | shared), login1, NEVER)
    login[:, 2] = np.where((count >= 3) & (u[:, 23] < 0.5), login2, NEVER)
    handover = login1 + (30 * DAY + _exponential(u[:, 25], 90 * DAY)).astype(np.int64)
    shared_after = np.where(shared, np.maximum(handover, next_signup + DAY), NEVER)

    return CustomerBlock(
        index=index,
        k=k,
        signup=signup,
        erased_at=erased_at,
        churn_at=signup + _exponential(u[:, 2], 30 * MONTH).astype(np.int64),
        order_rate=order_rate,
        welcome_order=buyer & (u[:, 1] < 0.55),
        basket=np.exp(0.45 * z[:, 1]),
        web_rate=WEB_RATE_MEDIAN * np.exp(0.8 * z[:, 2]),
        friends_rate=FRIENDS_RATE * np.exp(0.5 * z[:, 3]),
        inbound_rate=np.where(u[:, 5] < 0.12, 0.25, 0.015),
        engagement=engagement,
        decay_days=np.where(u[:, 6] < 0.35, 90 + u[:, 7] * 450, np.inf),
        affinity=np.searchsorted([0.5, 0.78], u[:, 8], side="right"),
        place=place,
        has_email=u[:, 10] >= 0.06,
        has_phone=has_phone,
        email_opt_in=u[:, 12] < 0.68,
        sms_opt_in=u[:, 13] < 0.32,
        whatsapp_opt_in=u[:, 14] < 0.45,
        currency=np.where(place >= 0, places.currency[safe_place], 0),
        tax_rate=np.where(place >= 0, places.tax_rate[safe_place], 0.2),
        near_store=(place >= 0) & places.near_store[safe_place],
        device_start=start,
        device_login=login,
        shared_after=shared_after,
        next_signup=next_signup,
    )


# --- customer versions -------------------------------------------------------------------------------------

_FIRST_NAMES = FEMALE_FIRST_NAMES + MALE_FIRST_NAMES
_FIRST_ASCII = [ascii_slug(n, "") for n in _FIRST_NAMES]
_LAST_ASCII = [ascii_slug(n, "") for n in LAST_NAMES]
_GENDERS = ("female", "male", "other")
_TAG_VALUES = list(TAGS) + [f"{a},{b}" for a in TAGS for b in TAGS if a < b]
_CUSTOM_ATTRIBUTES = [
    f'{{"skin_type": "{skin}", "acquisition": "{source}"}}' for skin in SKIN_TYPES for source in ACQUISITION
] + [f'{{"skin_type": "{skin}"}}' for skin in SKIN_TYPES]

_FIELDS = (
    "k", "created", "updated", "deleted", "gender", "first", "last", "email_state", "email_number", "email_domain",
    "phone_state", "phone_digits", "birth", "place", "lat", "lon", "email_opt", "sms_opt", "wa_opt", "tags", "custom",
)  # fmt: skip


def _birth_days(signup: np.ndarray, age_u: np.ndarray, z: np.ndarray, leap_u: np.ndarray) -> np.ndarray:
    """Birth dates (days since 1970): ages 16-85 at signup, a few born on 29 February."""
    age_years = np.clip(38 + 13 * z, 16, 85)
    birth = signup // DAY - (age_years * 365.25).astype(np.int64) - (age_u * 300).astype(np.int64)
    years = (birth.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)) + 1970
    leap_year = years - years % 4
    feb29 = ((leap_year - 1970) * 12 + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) + 28
    return np.where(leap_u < 0.004, feb29, birth)


def draw_versions(seed: int, block: CustomerBlock, places: Places) -> dict[str, np.ndarray]:
    """Every version of every customer of the block (all instants; the caller keeps the window's rows)."""
    g = rng(seed, "customer_versions", block.index)
    n = block.size
    u = g.random((n, 36))
    z = g.standard_normal((n, 4))
    signup = block.signup

    gender = np.searchsorted([0.76, 0.955, 0.975], u[:, 0], side="right")  # 3 = unknown
    female_name = (gender == 0) | ((gender >= 2) & (u[:, 1] < 0.5))
    first = np.where(
        female_name,
        (u[:, 1] * len(FEMALE_FIRST_NAMES)).astype(int) % len(FEMALE_FIRST_NAMES),
        len(FEMALE_FIRST_NAMES) + (u[:, 1] * len(MALE_FIRST_NAMES)).astype(int) % len(MALE_FIRST_NAMES),
    )
    # email_state: 1 present, 0 null, 2 blank; phone_state likewise
    email_state = np.where(block.has_email, 1, np.where(u[:, 3] < 0.25, 2, 0))
    phone_state = np.where(block.has_phone, 1, np.where(u[:, 6] < 0.03, 2, 0))
    has_coords = (u[:, 11] < 0.6) & (block.place >= 0)
    safe_place = np.maximum(block.place, 0)
    lat = np.where(has_coords, np.round(places.latitude[safe_place] + 0.012 * z[:, 1], 5), np.nan)
    lon = np.where(has_coords, np.round(places.longitude[safe_place] + 0.016 * z[:, 2], 5), np.nan)

    def flag(base: np.ndarray, missing: np.ndarray) -> np.ndarray:
        return np.where(missing, -1, base.astype(np.int8)).astype(np.int8)

    v1 = {
        "k": block.k,
        "created": signup,
        "updated": signup,
        "deleted": np.full(n, NEVER),
        "gender": gender,
        "first": first,
        "last": (u[:, 2] * len(LAST_NAMES)).astype(int),
        "email_state": email_state,
        "email_number": np.where(u[:, 4] < 0.6, (u[:, 4] * 160).astype(int) + 1, 0),
        "email_domain": (u[:, 5] * len(EMAIL_DOMAINS)).astype(int),
        "phone_state": phone_state,
        "phone_digits": (u[:, 7] * 1e8).astype(np.int64),
        "birth": np.where(u[:, 10] < 0.05, -(2**40), _birth_days(signup, u[:, 8], z[:, 0], u[:, 9])),
        "place": block.place,
        "lat": lat,
        "lon": lon,
        "email_opt": flag(block.email_opt_in, u[:, 15] < 0.04),
        "sms_opt": flag(block.sms_opt_in, u[:, 15] > 0.97),
        "wa_opt": flag(block.whatsapp_opt_in, (u[:, 15] > 0.5) & (u[:, 15] < 0.52)),
        "tags": np.where(u[:, 12] < 0.35, (u[:, 13] * len(_TAG_VALUES)).astype(int), -1),
        "custom": np.where(u[:, 14] < 0.6, (u[:, 16] * len(_CUSTOM_ATTRIBUTES)).astype(int), -1),
    }
    erased = block.erased_at < NEVER
    hour = np.int64(HOUR)

    def changed(previous: dict[str, np.ndarray], at: np.ndarray, c: int) -> dict[str, np.ndarray]:
        """A later version: opt-ins flip, a phone appears, the e-mail changes, some move house."""
        version = dict(previous)
        version["updated"] = at
        for j, name in enumerate(("email_opt", "sms_opt", "wa_opt")):
            flip = u[:, c + j] < (0.25, 0.12, 0.18)[j]
            version[name] = np.where(flip, np.where(previous[name] == 1, 0, 1), previous[name]).astype(np.int8)
        new_phone = (previous["phone_state"] != 1) & (u[:, c + 3] < 0.4)
        version["phone_state"] = np.where(new_phone, 1, previous["phone_state"])
        new_email = u[:, c + 4] < 0.08
        new_domain = (u[:, c + 5] * len(EMAIL_DOMAINS)).astype(int)
        version["email_state"] = np.where(new_email & (previous["email_state"] != 1), 1, previous["email_state"])
        version["email_domain"] = np.where(new_email, new_domain, previous["email_domain"])
        move = u[:, c + 6] < 0.05
        moved_to = np.searchsorted(places.cdf, u[:, c + 5], side="right")
        moved_to = np.where(moved_to >= len(places.city), -1, moved_to)
        version["place"] = np.where(move, moved_to, previous["place"])
        version["lat"] = np.where(move, np.nan, previous["lat"])
        version["lon"] = np.where(move, np.nan, previous["lon"])
        return version

    v2_at = signup + np.maximum(hour, _exponential(u[:, 17], 150 * DAY).astype(np.int64))
    v2_exists = (u[:, 18] < 0.55) & (v2_at < block.erased_at)
    v2 = changed(v1, v2_at, 19)
    v3_at = v2_at + np.maximum(hour, _exponential(u[:, 26], 250 * DAY).astype(np.int64))
    v3_exists = v2_exists & (u[:, 27] < 0.45) & (v3_at < block.erased_at)
    v3 = changed(v2, v3_at, 28)

    erasure = {name: np.full(n, -1) for name in ("gender", "first", "last", "tags", "custom")}
    erasure.update(
        k=block.k, created=signup, updated=block.erased_at, deleted=block.erased_at, email_state=np.zeros(n, int),
        email_number=np.zeros(n, int), email_domain=np.zeros(n, int), phone_state=np.zeros(n, int),
        phone_digits=np.zeros(n, np.int64), birth=np.full(n, -(2**40)), place=np.full(n, -1),
        lat=np.full(n, np.nan), lon=np.full(n, np.nan), email_opt=np.full(n, -1, np.int8),
        sms_opt=np.full(n, -1, np.int8), wa_opt=np.full(n, -1, np.int8),
    )  # fmt: skip
    back_at = block.erased_at + DAY + (u[:, 35] * 60 * DAY).astype(np.int64)
    back_exists = erased & (u[:, 34] < 0.2)
    back = dict(v1, updated=back_at)

    layers = [(v1, np.ones(n, bool)), (v2, v2_exists), (v3, v3_exists), (erasure, erased), (back, back_exists)]
    out = {name: np.concatenate([layer[name][exists] for layer, exists in layers]) for name in _FIELDS}
    return out


def versions_table(versions: dict[str, np.ndarray], places: Places) -> pa.Table:
    """The customers landing table from version fields (already filtered to the rows to write)."""
    v = versions
    place = v["place"]
    no_place = place < 0
    email_present = v["email_state"] == 1
    local = col.join(
        col.labels(_FIRST_ASCII, v["first"]),
        ".",
        col.labels(_LAST_ASCII, v["last"]),
        pc.if_else(pa.array(v["email_number"] > 0), pc.cast(pa.array(v["email_number"]), pa.string()), ""),
        "@",
        col.labels(EMAIL_DOMAINS, v["email_domain"]),
    )
    email = pc.if_else(
        pa.array(email_present), local, pc.if_else(pa.array(v["email_state"] == 2), " ", pa.scalar(None, pa.string()))
    )
    prefixes = col.labels(places.phone_prefix, np.where(no_place, 0, place))
    phone_number = col.join(prefixes, pc.utf8_lpad(pc.cast(pa.array(v["phone_digits"]), pa.string()), 8, "0"))
    phone = pc.if_else(
        pa.array(v["phone_state"] == 1),
        phone_number,
        pc.if_else(pa.array(v["phone_state"] == 2), "", pa.scalar(None, pa.string())),
    )
    no_birth = v["birth"] < -(2**39)
    country = col.labels(places.country_code, np.where(no_place, -1, place))
    columns = {
        "customer_id": col.ids("cus_", v["k"], width=9),
        "email": email,
        "phone": phone,
        "first_name": col.labels(_FIRST_NAMES, v["first"]),
        "last_name": col.labels(LAST_NAMES, v["last"]),
        "gender": col.labels(_GENDERS, np.where(v["gender"] >= 3, -1, v["gender"])),
        "birth_date": col.dates(np.where(no_birth, 0, v["birth"]), no_birth),
        "city": col.labels(places.city, place),
        "postal_code": col.labels(places.postal_code, place),
        "country_code": country,
        "latitude": col.floats(v["lat"]),
        "longitude": col.floats(v["lon"]),
        "email_opt_in": col.booleans(v["email_opt"] == 1, v["email_opt"] < 0),
        "sms_opt_in": col.booleans(v["sms_opt"] == 1, v["sms_opt"] < 0),
        "whatsapp_opt_in": col.booleans(v["wa_opt"] == 1, v["wa_opt"] < 0),
        "tags": col.labels(_TAG_VALUES, v["tags"]),
        "custom_attributes": col.labels(_CUSTOM_ATTRIBUTES, v["custom"]),
        "created_at": col.timestamps(v["created"]),
        "updated_at": col.timestamps(v["updated"]),
        "deleted_at": col.timestamps(np.where(v["deleted"] >= NEVER, 0, v["deleted"]), v["deleted"] >= NEVER),
    }
    return col.table("customers", columns)


def customers_table(seed: int, block: CustomerBlock, places: Places, included: np.ndarray, window: Window) -> pa.Table:
    """The customer versions of the block's included customers updated in the window, by customer then time."""
    versions = draw_versions(seed, block, places)
    rows = versions["k"] - block.k[0]
    keep = included[rows] & window.contains(versions["updated"])
    order = np.lexsort((versions["updated"][keep], versions["k"][keep]))
    kept = {name: values[keep][order] for name, values in versions.items()}
    return versions_table(kept, places)

"""Time in the synthetic shop: a fixed epoch, calendar months, signups, time of day, the written window.

All instants are int64 seconds since 1970-01-01 UTC. The shop's customers are numbered k = 0, 1, 2, ...
in signup order from the epoch (2000-01-01) at a rate that gives N signups in about three years, with a
seasonal rhythm. A generation ending on day D holds the N customers who signed up last before
T = D + 1 day 00:00 UTC, with everything they did before T: moving D one day on adds that day's rows and
drops the few oldest signups, and never changes a row of the days before.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

DAY = 86_400
HOUR = 3_600
EPOCH = dt.date(2000, 1, 1)
EPOCH_SECONDS = int(dt.datetime(2000, 1, 1, tzinfo=dt.UTC).timestamp())
#: customers of one generation signed up over about this many days
HISTORY_DAYS = 1095.75
#: signup rates are tabulated for this many days from the epoch (until 2099)
GRID_DAYS = 36_524
#: far in the future: "never" for an instant
NEVER = np.int64(2**62)
#: the latest end date the generator accepts (its signup calendar ends in 2099)
LAST_END_DATE = dt.date(2098, 12, 31)

#: activity per UTC hour (orders, visits, inbound messages): quiet nights, lunch and evening peaks in France
# fmt: off
_HOUR_WEIGHTS = np.array([
    0.3, 0.2, 0.15, 0.1, 0.1, 0.2, 0.5, 1.0, 1.4, 1.5, 1.5, 1.6,
    1.8, 1.6, 1.4, 1.4, 1.5, 1.7, 2.0, 2.3, 2.4, 2.0, 1.3, 0.7,
])
# fmt: on
_HOUR_CDF = np.concatenate([[0.0], np.cumsum(_HOUR_WEIGHTS) / _HOUR_WEIGHTS.sum()])
_HOUR_EDGES = np.arange(25, dtype=np.float64) * HOUR

#: signups per calendar month, relative (Christmas and January sales bring new customers)
SIGNUP_SEASON = np.array([1.15, 0.9, 0.95, 0.95, 1.0, 0.9, 0.85, 0.7, 0.95, 1.0, 1.25, 1.4])
SIGNUP_SEASON = SIGNUP_SEASON / SIGNUP_SEASON.mean()
#: orders per calendar month, relative: November/December peaks, summer dip
ORDER_SEASON = np.array([1.05, 0.85, 0.9, 0.95, 1.0, 0.9, 0.8, 0.65, 0.95, 1.0, 1.45, 1.6])
ORDER_SEASON = ORDER_SEASON / ORDER_SEASON.mean()
#: web sessions per calendar month, relative
WEB_SEASON = np.array([1.05, 0.9, 0.95, 0.95, 1.0, 0.9, 0.85, 0.75, 0.95, 1.0, 1.35, 1.4])
WEB_SEASON = WEB_SEASON / WEB_SEASON.mean()


def time_of_day(u: np.ndarray) -> np.ndarray:
    """Seconds into the day (float) for uniforms `u`, following the hourly activity profile."""
    return np.interp(u, _HOUR_CDF, _HOUR_EDGES)


def _day_share(seconds_into_day: np.ndarray | float) -> np.ndarray:
    """Inverse of time_of_day: share of a day's activity before that time."""
    return np.interp(seconds_into_day, _HOUR_EDGES, _HOUR_CDF)


def within_days(lo: np.ndarray, hi: np.ndarray, u_day: np.ndarray, u_time: np.ndarray) -> np.ndarray:
    """Instants in [lo, hi): a uniform day, then a time of day from the hourly profile (clipped into range)."""
    span = np.maximum(hi - lo, 1)
    t = lo + (u_day * span).astype(np.int64)
    t = t - t % DAY + time_of_day(u_time).astype(np.int64)
    return np.clip(t, lo, np.maximum(hi - 1, lo))


def date_seconds(day: dt.date) -> int:
    """00:00 UTC of a date, in seconds since 1970."""
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp())


def month_index(day: dt.date) -> int:
    """Calendar months since January 2000."""
    return (day.year - 2000) * 12 + day.month - 1


def month_of_seconds(seconds: int) -> int:
    return month_index(dt.datetime.fromtimestamp(seconds, dt.UTC).date())


def month_start(m: int) -> int:
    """00:00 UTC of the first day of month m (months since January 2000), in seconds since 1970."""
    return date_seconds(dt.date(2000 + m // 12, m % 12 + 1, 1))


def month_label(m: int) -> int:
    """YYYYMM of month m, e.g. 202611."""
    return (2000 + m // 12) * 100 + m % 12 + 1


@dataclass(frozen=True)
class Window:
    """The instants written: [start, end). A full generation starts at the beginning of time."""

    start: int
    end: int

    @property
    def is_full(self) -> bool:
        return self.start <= 0

    def contains(self, seconds: np.ndarray) -> np.ndarray:
        return (seconds >= self.start) & (seconds < self.end)


class SignupSchedule:
    """When customer k signs up: a seasonal signup rate per day, hours following the activity profile."""

    def __init__(self, customers: int) -> None:
        days = np.arange(GRID_DAYS)
        months = (np.datetime64(EPOCH.isoformat(), "D") + days).astype("datetime64[M]").astype(np.int64) % 12
        self.rate = customers / HISTORY_DAYS * SIGNUP_SEASON[months]
        self.cumulative = np.concatenate([[0.0], np.cumsum(self.rate)])

    def signup_times(self, k: np.ndarray) -> np.ndarray:
        """Signup instants of customers `k` (non-decreasing in k)."""
        kf = np.asarray(k, dtype=np.float64)
        day = np.searchsorted(self.cumulative, kf, side="right") - 1
        share = (kf - self.cumulative[day]) / self.rate[day]
        return EPOCH_SECONDS + day.astype(np.int64) * DAY + np.floor(time_of_day(share)).astype(np.int64)

    def signed_up_before(self, instant: int) -> int:
        """How many customers signed up strictly before `instant`."""
        elapsed = instant - EPOCH_SECONDS
        day = min(max(elapsed // DAY, 0), GRID_DAYS - 1)
        estimate = self.cumulative[day] + self.rate[day] * float(_day_share(float(elapsed - day * DAY)))
        count = max(math.ceil(estimate), 0)
        while self.signup_times(np.array([count]))[0] < instant:
            count += 1
        while count > 0 and self.signup_times(np.array([count - 1]))[0] >= instant:
            count -= 1
        return count

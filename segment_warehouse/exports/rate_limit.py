"""Client-side rate limit: requests and records per second, shared by the threads of one sync.

Pacing rather than bursting: each acquisition reserves its slot on a timeline (`cost / rate` seconds)
and sleeps until that slot; concurrent senders queue on the same timeline. The first request of an
idle period goes at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    """One rate: `rate` units per second (the generic cell rate algorithm, reserving ahead)."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        self.rate = rate
        self._clock = clock
        self._theoretical_arrival = clock()
        self._lock = threading.Lock()

    def reserve(self, cost: float) -> float:
        """Reserve `cost` units; returns how long the caller must wait before going."""
        with self._lock:
            now = self._clock()
            start = max(self._theoretical_arrival, now)
            self._theoretical_arrival = start + cost / self.rate
            return start - now


class RateLimiter:
    """Requests per second and records per second; either may be None (unlimited)."""

    def __init__(
        self,
        requests_per_second: float | None,
        records_per_second: float | None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._requests = Pacer(requests_per_second) if requests_per_second else None
        self._records = Pacer(records_per_second) if records_per_second else None
        self._sleep = sleep

    def acquire(self, records: int) -> float:
        """Block until one request carrying `records` records may go; returns the time waited."""
        wait = 0.0
        if self._requests is not None:
            wait = max(wait, self._requests.reserve(1))
        if self._records is not None:
            wait = max(wait, self._records.reserve(records))
        if wait > 0:
            self._sleep(wait)
        return wait

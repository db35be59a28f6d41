"""The breaker (DESIGN §7): a broken upstream must not mail a whole base, nor wipe an audience.

Whenever the destination held at least MIN_PREVIOUS_SIZE members, a sync is refused when
adds + removes exceed `max_change_ratio` × the previous size, or when the consented membership comes
out empty — unless forced.
"""

from __future__ import annotations

from dataclasses import dataclass

#: below this previous size the breaker never trips (small audiences legitimately swing)
MIN_PREVIOUS_SIZE = 100


@dataclass(frozen=True)
class BreakerVerdict:
    refused: bool
    #: why it trips (also set when forced through), None when it does not
    reason: str | None
    forced: bool = False


def check_breaker(
    *, previous_size: int, adds: int, removes: int, members: int, max_change_ratio: float, force: bool = False
) -> BreakerVerdict:
    reason: str | None = None
    if previous_size >= MIN_PREVIOUS_SIZE:
        limit = max_change_ratio * previous_size
        if members == 0:
            reason = f"the consented membership is empty while the destination holds {previous_size} members"
        elif adds + removes > limit:
            reason = (
                f"{adds} adds + {removes} removes = {adds + removes} changes exceed max_change_ratio "
                f"{max_change_ratio:g} x previous size {previous_size} = {limit:g}"
            )
    if reason is None:
        return BreakerVerdict(refused=False, reason=None)
    return BreakerVerdict(refused=not force, reason=reason, forced=force)

"""Deterministic randomness: one NumPy generator per (seed, stream, keys), and a vectorised integer hash.

Every draw of the synthetic shop comes from a generator keyed by what it generates (the stream), the block
of customers and the calendar month. Nothing depends on the end date or on which rows are finally kept, so
the history is a function of the seed alone and a later end date only adds days.
"""

from __future__ import annotations

import numpy as np

#: one number per family of draws; never renumber (it would change every generated shop)
STREAMS: dict[str, int] = {
    "customers": 1,
    "customer_versions": 2,
    "orders": 3,
    "web": 4,
    "messages": 5,
    "campaigns": 6,
    "lists": 7,
    "anonymous_ids": 8,
    "bad_rows": 9,
}


def rng(seed: int, stream: str, *keys: int) -> np.random.Generator:
    """The generator of one family of draws for one (block, month, ...): same arguments, same numbers."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, STREAMS[stream], *keys])))


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)


def _splitmix(z: np.ndarray) -> np.ndarray:
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def hash64(*parts: np.ndarray | int) -> np.ndarray:
    """SplitMix64 chained over the parts (arrays broadcast): a stable 64-bit hash, for identifiers."""
    arrays = [np.asarray(p).astype(np.uint64) for p in parts]
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    h = np.zeros(shape, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for a in arrays:
            h = _splitmix(h ^ a)
    return h

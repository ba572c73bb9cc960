"""Small vectorised random helpers of the generator (no rules here)."""

from __future__ import annotations

import numpy as np


def allocate(rng, n: int, shares, minimum: int = 0) -> np.ndarray:
    """Exactly-rounded category codes (largest remainder), shuffled; each category gets at
    least ``minimum`` (taken from the largest) when ``n`` allows."""
    shares = np.asarray(shares, dtype=float) / np.sum(shares)
    raw = shares * n
    counts = np.floor(raw).astype(np.int64)
    rest = n - counts.sum()
    order = np.argsort(-(raw - counts), kind="stable")
    counts[order[:rest]] += 1
    if n >= minimum * len(shares):
        short = np.maximum(minimum - counts, 0)
        counts += short
        counts[np.argmax(counts)] -= short.sum()
    codes = np.repeat(np.arange(len(shares)), counts)
    return rng.permutation(codes)


def ids(prefix: str, numbers, min_width: int) -> np.ndarray:
    """``prefix`` + zero-padded number, vectorised; width grows with the largest number."""
    numbers = np.asarray(numbers, dtype=np.int64)
    top = int(numbers.max()) if numbers.size else 0
    width = max(min_width, len(str(top)))
    chars = np.empty((numbers.size, len(prefix) + width), dtype=np.uint8)
    chars[:, : len(prefix)] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    for k in range(width):
        chars[:, len(prefix) + width - 1 - k] = 48 + (numbers // 10**k) % 10
    return chars.view(f"S{len(prefix) + width}").ravel().astype(f"U{len(prefix) + width}")


def pick(rng, probs, size) -> np.ndarray:
    return rng.choice(len(probs), size=size, p=np.asarray(probs) / np.sum(probs))


def rand_days(rng, lo, hi) -> np.ndarray:
    """Uniform integer day in [lo, hi] (inclusive), elementwise; hi < lo gives lo."""
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.maximum(np.asarray(hi, dtype=np.int64), lo)
    return lo + np.floor(rng.random(np.broadcast(lo, hi).shape) * (hi - lo + 1)).astype(np.int64)


class Sampler:
    """Draw settings proportionally to weights, within a district, fully vectorised."""

    def __init__(self, weights: np.ndarray, district: np.ndarray, n_districts: int):
        self.order = np.argsort(district, kind="stable")
        w = weights[self.order].astype(float)
        self.cs = np.cumsum(w)
        d_sorted = district[self.order]
        first = np.searchsorted(d_sorted, np.arange(n_districts), side="left")
        last = np.searchsorted(d_sorted, np.arange(n_districts), side="right") - 1
        self.first, self.last = first, last
        before = np.where(first > 0, self.cs[np.maximum(first - 1, 0)], 0.0)
        self.base = before
        self.total = np.where(last >= first, self.cs[np.maximum(last, 0)] - before, 0.0)

    def draw(self, rng, district: np.ndarray) -> np.ndarray:
        target = self.base[district] + rng.random(district.size) * self.total[district]
        pos = np.searchsorted(self.cs, target, side="right")
        pos = np.clip(pos, self.first[district], self.last[district])
        return self.order[pos]

"""Flood control: a founder sending faster than a person types is slowed to a steady rate, told
once, and cannot hold up anyone else or grow memory (the buckets are bounded)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from flows.engine.address import Address


@dataclass
class Bucket:
    """Tokens left and when they were counted; `warned` once per flood."""

    tokens: float
    at: float
    warned: bool = False


class FloodGate:
    """A token bucket per founder: `rate` updates a second, bursts of `burst` (an album of ten
    files and its answers fit). The least recently seen founders are forgotten beyond
    `capacity` (they start full again)."""

    def __init__(
        self,
        rate: float = 5.0,
        burst: int = 30,
        capacity: int = 50_000,
        clock: Callable[[], float] = time.monotonic,
        exempt: frozenset[str] = frozenset({"local"}),
    ) -> None:
        self.rate, self.burst, self.capacity, self.clock = rate, burst, capacity, clock
        self.exempt = exempt  # channels a person runs for themselves (the local chat)
        self._buckets: OrderedDict[Address, Bucket] = OrderedDict()

    def admit(self, founder: Address) -> tuple[bool, bool]:
        """(let the update through, tell the founder to slow down now)."""
        if founder.channel in self.exempt:
            return True, False
        now = self.clock()
        bucket = self._buckets.pop(founder, None) or Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self._buckets[founder] = bucket
        if len(self._buckets) > self.capacity:
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.warned = bucket.warned and bucket.tokens < self.burst / 2
            return True, False
        tell, bucket.warned = not bucket.warned, True
        return False, tell

    def __len__(self) -> int:
        return len(self._buckets)

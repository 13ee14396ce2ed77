"""Injected trouble: latency, error answers and cut connections, reproducibly."""

from __future__ import annotations

import random
from dataclasses import dataclass

# The answers a fault gives instead of doing the work: all three happen on
# real Okta, and the SDK retries 503 and 429 but not 500.
FAULT_STATUSES = (500, 503, 429)


@dataclass(frozen=True)
class FaultDraw:
    latency_seconds: float
    status: int | None  # answer this instead of doing the work
    drop: bool  # do the work, then cut the connection before answering


class FaultPlan:
    """One random.Random(seed), drawn in request order.

    Every request draws the same four numbers whatever the rates are, so a
    seed gives the same sequence of faults for the same sequence of requests.
    """

    def __init__(
        self,
        random_seed: int | None,
        latency_ms: tuple[int, int],
        fault_rate: float,
        drop_rate: float,
    ) -> None:
        self._random = random.Random(random_seed)
        self._latency_ms = latency_ms
        self._fault_rate = fault_rate
        self._drop_rate = drop_rate

    def draw(self) -> FaultDraw:
        low, high = self._latency_ms
        latency = self._random.uniform(low, high) / 1000.0
        fault_roll = self._random.random()
        status = self._random.choice(FAULT_STATUSES)
        drop_roll = self._random.random()
        return FaultDraw(
            latency_seconds=latency,
            status=status if fault_roll < self._fault_rate else None,
            drop=drop_roll < self._drop_rate,
        )

"""A clock the test controls, for the rate-limit budget."""

from __future__ import annotations

from agora_okta.adapter.budget import Clock


class FakeClock(Clock):
    """Time passes only when the budget sleeps; every sleep is recorded."""

    def __init__(self, scale: float = 1.0) -> None:
        super().__init__(scale)
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds

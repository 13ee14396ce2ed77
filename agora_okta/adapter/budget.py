"""Okta's rate-limit budget, as the tool learns it from response headers.

Okta counts requests per endpoint family ("bucket") in one-minute windows and
says, on every answer, how many the window allows (``X-Rate-Limit-Limit``),
how many are left (``-Remaining``) and when it resets (``-Reset``, epoch
seconds of Okta's clock, which ``Date`` gives). The budget keeps, per bucket,
what the last answer said, and makes a request wait only when its bucket has
nothing left: the window is used in full, and no request is spent on a 429.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

# Okta's buckets, by path. Order matters: the first match wins.
_BUCKETS: list[tuple[str, re.Pattern[str]]] = [
    ("app", re.compile(r"^/api/v1/apps/[^/]+$")),
    ("apps", re.compile(r"^/api/v1/apps(/.*)?$")),
    ("user", re.compile(r"^/api/v1/users/[^/]+$")),
    ("users", re.compile(r"^/api/v1/users(/.*)?$")),
    ("groups", re.compile(r"^/api/v1/groups(/.*)?$")),
]


def bucket_of(method: str, path: str) -> str:
    """The bucket Okta counts a request against (``other`` when none is known)."""
    for name, pattern in _BUCKETS:
        if pattern.match(path):
            # Only reads, replaces and deletes of one app have their own bucket;
            # anything else under /api/v1/apps counts against the apps family.
            if name == "app" and method == "POST":
                return "apps"
            return name
    return "other"


class Clock:
    """Real time, with Okta's clock possibly running ``scale`` times faster.

    A sandbox started with ``--time-scale N`` lets N of its seconds pass in one
    real second; waits computed from its headers are divided by the same N.
    Tests replace this class to control time.
    """

    def __init__(self, scale: float = 1.0) -> None:
        self.scale = scale

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


@dataclass
class _Window:
    limit: int
    remaining: int
    # Local monotonic time (real seconds) at which the window resets.
    resets_at: float


@dataclass
class BucketStats:
    requests: int = 0
    rate_limited: int = 0
    waited_seconds: float = 0.0


@dataclass
class RateBudget:
    """What each bucket has left, and how long the rest will take."""

    clock: Clock = field(default_factory=Clock)
    windows: dict[str, _Window] = field(default_factory=dict)
    stats: dict[str, BucketStats] = field(default_factory=dict)

    def stats_for(self, bucket: str) -> BucketStats:
        return self.stats.setdefault(bucket, BucketStats())

    async def acquire(self, bucket: str) -> None:
        """Wait until ``bucket`` has a request left, then count one against it."""
        while True:
            window = self.windows.get(bucket)
            now = self.clock.monotonic()
            if window is None or window.remaining > 0:
                break
            if now >= window.resets_at:
                # The window has turned over; the next answer says by how much.
                del self.windows[bucket]
                break
            wait = window.resets_at - now
            self.stats_for(bucket).waited_seconds += wait
            await self.clock.sleep(wait)
        if window is not None and bucket in self.windows:
            window.remaining -= 1
        self.stats_for(bucket).requests += 1

    def observe(self, bucket: str, headers: Mapping[str, str]) -> None:
        """Take what an answer's headers say about its bucket."""
        try:
            limit = int(headers["X-Rate-Limit-Limit"])
            remaining = int(headers["X-Rate-Limit-Remaining"])
            reset = float(headers["X-Rate-Limit-Reset"])
            okta_now = parsedate_to_datetime(headers["Date"]).timestamp()
        except (KeyError, ValueError, TypeError):
            return
        if limit == 0 and remaining == 0:
            # A concurrency breach reports 0/0; it says nothing about the window.
            return
        seconds_left = max(0.0, reset - okta_now + 1) / self.clock.scale
        window = self.windows.get(bucket)
        resets_at = self.clock.monotonic() + seconds_left
        if window is not None and window.resets_at >= resets_at - 0.5:
            # Answers arrive out of order under concurrency: keep the lowest count.
            remaining = min(remaining, window.remaining)
        self.windows[bucket] = _Window(limit, remaining, resets_at)

    def wait_after_429(self, bucket: str, headers: Mapping[str, str]) -> float:
        """Real seconds to wait after a 429, from its headers (1 s when absent)."""
        self.stats_for(bucket).rate_limited += 1
        self.observe(bucket, headers)
        window = self.windows.get(bucket)
        if window is None:
            return 1.0 / self.clock.scale
        window.remaining = 0
        return max(0.0, window.resets_at - self.clock.monotonic())

    def seconds_for(self, bucket: str, count: int) -> float:
        """Real seconds that ``count`` more requests on ``bucket`` take, at best."""
        window = self.windows.get(bucket)
        if window is None or count <= window.remaining:
            return 0.0
        beyond = count - window.remaining
        minutes = (beyond - 1) // max(window.limit, 1)
        wait = max(0.0, window.resets_at - self.clock.monotonic())
        return wait + minutes * 60.0 / self.clock.scale

"""Okta's rate-limit budget, as the tool learns it from response headers.

Okta counts requests per endpoint family ("bucket") in one-minute windows and
says, on every answer, how many the window allows (``X-Rate-Limit-Limit``),
how many are left (``-Remaining``) and when it resets (``-Reset``, epoch
seconds of Okta's clock, which ``Date`` gives). The budget keeps, per bucket,
what the answers said, and makes a request wait only when its bucket has
nothing left: the window is used in full, and no request is spent on a 429.

Three things make the waits precise rather than merely safe:

- Okta's clock is read from ``Date``, which has whole seconds only. Every
  answer bounds how far Okta's clock is ahead of ours from below (its
  ``Date`` is no later than the moment the answer arrived); the highest bound
  seen is within a round trip of the truth, where one ``Date`` alone may be
  a second behind.
- A window that resets is not assumed empty of others' requests: another
  client of the same token (or of the org's share) may have spent part of
  it. The budget learns how much a fresh window leaves for this run from the
  first answer after each reset.
- Until an answer says how much is left (the first request on a bucket, and
  the first after each reset), only a few requests go out on it, so that a
  burst of lookups cannot overrun a window nobody has measured yet.

A sandbox whose clock runs faster than real time says so in
``X-Sandbox-Time-Scale`` (not an Okta header); waits follow it, so that a
benchmark against a sandbox minute of one real second is paced as Okta is.
"""

from __future__ import annotations

import asyncio
import math
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

WINDOW_SECONDS = 60.0
# Okta seconds added to every wait for a reset: Okta's nodes may not agree to
# the second on when a window turns, and a 429 costs more than a second. It
# is what keeps a long apply at 1.02 times the floor rather than 1.00 (one
# window every 61 s); the okta SDK waits the same extra second.
RESET_MARGIN = 1.0
# Requests let out on a bucket before any answer has said what it has left.
BLIND_REQUESTS = 4
# Real seconds to wait for such an answer before letting one more out (the
# answers may have been lost). Not shortened by a sandbox's time scale: the
# transport learns of a lost answer in real time too.
BLIND_WAIT = 2.0
TIME_SCALE_HEADER = "X-Sandbox-Time-Scale"
_MAX_TIME_SCALE = 1_000_000.0


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
    # What this run may still send in the window: the last answer's count,
    # less the requests let out since.
    remaining: int
    # Local monotonic time (real seconds) from which the window has reset.
    resets_at: float
    # Okta's X-Rate-Limit-Reset for the window (epoch seconds, Okta's clock).
    reset_epoch: float
    # What a fresh window leaves for this run: the limit, less what others
    # spend in it (learnt from the first answer after a reset).
    fresh: int
    # False from a reset until an answer from the new window arrives.
    confirmed: bool = True


@dataclass
class BucketStats:
    requests: int = 0
    rate_limited: int = 0
    waited_seconds: float = 0.0
    windows: int = 0


@dataclass
class RateBudget:
    """What each bucket has left, and how long the rest will take."""

    clock: Clock = field(default_factory=Clock)
    windows: dict[str, _Window] = field(default_factory=dict)
    stats: dict[str, BucketStats] = field(default_factory=dict)
    # Requests let out per bucket since its last answer, while its window
    # is unknown or unconfirmed.
    _blind: dict[str, int] = field(default_factory=dict)
    # Lower bound of (Okta's clock - scale * our monotonic clock), seconds.
    _offset: float = -math.inf
    _answered: asyncio.Event | None = None

    def stats_for(self, bucket: str) -> BucketStats:
        return self.stats.setdefault(bucket, BucketStats())

    async def acquire(self, bucket: str) -> None:
        """Wait until ``bucket`` has a request left, then count one against it."""
        while True:
            wait = self._take(bucket)
            if wait is None:
                break
            if wait == math.inf:
                await self._wait_for_answer(bucket)
                continue
            self.stats_for(bucket).waited_seconds += wait
            await self.clock.sleep(wait)
        self.stats_for(bucket).requests += 1

    def _take(self, bucket: str) -> float | None:
        """Count a request (None), or say how long to wait (inf: for an answer)."""
        window = self.windows.get(bucket)
        now = self.clock.monotonic()
        if window is not None and window.confirmed and now >= window.resets_at:
            self._turn(bucket, window, now)
        if window is None or not window.confirmed:
            allowed = BLIND_REQUESTS
            if window is not None:
                allowed = min(allowed, max(1, window.fresh))
            blind = self._blind.get(bucket, 0)
            if blind >= allowed:
                return math.inf
            self._blind[bucket] = blind + 1
            if window is not None:
                window.remaining -= 1
            return None
        if window.remaining > 0:
            window.remaining -= 1
            return None
        return max(0.0, window.resets_at - now)

    def _turn(self, bucket: str, window: _Window, now: float) -> None:
        """The window has reset on Okta's clock: expect a fresh one, until an
        answer says what it holds."""
        window.remaining = window.fresh
        window.confirmed = False
        window.resets_at = now + WINDOW_SECONDS / self.clock.scale
        self._blind[bucket] = 0

    async def _wait_for_answer(self, bucket: str) -> None:
        if self._answered is None:
            self._answered = asyncio.Event()
        answered = self._answered
        try:
            await asyncio.wait_for(answered.wait(), BLIND_WAIT)
        except TimeoutError:
            # No answer came back (lost, or slow): let one more request out.
            self._blind[bucket] = max(0, self._blind.get(bucket, 0) - 1)

    def observe(self, bucket: str, headers: Mapping[str, str]) -> None:
        """Take what an answer's headers say about its bucket."""
        self._follow_time_scale(headers)
        try:
            limit = int(headers["X-Rate-Limit-Limit"])
            remaining = int(headers["X-Rate-Limit-Remaining"])
            reset = float(headers["X-Rate-Limit-Reset"])
            date = parsedate_to_datetime(headers["Date"]).timestamp()
        except (KeyError, ValueError, TypeError):
            return
        if limit == 0 and remaining == 0:
            # A concurrency breach reports 0/0; it says nothing about the window.
            return
        now = self.clock.monotonic()
        self._read_okta_clock(date, now)
        resets_at = now + self._seconds_to(reset, now)
        self._learn(bucket, _Window(limit, remaining, resets_at, reset, limit))
        if self._answered is not None:
            self._answered.set()
            self._answered = None

    def _learn(self, bucket: str, seen: _Window) -> None:
        window = self.windows.get(bucket)
        if window is not None:
            if seen.reset_epoch < window.reset_epoch or (
                not window.confirmed and seen.reset_epoch == window.reset_epoch
            ):
                # An answer from a window already over, arriving late.
                return
            if seen.reset_epoch == window.reset_epoch:
                # Answers arrive out of order under concurrency: keep the lowest.
                window.remaining = min(window.remaining, seen.remaining)
                window.limit = seen.limit
                # The bound on Okta's clock only gets better: so does the reset.
                window.resets_at = seen.resets_at
                return
            # After a reset this run saw, the first answer tells what others
            # left of the window; joined midway, the limit is all there is.
            seen.fresh = window.fresh
            if not window.confirmed:
                seen.fresh = max(1, min(seen.limit, seen.remaining + 1))
        # The first answer from a window: requests let out before it that it
        # does not count are still on their way; count them too.
        blind = self._blind.get(bucket, 0)
        seen.remaining = max(0, seen.remaining - max(0, blind - 1))
        self._blind[bucket] = 0
        self.windows[bucket] = seen
        self.stats_for(bucket).windows += 1

    def _read_okta_clock(self, date: float, now: float) -> None:
        """Raise the lower bound of Okta's clock offset with one ``Date``."""
        offset = date - self.clock.scale * now
        if offset < self._offset - 2 * RESET_MARGIN:
            # Okta's clock stepped back (or this answer came from a node
            # whose clock lags): start over from it rather than run ahead.
            self._offset = offset
        self._offset = max(self._offset, offset)

    def _seconds_to(self, reset: float, now: float) -> float:
        """Real seconds from ``now`` until Okta's clock passes ``reset``, with
        the margin."""
        okta_now = self._offset + self.clock.scale * now
        return max(0.0, reset - okta_now + RESET_MARGIN) / self.clock.scale

    def _follow_time_scale(self, headers: Mapping[str, str]) -> None:
        value = headers.get(TIME_SCALE_HEADER)
        if value is None:
            return
        try:
            scale = float(value)
        except ValueError:
            return
        # Only ever faster than real time, and never absurdly: a wrong value
        # can then cost a 429, not a stalled run.
        if not 1.0 <= scale <= _MAX_TIME_SCALE or scale == self.clock.scale:
            return
        self.clock.scale = scale
        self._offset = -math.inf

    def wait_after_429(self, bucket: str, headers: Mapping[str, str]) -> float:
        """Real seconds to wait after a 429, from its headers (1 s when absent)."""
        self.stats_for(bucket).rate_limited += 1
        self.observe(bucket, headers)
        window = self.windows.get(bucket)
        short = RESET_MARGIN / self.clock.scale
        if window is None or headers.get("X-Rate-Limit-Limit") == "0":
            # No window known, or a concurrency breach (0/0): try again soon.
            return short
        try:
            reset = float(headers["X-Rate-Limit-Reset"])
        except (KeyError, ValueError):
            return short
        if reset < window.reset_epoch:
            # From a window already over: the next one has room.
            return 0.0
        now = self.clock.monotonic()
        if not window.confirmed and reset == window.reset_epoch:
            # Okta still counts in the window this run took as over: its
            # counter turns later than its Date says. Wait for it again, at
            # least the margin each time (the transport gives up after a few).
            window.confirmed = True
            window.resets_at = now + max(short, self._seconds_to(reset, now))
        window.remaining = 0
        return max(0.0, window.resets_at - now)

    def seconds_for(self, bucket: str, count: int) -> float:
        """Real seconds that ``count`` more requests on ``bucket`` take, at best."""
        window = self.windows.get(bucket)
        if window is None or count <= window.remaining:
            return 0.0
        beyond = count - max(0, window.remaining)
        minutes = (beyond - 1) // max(window.fresh, 1)
        wait = max(0.0, window.resets_at - self.clock.monotonic())
        return wait + minutes * WINDOW_SECONDS / self.clock.scale

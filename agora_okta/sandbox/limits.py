"""Okta's rate-limit buckets, one per-minute window each, on the sandbox clock."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from agora_okta.sandbox.clock import SandboxClock

WINDOW_SECONDS = 60.0

# What "off" sends in X-Rate-Limit-Limit: large, so no client ever waits.
UNLIMITED = 1_000_000


@dataclass(frozen=True)
class Bucket:
    name: str
    covers: str
    workforce_per_minute: int
    source: str

    @property
    def token_share(self) -> int:
        """One API token may use 50% of a bucket by default (FACTS.md)."""
        return self.workforce_per_minute // 2


# Per-minute limits of a Workforce org, last published values, as listed in
# ../shared/okta/FACTS.md ("Rate limits"). "realistic" gives one API token its
# default 50% share: apps 50, app by id 250, users 300, user by id 1000,
# groups 250. Real answers in recordings/ agree: modern orgs sent
# X-Rate-Limit-Limit 50 for the apps family and 250 for DELETE /apps/{id}.
BUCKETS: dict[str, Bucket] = {
    bucket.name: bucket
    for bucket in (
        Bucket("apps", "/api/v1/apps and everything below it", 100, "FACTS.md"),
        Bucket("app_by_id", "GET, PUT, DELETE /api/v1/apps/{id}", 500, "FACTS.md"),
        Bucket("users", "/api/v1/users and everything below it", 600, "FACTS.md"),
        Bucket("user_by_id", "GET /api/v1/users/{id or login}", 2000, "FACTS.md"),
        # FACTS.md gives 500-1000 for groups; the lower end is the safe choice.
        Bucket("groups", "/api/v1/groups and everything below it", 500, "FACTS.md"),
        # Not Okta's: paths the sandbox does not serve still need headers.
        Bucket("other", "any other path", 1200, "sandbox default"),
    )
}

_APP_BY_ID = re.compile(r"^/api/v1/apps/[^/]+/?$")
_USER_BY_ID = re.compile(r"^/api/v1/users/[^/]+/?$")


def bucket_for(method: str, path: str) -> str:
    """The bucket a request counts against."""
    if path.startswith("/api/v1/apps"):
        if _APP_BY_ID.match(path) and method in ("GET", "PUT", "DELETE"):
            return "app_by_id"
        return "apps"
    if path.startswith("/api/v1/users"):
        if _USER_BY_ID.match(path) and method == "GET":
            return "user_by_id"
        return "users"
    if path.startswith("/api/v1/groups"):
        return "groups"
    return "other"


@dataclass(frozen=True)
class RateState:
    """What the X-Rate-Limit-* headers say after a request."""

    limit: int
    remaining: int
    reset: int
    allowed: bool


class _Window:
    def __init__(self, start: float, used: int) -> None:
        self.start = start
        self.used = used


class RateLimiter:
    """Fixed one-minute windows per bucket, opened by the first request.

    Only the server's event loop calls it, so it needs no lock.
    """

    def __init__(
        self,
        clock: SandboxClock,
        mode: str,
        overrides: dict[str, int] | None = None,
        foreign_usage: float = 0.0,
    ) -> None:
        unknown = set(overrides or {}) - set(BUCKETS)
        if unknown:
            names = ", ".join(sorted(BUCKETS))
            raise ValueError(
                f"bucket_limits: unknown bucket {sorted(unknown)}; known: {names}"
            )
        self._clock = clock
        self._mode = mode
        self._overrides = dict(overrides or {})
        self._foreign_usage = foreign_usage
        self._windows: dict[str, _Window] = {}

    def limit(self, bucket: str) -> int | None:
        """The per-minute limit enforced for bucket; None when not enforced."""
        if bucket in self._overrides:
            return self._overrides[bucket]
        if self._mode == "realistic":
            return BUCKETS[bucket].token_share
        return None

    def take(self, bucket: str) -> RateState:
        """Count one request against bucket, unless its window is spent."""
        window, limit = self._current(bucket)
        if limit is not None and window.used >= limit:
            return self._state(window, limit, allowed=False)
        window.used += 1
        return self._state(window, limit, allowed=True)

    def peek(self, bucket: str) -> RateState:
        """The headers for an answer that does not count (401, faults)."""
        window, limit = self._current(bucket)
        return self._state(window, limit, allowed=True)

    def _current(self, bucket: str) -> tuple[_Window, int | None]:
        now = self._clock.now()
        limit = self.limit(bucket)
        window = self._windows.get(bucket)
        if window is None or now >= window.start + WINDOW_SECONDS:
            shown = UNLIMITED if limit is None else limit
            # Another client of the org may already have used part of it.
            # Windows open on a whole second, so Reset - Date is at most 60.
            window = _Window(math.floor(now), math.floor(shown * self._foreign_usage))
            self._windows[bucket] = window
        return window, limit

    def _state(self, window: _Window, limit: int | None, allowed: bool) -> RateState:
        shown = UNLIMITED if limit is None else limit
        return RateState(
            limit=shown,
            remaining=max(0, shown - window.used),
            reset=int(window.start + WINDOW_SECONDS),
            allowed=allowed,
        )

"""The sandbox clock, which may run faster than real time, and Okta's time formats."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import formatdate


class SandboxClock:
    """Sandbox time = start + time_scale x real time elapsed since start."""

    def __init__(self, time_scale: float = 1.0, start: float | None = None) -> None:
        self.time_scale = time_scale
        self._start = time.time() if start is None else start
        self._start_monotonic = time.monotonic()

    def now(self) -> float:
        """Epoch seconds on the sandbox clock."""
        elapsed = time.monotonic() - self._start_monotonic
        return self._start + self.time_scale * elapsed

    def real_seconds(self, sandbox_seconds: float) -> float:
        """How long sandbox_seconds last in real time."""
        return sandbox_seconds / self.time_scale


def iso_millis(epoch: float) -> str:
    """Okta's usual timestamp: ``2026-03-25T13:45:41.000Z``."""
    moment = datetime.fromtimestamp(int(epoch), tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def iso_seconds(epoch: float) -> str:
    """The group push mapping API's timestamp, without milliseconds."""
    moment = datetime.fromtimestamp(int(epoch), tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def http_date(epoch: float) -> str:
    """An HTTP ``Date`` header value: ``Wed, 25 Mar 2026 13:45:41 GMT``."""
    return formatdate(epoch, usegmt=True)

"""How a sandbox runs: its address, token, seed, rate limits and faults."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

# Clearly not a real Okta token: real ones are 42 characters of base64url.
DEV_TOKEN = "00sandbox-development-token-not-a-secret"


@dataclass
class SandboxSettings:
    """Everything a sandbox needs to know before it starts.

    ``time_scale`` makes N sandbox seconds pass in one real second: rate-limit
    windows, ``Date`` and ``X-Rate-Limit-Reset`` follow the sandbox clock, and
    answers carry ``X-Sandbox-Time-Scale`` (not an Okta header) so that a
    client can follow it. The okta SDK's own 429 backoff sleeps
    Reset - Date + 1 *real* seconds, so a fast clock does not shorten it.
    ``latency_ms`` is real time, unless ``scale_latency``: then it is sandbox
    time, each answer waiting latency / time_scale real seconds. Okta's 200 ms
    is a thirtieth of its one-minute window, so 50 answers in a row take 10 s of
    it; with real-time latency under a time scale of 60, the same 50 answers
    would take ten windows, and a benchmark would measure latency, not the
    budget. Real-time latency stays the default for tests of timeouts.
    ``fault_rate`` is the share of requests answered 500, 503 or 429 before
    any change is made; ``drop_rate`` the share whose change is made and whose
    connection is then cut before any byte of the answer.
    ``bucket_limits`` overrides the per-minute limit of named buckets (see
    ``limits.BUCKETS``); an overridden bucket is enforced even when
    ``rate_limits`` is ``"off"``. ``foreign_usage`` is the share of every
    window already used by another client of the same org.
    """

    host: str = "127.0.0.1"
    port: int = 0
    token: str = DEV_TOKEN
    seed: dict[str, Any] | None = None
    rate_limits: Literal["realistic", "off"] = "off"
    time_scale: float = 1.0
    latency_ms: tuple[int, int] = (0, 0)
    scale_latency: bool = False
    fault_rate: float = 0.0
    drop_rate: float = 0.0
    random_seed: int | None = None
    request_log: Path | None = None
    provisioning_api: bool = False
    concurrency_limit: int = 35
    bucket_limits: dict[str, int] | None = None
    foreign_usage: float = 0.0

    def check(self) -> None:
        """Raise ValueError naming the first setting that cannot work."""
        if not self.token:
            raise ValueError("token: must not be empty")
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port: {self.port} is not a TCP port")
        if self.rate_limits not in ("realistic", "off"):
            raise ValueError(
                f"rate_limits: {self.rate_limits!r} is not 'realistic' or 'off'"
            )
        if not math.isfinite(self.time_scale) or self.time_scale <= 0:
            raise ValueError(f"time_scale: {self.time_scale} must be above 0")
        low, high = self.latency_ms
        if low < 0 or high < low:
            raise ValueError(f"latency_ms: {low}-{high} is not a range MIN-MAX >= 0")
        for name in ("fault_rate", "drop_rate", "foreign_usage"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name}: {value} is not between 0 and 1")
        if self.concurrency_limit < 1:
            raise ValueError(f"concurrency_limit: {self.concurrency_limit} < 1")
        for bucket, limit in (self.bucket_limits or {}).items():
            if limit < 0:
                raise ValueError(f"bucket_limits: {bucket}: {limit} is below 0")

"""The rate-limit budget, with time under the test's control."""

from __future__ import annotations

import asyncio
from email.utils import formatdate

import pytest
from clock_support import FakeClock

from agora_okta.adapter.budget import RateBudget, bucket_of


def headers(limit: int, remaining: int, reset_in: int, okta_now: int = 1_700_000_000):
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": str(remaining),
        "X-Rate-Limit-Reset": str(okta_now + reset_in),
        "Date": formatdate(okta_now, usegmt=True),
    }


@pytest.mark.parametrize(
    ("method", "path", "bucket"),
    [
        ("GET", "/api/v1/apps", "apps"),
        ("POST", "/api/v1/apps", "apps"),
        ("GET", "/api/v1/apps/0oa1", "app"),
        ("PUT", "/api/v1/apps/0oa1", "app"),
        ("GET", "/api/v1/apps/0oa1/users", "apps"),
        ("PUT", "/api/v1/apps/0oa1/groups/00g1", "apps"),
        ("GET", "/api/v1/users", "users"),
        ("GET", "/api/v1/users/alice@example.com", "user"),
        ("GET", "/api/v1/groups", "groups"),
        ("GET", "/api/v1/orgs", "other"),
    ],
)
def test_bucket_of(method: str, path: str, bucket: str) -> None:
    assert bucket_of(method, path) == bucket


def test_acquire_spends_the_window_then_waits_for_its_reset() -> None:
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    budget.observe("apps", headers(limit=50, remaining=2, reset_in=30))

    async def take(n: int) -> None:
        for _ in range(n):
            await budget.acquire("apps")

    asyncio.run(take(2))
    assert clock.slept == []
    asyncio.run(take(1))
    # Reset is 30 s away on Okta's clock, plus one second of margin.
    assert clock.slept == [pytest.approx(31.0)]
    assert budget.stats["apps"].requests == 3


def test_time_scale_shortens_waits() -> None:
    clock = FakeClock(scale=60.0)
    budget = RateBudget(clock=clock)
    budget.observe("apps", headers(limit=50, remaining=0, reset_in=59))
    asyncio.run(budget.acquire("apps"))
    assert clock.slept == [pytest.approx(1.0)]


def test_concurrency_breach_headers_do_not_empty_the_window() -> None:
    budget = RateBudget(clock=FakeClock())
    budget.observe("apps", headers(limit=0, remaining=0, reset_in=10))
    assert "apps" not in budget.windows


def test_out_of_order_answers_keep_the_lowest_remaining() -> None:
    budget = RateBudget(clock=FakeClock())
    budget.observe("apps", headers(limit=50, remaining=10, reset_in=30))
    budget.observe("apps", headers(limit=50, remaining=12, reset_in=30))
    assert budget.windows["apps"].remaining == 10


def test_seconds_for_counts_whole_windows() -> None:
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    budget.observe("apps", headers(limit=50, remaining=10, reset_in=19))
    assert budget.seconds_for("apps", 10) == 0
    # 10 now, then 50 after the reset in 20 s, then one more window of 60 s.
    assert budget.seconds_for("apps", 60) == pytest.approx(20.0)
    assert budget.seconds_for("apps", 61) == pytest.approx(80.0)


def test_missing_headers_are_ignored() -> None:
    budget = RateBudget(clock=FakeClock())
    budget.observe("apps", {"Date": "not a date"})
    assert budget.windows == {}

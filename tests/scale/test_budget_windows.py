"""The rate-limit budget at the edges of its windows, with time under the
test's control: resets, what others spend, late answers, Okta's clock."""

from __future__ import annotations

import asyncio
from email.utils import formatdate

import pytest
from clock_support import FakeClock

from agora_okta.adapter.budget import (
    BLIND_REQUESTS,
    RESET_MARGIN,
    TIME_SCALE_HEADER,
    RateBudget,
)

OKTA_START = 1_700_000_000


def answer(
    remaining: int,
    reset: int,
    date: int,
    limit: int = 50,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Headers as Okta sends them: epoch seconds, a whole-second Date."""
    return {
        "X-Rate-Limit-Limit": str(limit),
        "X-Rate-Limit-Remaining": str(remaining),
        "X-Rate-Limit-Reset": str(reset),
        "Date": formatdate(date, usegmt=True),
        **(extra or {}),
    }


def take(budget: RateBudget, count: int, bucket: str = "apps") -> None:
    async def run() -> None:
        for _ in range(count):
            await budget.acquire(bucket)

    asyncio.run(run())


def test_a_window_is_spent_then_the_next_opens_after_its_reset() -> None:
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    reset = OKTA_START + 30
    budget.observe("apps", answer(remaining=49, reset=reset, date=OKTA_START))

    take(budget, 49)
    assert clock.slept == []
    take(budget, 1)
    assert clock.slept == [pytest.approx(30 + RESET_MARGIN)]

    # The reset lets one request out; its answer says what the window holds.
    next_reset = reset + 60
    budget.observe("apps", answer(49, next_reset, date=reset + 1))
    take(budget, 49)
    assert len(clock.slept) == 1
    assert budget.stats["apps"].requests == 99
    assert budget.stats["apps"].windows == 2


def test_a_later_date_makes_the_wait_shorter() -> None:
    """Date has whole seconds: an answer just after a second turned says more
    about Okta's clock than one just before."""
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    reset = OKTA_START + 30
    budget.observe("apps", answer(remaining=10, reset=reset, date=OKTA_START))
    first = budget.windows["apps"].resets_at
    clock.now += 0.9
    budget.observe("apps", answer(remaining=9, reset=reset, date=OKTA_START + 1))
    assert budget.windows["apps"].resets_at == pytest.approx(first - 0.1)


def test_the_sandbox_time_scale_header_shortens_waits() -> None:
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    headers = answer(0, OKTA_START + 59, OKTA_START, extra={TIME_SCALE_HEADER: "60"})
    budget.observe("apps", headers)
    take(budget, 1)
    assert clock.scale == 60
    assert clock.slept == [pytest.approx((59 + RESET_MARGIN) / 60)]


@pytest.mark.parametrize("value", ["0.5", "0", "fast", "1e9"])
def test_a_time_scale_that_would_slow_or_stall_is_ignored(value: str) -> None:
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    budget.observe(
        "apps",
        answer(5, OKTA_START + 10, OKTA_START, extra={TIME_SCALE_HEADER: value}),
    )
    assert clock.scale == 1.0


def test_only_a_few_requests_go_out_before_any_answer() -> None:
    budget = RateBudget(clock=FakeClock())

    async def run() -> tuple[int, int]:
        waiting = [asyncio.create_task(budget.acquire("users")) for _ in range(10)]
        await asyncio.sleep(0)
        before = sum(task.done() for task in waiting)
        budget.observe("users", answer(296, OKTA_START + 60, OKTA_START, limit=300))
        await asyncio.gather(*waiting)
        return before, sum(task.done() for task in waiting)

    assert asyncio.run(run()) == (BLIND_REQUESTS, 10)
    # The first answer counted one of the four; the other three are on the way.
    assert budget.windows["users"].remaining == 296 - (BLIND_REQUESTS - 1) - 6


def test_a_fresh_window_learns_what_another_client_spends() -> None:
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    reset = OKTA_START + 10
    budget.observe("apps", answer(remaining=0, reset=reset, date=OKTA_START))
    take(budget, 1)
    # Another client spent 25 of the new window before this run's request.
    budget.observe("apps", answer(remaining=24, reset=reset + 60, date=reset + 1))
    window = budget.windows["apps"]
    assert (window.fresh, window.remaining) == (25, 24)
    # 24 now, then 25 a window: 74 more take two more windows.
    wait = window.resets_at - clock.now
    assert budget.seconds_for("apps", 74) == pytest.approx(wait + 60)


def test_late_answers_from_a_finished_window_change_nothing() -> None:
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    reset = OKTA_START + 10
    budget.observe("apps", answer(remaining=0, reset=reset, date=OKTA_START))
    take(budget, 1)
    budget.observe("apps", answer(remaining=40, reset=reset + 60, date=reset + 1))
    budget.observe("apps", answer(remaining=0, reset=reset, date=reset - 1))
    assert budget.windows["apps"].remaining == 40
    stale_429 = answer(remaining=0, reset=reset, date=reset - 1)
    assert budget.wait_after_429("apps", stale_429) == 0.0
    assert budget.windows["apps"].remaining == 40


def test_a_429_in_the_current_window_waits_for_its_reset() -> None:
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    reset = OKTA_START + 20
    budget.observe("apps", answer(remaining=3, reset=reset, date=OKTA_START))
    wait = budget.wait_after_429("apps", answer(0, reset, OKTA_START))
    assert wait == pytest.approx(20 + RESET_MARGIN)
    assert budget.windows["apps"].remaining == 0
    assert budget.stats["apps"].rate_limited == 1


def test_a_concurrency_refusal_waits_a_moment_not_a_window() -> None:
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    budget.observe("apps", answer(remaining=30, reset=OKTA_START + 40, date=OKTA_START))
    refusal = answer(remaining=0, reset=OKTA_START, date=OKTA_START, limit=0)
    assert budget.wait_after_429("apps", refusal) == pytest.approx(RESET_MARGIN)
    assert budget.windows["apps"].remaining == 30


def test_a_429_from_a_window_okta_has_not_yet_closed_waits_again() -> None:
    """Okta's counter may turn later than its Date says: a 429 that still
    names the window this run took as over means it is not over yet."""
    clock = FakeClock()
    budget = RateBudget(clock=clock)
    reset = OKTA_START + 10
    budget.observe("apps", answer(remaining=0, reset=reset, date=OKTA_START))
    take(budget, 1)  # waits for the reset, then goes out unconfirmed
    refused = answer(remaining=0, reset=reset, date=reset)
    wait = budget.wait_after_429("apps", refused)
    assert wait >= RESET_MARGIN
    window = budget.windows["apps"]
    assert (window.confirmed, window.remaining) == (True, 0)

"""What every answer carries, the token check, rate limits, the concurrency
limit, the sandbox clock, faults, dropped answers and the request log."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from okta.models import SamlApplication
from okta.request_executor import RequestExecutor

from agora_okta.sandbox import BUCKETS, Sandbox
from agora_okta.sandbox.faults import FaultPlan

from .conftest import SAML_APP, SandboxFactory, client, raw, run


async def _get(
    url: str, authorization: str | None, method: str = "GET", body: Any = None
) -> tuple[int, dict[str, str], Any]:
    headers = {} if authorization is None else {"Authorization": authorization}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, url, headers=headers, json=body) as response,
    ):
        text = await response.text()
        return response.status, dict(response.headers), json.loads(text or "null")


def test_both_token_forms_work_and_a_bad_token_is_401(sandbox: Sandbox) -> None:
    url = f"{sandbox.url}/api/v1/users"
    token = sandbox.token

    async def scenario() -> list[tuple[int, dict[str, str], Any]]:
        forms = [f"SSWS {token}", f"SSWS{token}", "SSWS wrong", f"Bearer {token}", None]
        return [await _get(url, form) for form in forms]

    spaced, unspaced, wrong, bearer, missing = run(scenario)

    assert spaced[0] == unspaced[0] == 200
    for status, headers, body in (wrong, bearer, missing):
        assert status == 401
        assert body["errorCode"] == "E0000011"
        assert body["errorSummary"] == "Invalid token provided"
        assert "X-Rate-Limit-Limit" in headers


def test_sdk_with_a_bad_token_gets_e0000011(sandbox: Sandbox) -> None:
    async def scenario() -> tuple[Any, Any]:
        okta = client(sandbox, token="00not-the-token")
        typed = await okta.list_users()
        answer = await raw(okta, "GET", f"{sandbox.url}/api/v1/users")
        return typed, answer

    typed, answer = run(scenario)

    assert typed[0] is None and "E0000011" in str(typed[-1])
    assert (answer.status, answer.body["errorCode"]) == (401, "E0000011")


def test_every_answer_carries_okta_headers(sandbox: Sandbox) -> None:
    auth = f"SSWS {sandbox.token}"

    async def scenario() -> dict[str, tuple[int, dict[str, str], Any]]:
        app = await _get(f"{sandbox.url}/api/v1/apps", auth, "POST", SAML_APP)
        app_url = f"{sandbox.url}/api/v1/apps/{app[2]['id']}"
        await _get(f"{app_url}/lifecycle/deactivate", auth, "POST")
        return {
            "created": app,
            "not_found": await _get(f"{sandbox.url}/api/v1/apps/0oanope", auth),
            "bad_body": await _get(f"{sandbox.url}/api/v1/apps", auth, "POST", [1]),
            "unknown_path": await _get(f"{sandbox.url}/api/v1/nothing", auth),
            "wrong_method": await _get(f"{sandbox.url}/api/v1/apps", auth, "PATCH"),
            "deleted": await _get(app_url, auth, "DELETE"),
        }

    answers = run(scenario)

    for name, (status, headers, _) in answers.items():
        for header in (
            "X-Rate-Limit-Limit",
            "X-Rate-Limit-Remaining",
            "X-Rate-Limit-Reset",
            "Date",
            "X-Okta-Request-Id",
        ):
            assert header in headers, (name, header)
        if status == 204:
            assert "Content-Type" not in headers
        else:
            assert headers["Content-Type"] == "application/json", name
    codes = {name: (a[0], (a[2] or {}).get("errorCode")) for name, a in answers.items()}
    assert codes["not_found"] == (404, "E0000007")
    assert codes["bad_body"] == (400, "E0000003")
    assert codes["unknown_path"] == (404, "E0000007")
    assert codes["wrong_method"] == (405, "E0000022")
    assert codes["deleted"] == (204, None)


def test_realistic_limits_are_one_tokens_share_per_bucket(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(
        rate_limits="realistic", seed={"users": [{"email": "a@x.io"}]}
    )
    auth = f"SSWS {sandbox.token}"
    base = f"{sandbox.url}/api/v1"

    async def scenario() -> dict[str, str]:
        app = await _get(f"{base}/apps", auth, "POST", SAML_APP)
        app_id = app[2]["id"]
        calls = {
            "apps": ("GET", f"{base}/apps"),
            "app_by_id": ("GET", f"{base}/apps/{app_id}"),
            "app_users": ("GET", f"{base}/apps/{app_id}/users"),
            "lifecycle": ("POST", f"{base}/apps/{app_id}/lifecycle/deactivate"),
            "delete_app": ("DELETE", f"{base}/apps/{app_id}"),
            "users": ("GET", f"{base}/users"),
            "user_by_login": ("GET", f"{base}/users/a@x.io"),
            "groups": ("GET", f"{base}/groups"),
        }
        found = {}
        for name, (method, url) in calls.items():
            _, headers, _ = await _get(url, auth, method)
            found[name] = headers["X-Rate-Limit-Limit"]
        return found

    assert run(scenario) == {
        "apps": "50",
        "app_by_id": "250",
        "app_users": "50",
        "lifecycle": "50",
        "delete_app": "250",
        "users": "300",
        "user_by_login": "1000",
        "groups": "250",
    }
    assert {name: b.token_share for name, b in BUCKETS.items()}["apps"] == 50


def test_a_spent_window_is_429_and_the_sdk_retries_after_it(
    make_sandbox: SandboxFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    time_scale = 60.0
    sandbox = make_sandbox(bucket_limits={"users": 2}, time_scale=time_scale)
    waits: list[float] = []

    async def scaled_pause(self: RequestExecutor, backoff: float) -> None:
        # The SDK sleeps (reset - Date + 1) sandbox seconds; on the sped-up
        # sandbox clock that is backoff / time_scale real seconds.
        waits.append(float(backoff))
        await asyncio.sleep(float(backoff) / time_scale)

    monkeypatch.setattr(RequestExecutor, "pause_for_backoff", scaled_pause)

    async def scenario() -> tuple[list[Any], Any]:
        okta = client(sandbox)
        results = [await okta.list_users() for _ in range(3)]
        no_retry = client(sandbox, rateLimit={"maxRetries": 0})
        for _ in range(2):
            await raw(no_retry, "GET", f"{sandbox.url}/api/v1/users")
        refused = await raw(no_retry, "GET", f"{sandbox.url}/api/v1/users")
        return results, refused

    results, refused = run(scenario)

    assert all(result[-1] is None for result in results)
    statuses = [e["status"] for e in sandbox.requests()][:4]
    assert statuses == [200, 200, 429, 200]
    assert len(waits) == 1 and 1 <= waits[0] <= 61
    assert refused.status == 429
    assert refused.body["errorCode"] == "E0000047"
    assert refused.header("x-rate-limit-remaining") == "0"
    reset = int(refused.header("x-rate-limit-reset") or 0)
    date = parsedate_to_datetime(refused.header("date") or "").timestamp()
    assert 0 <= reset - date <= 60


def test_foreign_usage_uses_part_of_every_window(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(rate_limits="realistic", foreign_usage=0.5)

    async def scenario() -> dict[str, str]:
        _, headers, _ = await _get(
            f"{sandbox.url}/api/v1/apps", f"SSWS {sandbox.token}"
        )
        return headers

    headers = run(scenario)

    assert (headers["X-Rate-Limit-Limit"], headers["X-Rate-Limit-Remaining"]) == (
        "50",
        "24",
    )


def test_concurrency_breach_is_429_with_limit_and_remaining_zero(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(concurrency_limit=2, latency_ms=(300, 300))
    auth = f"SSWS {sandbox.token}"

    async def scenario() -> list[tuple[int, dict[str, str], Any]]:
        calls = [_get(f"{sandbox.url}/api/v1/groups", auth) for _ in range(4)]
        return list(await asyncio.gather(*calls))

    answers = run(scenario)

    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200, 200, 429, 429]
    for status, headers, body in answers:
        if status == 429:
            assert body["errorCode"] == "E0000047"
            assert headers["X-Rate-Limit-Limit"] == "0"
            assert headers["X-Rate-Limit-Remaining"] == "0"


def test_time_scale_moves_date_and_reset(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(time_scale=3600.0)
    auth = f"SSWS {sandbox.token}"

    async def scenario() -> tuple[float, float, int]:
        started = time.time()
        await asyncio.sleep(0.5)
        _, headers, _ = await _get(f"{sandbox.url}/api/v1/groups", auth)
        date = parsedate_to_datetime(headers["Date"]).timestamp()
        return started, date, int(headers["X-Rate-Limit-Reset"])

    started, date, reset = run(scenario)

    # Half a real second is half an hour on the sandbox clock.
    assert 1500 <= date - started <= 3000
    assert 0 <= reset - date <= 61


def test_latency_is_added(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(latency_ms=(120, 150))

    async def scenario() -> float:
        started = time.monotonic()
        await _get(f"{sandbox.url}/api/v1/groups", f"SSWS {sandbox.token}")
        return time.monotonic() - started

    assert run(scenario) >= 0.12


def _fault_statuses(sandbox: Sandbox, count: int) -> list[int]:
    async def scenario() -> list[int]:
        auth = f"SSWS {sandbox.token}"
        return [
            (await _get(f"{sandbox.url}/api/v1/groups", auth))[0] for _ in range(count)
        ]

    return run(scenario)


def test_faults_are_reproducible_from_the_random_seed(
    make_sandbox: SandboxFactory,
) -> None:
    first = _fault_statuses(make_sandbox(fault_rate=0.5, random_seed=7), 30)
    again = _fault_statuses(make_sandbox(fault_rate=0.5, random_seed=7), 30)
    other = _fault_statuses(make_sandbox(fault_rate=0.5, random_seed=8), 30)

    assert first == again
    assert first != other
    assert set(first) <= {200, 500, 503, 429}
    assert {500, 503, 429} & set(first) and 200 in first


def test_a_fault_answers_without_making_the_change(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(fault_rate=1.0, random_seed=1)

    async def scenario() -> list[tuple[int, dict[str, str], Any]]:
        auth = f"SSWS {sandbox.token}"
        url = f"{sandbox.url}/api/v1/apps"
        return [await _get(url, auth, "POST", SAML_APP) for _ in range(6)]

    answers = run(scenario)
    console = run(lambda: _get(f"{sandbox.url}/console/requests", None))

    # Faults never touch the console stand-in.
    assert console[0] == 200
    assert sandbox.org.app_ids() == []
    assert sandbox.requests() and all(e["status"] >= 429 for e in sandbox.requests())
    for status, headers, body in answers:
        assert status in (500, 503, 429)
        assert body["errorCode"] in ("E0000009", "E0000010", "E0000047")
        # What the SDK needs to back off and retry.
        assert "Date" in headers and "X-Rate-Limit-Reset" in headers


def test_a_dropped_answer_made_the_change(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(drop_rate=1.0)

    async def scenario() -> tuple[Exception | None, Any, Exception | None]:
        okta = client(sandbox)
        typed_failure = None
        try:
            await okta.create_application(SamlApplication.from_dict(SAML_APP))
        except AttributeError as error:
            typed_failure = error
        executor = okta.get_request_executor()
        request, _ = await executor.create_request(
            "POST", f"{sandbox.url}/api/v1/apps", SAML_APP, {}
        )
        executed = await executor.execute(request)
        failure = None
        try:
            await _get(f"{sandbox.url}/api/v1/groups", f"SSWS {sandbox.token}")
        except aiohttp.ClientError as error:
            failure = error
        return typed_failure, executed, failure

    typed_failure, executed, failure = run(scenario)

    # The SDK's typed methods do not expect a missing answer: they crash.
    assert typed_failure is not None and "status" in str(typed_failure)
    # Its request executor hands the disconnect back as an error.
    response, _, error = executed
    assert response is None and isinstance(error, aiohttp.ServerDisconnectedError)
    assert isinstance(failure, aiohttp.ServerDisconnectedError)
    # The client saw no answer, yet both apps exist.
    assert len(sandbox.org.app_ids()) == 2
    # aiohttp sends an idempotent GET a second time after a disconnect; the
    # POSTs it does not repeat.
    log = sandbox.requests()
    assert [e["method"] for e in log] == ["POST", "POST", "GET", "GET"]
    assert all(e["dropped"] for e in log)


def test_request_log_file_and_console_requests(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    log_file = tmp_path / "requests.jsonl"
    sandbox = make_sandbox(request_log=log_file)

    async def scenario() -> tuple[int, Any]:
        okta = client(sandbox)
        await okta.list_users(limit=5)
        await raw(okta, "GET", f"{sandbox.url}/api/v1/groups?q=Eng")
        await raw(okta, "GET", f"{sandbox.url}/api/v1/apps/0oanope")
        status, _, log = await _get(f"{sandbox.url}/console/requests", None)
        return status, log

    status, console_log = run(scenario)
    sandbox.stop()

    lines = [json.loads(line) for line in log_file.read_text().splitlines()]
    assert status == 200
    assert lines == console_log == sandbox.requests()
    assert [(e["method"], e["path"], e["status"]) for e in lines] == [
        ("GET", "/api/v1/users", 200),
        ("GET", "/api/v1/groups", 200),
        ("GET", "/api/v1/apps/0oanope", 404),
    ]
    assert lines[0]["query"] == {"limit": "5"}
    assert [e["bucket"] for e in lines] == ["users", "groups", "app_by_id"]
    assert all(e["start"] <= e["end"] for e in lines)
    assert lines == sorted(lines, key=lambda e: e["start"])
    assert sandbox.token not in log_file.read_text()


def test_console_reset_returns_to_the_seed(sandbox: Sandbox) -> None:
    alice = sandbox.org.user_id("alice@example.com")
    counts = sandbox.org.counts()

    async def scenario() -> int:
        okta = client(sandbox)
        await okta.create_application(SamlApplication.from_dict(SAML_APP))
        assert sandbox.org.counts()["apps"] == 1
        status, _, _ = await _get(f"{sandbox.url}/console/reset", None, "POST")
        return status

    assert run(scenario) == 200
    assert sandbox.org.counts() == counts
    assert sandbox.org.user_id("alice@example.com") == alice
    # Console calls are not Okta's API: they are not in the request log.
    assert all(not e["path"].startswith("/console") for e in sandbox.requests())


def _seed_for(pattern: list[int | None], fault_rate: float) -> int:
    """A random_seed whose first draws give these fault statuses, found with
    the sandbox's own FaultPlan (so the test does not hard-code a seed)."""
    for seed in range(10_000):
        plan = FaultPlan(seed, (0, 0), fault_rate, 0.0)
        if [plan.draw().status for _ in pattern] == pattern:
            return seed
    raise AssertionError(f"no seed below 10000 gives {pattern}")


def test_sdk_retries_a_503_but_not_a_500(
    make_sandbox: SandboxFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def no_wait(self: RequestExecutor, backoff: float) -> None:
        return None

    monkeypatch.setattr(RequestExecutor, "pause_for_backoff", no_wait)
    retried = make_sandbox(fault_rate=0.5, random_seed=_seed_for([503, None], 0.5))
    failed = make_sandbox(fault_rate=0.5, random_seed=_seed_for([500, None], 0.5))

    async def scenario(sandbox: Sandbox) -> Any:
        return await client(sandbox).list_users()

    users, _, error = run(lambda: scenario(retried))
    assert error is None and users == []
    assert [e["status"] for e in retried.requests()] == [503, 200]

    users, _, error = run(lambda: scenario(failed))
    assert users is None and "E0000009" in str(error)
    assert [e["status"] for e in failed.requests()] == [500]


def test_serve_forever_returns_once_stopped(make_sandbox: SandboxFactory) -> None:
    sandbox = Sandbox()
    sandbox.start()
    runner = threading.Thread(target=sandbox.serve_forever)
    runner.start()

    status = run(lambda: _get(f"{sandbox.url}/console/requests", None))[0]
    sandbox.stop()
    runner.join(timeout=5)

    assert status == 200
    assert not runner.is_alive()

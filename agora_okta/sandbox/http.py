"""What every Okta answer carries, and the order in which a request meets
the concurrency limit, latency, the token check, rate limits and faults.

Headers copied from real answers (recordings/): ``X-Rate-Limit-Limit``,
``-Remaining``, ``-Reset`` (epoch seconds), ``Date``, ``X-Okta-Request-Id``;
``Content-Type: application/json`` on JSON bodies and none on empty ones;
two ``Link`` headers on lists, ``self`` first, then ``next``.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import math
import threading
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import CIMultiDict

from agora_okta.sandbox.clock import SandboxClock, http_date
from agora_okta.sandbox.errors import (
    OktaApiError,
    bad_body,
    invalid_token,
    method_not_allowed,
    not_found,
    rate_limited,
    server_error,
    validation,
)
from agora_okta.sandbox.faults import FaultDraw, FaultPlan
from agora_okta.sandbox.limits import RateLimiter, RateState, bucket_for
from agora_okta.sandbox.org import Org

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
CONSOLE_PREFIX = "/console/"
TIME_SCALE_HEADER = "X-Sandbox-Time-Scale"


class RequestLog:
    """Every Okta API request, oldest first; optionally a JSON-lines file too.

    Entries hold method, path, query, bucket, status, start and end (epoch
    seconds on the sandbox clock) and whether the connection was cut. No
    header is kept, so no token can end up here.
    """

    def __init__(self, path: Path | None) -> None:
        self._entries: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._file: IO[str] | None = None
        if path is not None:
            self._file = path.open("a", encoding="utf-8")

    def add(self, entry: dict[str, Any]) -> None:
        with self._lock:
            self._entries.append(entry)
            if self._file is not None:
                self._file.write(json.dumps(entry) + "\n")
                self._file.flush()

    def entries(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(entry) for entry in self._entries]

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None


@dataclass
class ServerState:
    org: Org
    token: str
    clock: SandboxClock
    limiter: RateLimiter
    faults: FaultPlan
    requests: RequestLog
    concurrency_limit: int
    base_url: str = ""
    in_flight: int = 0
    # latency_ms is sandbox time (SandboxSettings.scale_latency).
    scale_latency: bool = False


STATE = web.AppKey("state", ServerState)


@web.middleware
async def okta_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Okta's gatekeeping around every API request; the console skips it."""
    if request.path.startswith(CONSOLE_PREFIX):
        return await handler(request)
    state = request.app[STATE]
    start = state.clock.now()
    bucket = bucket_for(request.method, request.path)
    draw = state.faults.draw()
    if state.in_flight >= state.concurrency_limit:
        refusal = _concurrency_refusal(state)
        _record(state, request, bucket, refusal.status, start, dropped=False)
        return refusal
    state.in_flight += 1
    try:
        response, handled = await _answer(request, handler, state, bucket, draw)
    finally:
        state.in_flight -= 1
    dropped = handled and draw.drop
    _record(state, request, bucket, response.status, start, dropped)
    if dropped and request.transport is not None:
        # The change is made; the client sees the connection close unanswered.
        request.transport.abort()
    return response


async def _answer(
    request: web.Request,
    handler: Handler,
    state: ServerState,
    bucket: str,
    draw: FaultDraw,
) -> tuple[web.StreamResponse, bool]:
    """The answer, and whether the handler ran (so a change may have been made)."""
    if draw.latency_seconds > 0:
        latency = draw.latency_seconds
        if state.scale_latency:
            latency = state.clock.real_seconds(latency)
        await asyncio.sleep(latency)
    if not _authorized(request, state.token):
        return _error(state, invalid_token(), state.limiter.peek(bucket)), False
    rate = state.limiter.take(bucket)
    if not rate.allowed:
        return _error(state, rate_limited(), rate), False
    if draw.status is not None:
        return _fault(state, draw.status, rate), False
    try:
        response = await handler(request)
    except OktaApiError as error:
        response = _error_response(error)
    except web.HTTPMethodNotAllowed:
        response = _error_response(method_not_allowed())
    except web.HTTPNotFound:
        response = _error_response(not_found(request.path, "Resource"))
    _stamp(response, state, rate)
    return response, True


def _authorized(request: web.Request, token: str) -> bool:
    """``SSWS <token>`` (request executor) or ``SSWS<token>`` (generated methods)."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("SSWS"):
        return False
    given = header[len("SSWS") :].strip()
    return hmac.compare_digest(given.encode(), token.encode())


def _concurrency_refusal(state: ServerState) -> web.Response:
    """Okta shows a concurrency breach as limit 0 and remaining 0."""
    now = state.clock.now()
    rate = RateState(limit=0, remaining=0, reset=math.ceil(now), allowed=False)
    return _error(state, rate_limited(), rate)


def _fault(state: ServerState, status: int, rate: RateState) -> web.Response:
    if status == 429:
        spent = RateState(rate.limit, 0, rate.reset, allowed=False)
        return _error(state, rate_limited(), spent)
    return _error(state, server_error(status), rate)


def _error(state: ServerState, error: OktaApiError, rate: RateState) -> web.Response:
    response = _error_response(error)
    _stamp(response, state, rate)
    return response


def _error_response(error: OktaApiError) -> web.Response:
    return json_response(error.body(), status=error.status)


def _stamp(response: web.StreamResponse, state: ServerState, rate: RateState) -> None:
    headers = response.headers
    headers["Date"] = http_date(state.clock.now())
    headers["X-Okta-Request-Id"] = uuid.uuid4().hex
    headers["X-Rate-Limit-Limit"] = str(rate.limit)
    headers["X-Rate-Limit-Remaining"] = str(rate.remaining)
    headers["X-Rate-Limit-Reset"] = str(rate.reset)
    if state.clock.time_scale != 1.0:
        # Not Okta's: tells a client that waits for a reset how fast this
        # clock runs (Reset - Date is in sandbox seconds).
        headers[TIME_SCALE_HEADER] = f"{state.clock.time_scale:g}"


def _record(
    state: ServerState,
    request: web.Request,
    bucket: str,
    status: int,
    start: float,
    dropped: bool,
) -> None:
    state.requests.add(
        {
            "method": request.method,
            "path": request.path,
            "query": dict(request.query),
            "bucket": bucket,
            "status": status,
            "start": start,
            "end": state.clock.now(),
            "dropped": dropped,
        }
    )


# Answers


def json_response(
    data: Any, status: int = 200, headers: CIMultiDict[str] | None = None
) -> web.Response:
    body = json.dumps(data, separators=(",", ":")).encode("utf-8")
    response = web.Response(status=status, body=body, headers=headers)
    response.headers["Content-Type"] = "application/json"
    return response


def empty_response(status: int = 204) -> web.Response:
    """No body and no Content-Type, as Okta answers 204 (and 200 on deletes)."""
    return web.Response(status=status)


def page_response(
    request: web.Request, items: list[dict[str, Any]], limit: int, cursor: str | None
) -> web.Response:
    """A list with Okta's two Link headers: self first, then next if any."""
    base = request.app[STATE].base_url + request.path
    others = [(k, v) for k, v in request.query.items() if k not in ("limit", "after")]
    after = request.query.get("after")
    self_params = [("limit", str(limit)), *others]
    if after is not None:
        self_params.insert(0, ("after", after))
    headers: CIMultiDict[str] = CIMultiDict()
    headers.add("Link", f'<{base}?{urlencode(self_params)}>; rel="self"')
    if cursor is not None:
        next_params = [("after", cursor), ("limit", str(limit)), *others]
        headers.add("Link", f'<{base}?{urlencode(next_params)}>; rel="next"')
    return json_response(items, headers=headers)


# Reading requests


async def read_json(request: web.Request) -> Any:
    """The JSON body, None when empty; 400 E0000003 when not JSON."""
    text = await request.text()
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise bad_body() from None


def limit_param(
    request: web.Request, default: int, maximum: int, minimum: int = 1
) -> int:
    """``limit``: a missing or negative value means the default; others are held
    between minimum and maximum (real Okta caps rather than refuses)."""
    raw = request.query.get("limit")
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise validation("limit", f"limit: '{raw}' is not a number") from None
    if value < 0:
        return default
    return max(minimum, min(value, maximum))


def bool_param(request: web.Request, name: str, default: bool | None) -> bool | None:
    raw = request.query.get(name)
    if raw is None:
        return default
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise validation(name, f"{name}: '{raw}' must be true or false")

"""Requests to Okta through the okta SDK's request executor.

The SDK's generated methods validate answers against strict models and fail on
values Okta really sends (``AUTO_CONFIRM_IMPORTS`` in an app's features,
okta/okta-sdk-python#574), so the tool reads raw JSON through the SDK's
request executor and parses it with its own tolerant models (``models``).

This module adds what the executor lacks (FACTS.md, "The okta Python SDK"):
a timeout on every request, retries of 5xx answers and dropped connections
for requests that are safe to repeat, waits taken from the rate-limit
headers instead of a 429, paging that reads both ``Link`` headers, and the
rule that the token goes only to the org's own host.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp
from okta.cache.no_op_cache import NoOpCache
from okta.request_executor import RequestExecutor

from agora_okta import __version__
from agora_okta.adapter.budget import Clock, RateBudget, bucket_of
from agora_okta.errors import OktaError, OktaUnreachable

log = logging.getLogger(__name__)

_RETRYABLE_STATUS = {500, 502, 503, 504}
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([a-z]+)"?')


class Retry(enum.Enum):
    """How a request may be repeated when its answer is lost."""

    # Reads, and writes that land the same way twice (PUT, DELETE, lifecycle).
    SAFE = "safe"
    # Creates: a lost answer may hide a change already made, so the caller
    # must look before trying again (AmbiguousWrite).
    VERIFY = "verify"


class AmbiguousWrite(OktaUnreachable):
    """A write whose answer was lost: it may or may not have been made."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    links: dict[str, str]
    data: Any

    @property
    def request_id(self) -> str:
        return self.headers.get("X-Okta-Request-Id", "")


class _NoRedirectSession:
    """The executor's session, with redirects never followed.

    Okta's API does not redirect; a redirect means the answer came from
    somewhere else, and following it would send the request there.
    """

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    def request(self, **params: Any) -> Any:
        return self._session.request(allow_redirects=False, **params)

    async def close(self) -> None:
        await self._session.close()


class OktaTransport:
    """Sends requests to one Okta org, within its rate limits."""

    def __init__(
        self,
        org_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        clock: Clock | None = None,
        max_attempts: int = 5,
        concurrency: int = 8,
    ) -> None:
        self.org_url = org_url.rstrip("/")
        self._origin = _origin(self.org_url)
        self.budget = RateBudget(clock=clock or Clock())
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._in_flight = asyncio.Semaphore(concurrency)
        config = {
            "client": {
                "orgUrl": self.org_url,
                "authorizationMode": "SSWS",
                "token": token,
                "requestTimeout": timeout,
                # Retries are ours: the SDK's own fail without Date headers.
                "rateLimit": {"maxRetries": 0},
                "userAgent": f"agora-okta/{__version__}",
            }
        }
        self._executor = RequestExecutor(config, NoOpCache())
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> OktaTransport:
        self._session = aiohttp.ClientSession()
        self._executor.set_session(_NoRedirectSession(self._session))
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        body: Any = None,
        retry: Retry = Retry.SAFE,
        url: str | None = None,
    ) -> Answer:
        """Send one request; retry what is safe; raise OktaError on a refusal."""
        if url is None:
            url = self.org_url + path
            if params:
                url += "?" + urlencode(params)
        bucket = bucket_of(method, path)
        clock = self.budget.clock
        failures = 0
        while True:
            await self.budget.acquire(bucket)
            try:
                answer = await self._send(method, url, body)
            except OktaUnreachable as error:
                failures += 1
                if retry is Retry.VERIFY:
                    raise AmbiguousWrite(
                        f"{error}; the change may have been made",
                        method=method,
                        path=path,
                    ) from error
                if failures >= self._max_attempts:
                    raise
                log.info(
                    "request: retrying after %s method=%s path=%s", error, method, path
                )
                await clock.sleep(_backoff(failures))
                continue
            self.budget.observe(bucket, answer.headers)
            if answer.status == 429:
                wait = self.budget.wait_after_429(bucket, answer.headers)
                log.info("request: rate limited bucket=%s wait=%.1fs", bucket, wait)
                await clock.sleep(wait)
                continue
            if answer.status in _RETRYABLE_STATUS:
                failures += 1
                if retry is Retry.VERIFY:
                    raise AmbiguousWrite(
                        _refusal(method, path, answer),
                        method=method,
                        path=path,
                        status=answer.status,
                    )
                if failures < self._max_attempts:
                    log.info(
                        "request: retrying status=%s method=%s path=%s",
                        answer.status,
                        method,
                        path,
                    )
                    await clock.sleep(_backoff(failures))
                    continue
            if answer.status >= 300:
                raise _error(method, path, answer)
            return answer

    async def pages(
        self, path: str, params: Mapping[str, str | int]
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Each page of a list, following ``next`` links on the org's own host."""
        answer = await self.request("GET", path, params=params)
        while True:
            if not isinstance(answer.data, list):
                raise OktaError(
                    f"Okta answered GET {path} with {type(answer.data).__name__}, "
                    "not a list",
                    method="GET",
                    path=path,
                )
            yield answer.data
            next_url = answer.links.get("next")
            if not next_url:
                return
            if _origin(next_url) != self._origin:
                raise OktaError(
                    f"Okta's next page link for GET {path} points to "
                    f"{_origin(next_url)}, not {self._origin}; refused, so that "
                    "the token is sent only to the org",
                    method="GET",
                    path=path,
                )
            answer = await self.request("GET", path, url=next_url)

    async def _send(self, method: str, url: str, body: Any) -> Answer:
        path = urlsplit(url).path
        request, error = await self._executor.create_request(
            method, url, body=body, keep_empty_params=True
        )
        if error is not None:
            raise OktaError(f"cannot build {method} {path}: {error}")
        async with self._in_flight:
            try:
                _, response, text, error = await asyncio.wait_for(
                    self._executor.fire_request(request), self._timeout + 5
                )
            except TimeoutError as timeout:
                raise _unreachable(method, path, timeout) from None
        if response is None:
            raise _unreachable(method, path, error)
        if 300 <= response.status < 400:
            target = response.headers.get("Location", "?")
            raise OktaError(
                f"Okta answered {method} {path} with a redirect to "
                f"{_origin(target) or target}; refused, so that the token is "
                "sent only to the org",
                method=method,
                path=path,
                status=response.status,
            )
        links = _links(response.headers.getall("Link", []))
        return Answer(
            status=response.status,
            headers=response.headers,
            links=links,
            data=_parse_body(method, path, response, text),
        )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _backoff(failures: int) -> float:
    return float(min(0.25 * 2 ** (failures - 1), 4.0))


def _links(headers: list[str]) -> dict[str, str]:
    # Okta sends "self" and "next" as two Link headers; the SDK keeps only the
    # last one it sees (FACTS.md), so every header is read here.
    links: dict[str, str] = {}
    for header in headers:
        for url, rel in _LINK.findall(header):
            links.setdefault(rel, url)
    return links


def _parse_body(method: str, path: str, response: Any, text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        kind = "an HTML page" if text.lstrip()[:1] == "<" else "text that is not JSON"
        raise OktaError(
            f"Okta answered {method} {path} (status {response.status}) with "
            f"{kind} ({error.msg} at character {error.pos}); "
            "no change was made from this answer",
            method=method,
            path=path,
            status=response.status,
        ) from None


def _unreachable(
    method: str, path: str, error: BaseException | None
) -> OktaUnreachable:
    if isinstance(error, TimeoutError | asyncio.TimeoutError):
        cause = "no answer before the timeout"
    elif isinstance(error, aiohttp.ServerDisconnectedError):
        cause = "the connection was cut before the answer"
    elif error is not None:
        cause = type(error).__name__ + (f": {error}" if str(error) else "")
    else:
        cause = "no answer"
    return OktaUnreachable(f"{method} {path}: {cause}", method=method, path=path)


def _refusal(method: str, path: str, answer: Answer) -> str:
    data = answer.data if isinstance(answer.data, dict) else {}
    code = data.get("errorCode", "")
    summary = data.get("errorSummary", "")
    causes = [
        c.get("errorSummary", "")
        for c in data.get("errorCauses") or []
        if isinstance(c, dict)
    ]
    text = f"Okta refused {method} {path}: {answer.status}"
    if code:
        text += f" {code}"
    if summary:
        text += f" {summary}"
    if causes:
        text += " (" + "; ".join(c for c in causes if c) + ")"
    if answer.request_id:
        text += f" [request id {answer.request_id}]"
    return text


def _error(method: str, path: str, answer: Answer) -> OktaError:
    data = answer.data if isinstance(answer.data, dict) else {}
    return OktaError(
        _refusal(method, path, answer),
        method=method,
        path=path,
        status=answer.status,
        error_code=data.get("errorCode"),
    )

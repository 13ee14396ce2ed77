"""Requests to Okta through the okta SDK's request executor.

The SDK's generated methods validate answers against strict models and fail on
values Okta really sends (``AUTO_CONFIRM_IMPORTS`` in an app's features,
okta/okta-sdk-python#574), so the tool reads raw JSON through the SDK's
request executor and parses it with its own tolerant models (``models``).

This module adds what the executor lacks (FACTS.md, "The okta Python SDK"):
a timeout on every request, retries of 5xx answers, dropped connections and
timeouts for requests that are safe to repeat, waits taken from the
rate-limit headers (or ``Retry-After``, or a backoff when neither is sent)
after a 429, paging that reads both ``Link`` headers, and the rule that the
token goes only to the org's own host: redirects and ``next`` links to
another host are refused.

A write whose answer is lost (``Retry.VERIFY``) is never sent again blindly:
``AmbiguousWrite`` tells the caller to look first. On Ctrl-C a request on
the wire is allowed to finish, and the next request stops the run, so that
the run stops between requests and the count of changes made is exact.

aiohttp itself sends an idempotent request (GET, PUT, DELETE) once more when
a reused connection closes before the answer (RFC 9112, 9.3.1.1); that
repeat is neither logged nor counted here. POST, the creates, it never
repeats.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

import aiohttp

from agora_okta import __version__
from agora_okta.adapter.budget import Clock, RateBudget, bucket_of
from agora_okta.adapter.sdk import NoOpCache, RequestExecutor
from agora_okta.errors import OktaError, OktaUnreachable

log = logging.getLogger(__name__)

T = TypeVar("T")

_RETRYABLE_STATUS = {500, 502, 503, 504}
_LINK = re.compile(r'<([^>]*)>\s*;\s*rel="?([a-z]+)"?')
# 429s in a row for one request before giving up: after a wait for the
# window's reset a second 429 means someone else spends the budget too.
_MAX_RATE_LIMITED = 8
# Longest wait after a 429, in Okta seconds: a window lasts one minute, so a
# reset further away says the clocks disagree, not that the wait is real.
_MAX_RATE_WAIT = 65.0
# How much of an unreadable answer an error message quotes.
_EXCERPT = 80


class Retry(enum.Enum):
    """How a request may be repeated when its answer is lost."""

    # Reads, and writes that land the same way twice (PUT, DELETE, lifecycle).
    SAFE = "safe"
    # Creates: a lost answer may hide a change already made, so the caller
    # must look before trying again (AmbiguousWrite).
    VERIFY = "verify"


class AmbiguousWrite(OktaUnreachable):
    """A write whose answer was lost: it may or may not have been made.

    ``settle_seconds``: how long to wait before looking, because a request
    that timed out may still be on its way to Okta and land later.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        settle_seconds: float = 0.0,
    ) -> None:
        super().__init__(message, method=method, path=path, status=status)
        self.settle_seconds = settle_seconds


class NoAnswerInTime(OktaUnreachable):
    """The request was sent, and no answer came before the timeout."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    links: dict[str, str]
    data: Any
    # Why the body could not be read as JSON ("" when it could, or was empty).
    unreadable: str = ""

    @property
    def request_id(self) -> str:
        return self.headers.get("X-Okta-Request-Id", "")


@dataclass
class TransportStats:
    """What a run met on the way: for logs, benchmarks and tests."""

    requests: int = 0
    retried: int = 0
    rate_limited: int = 0
    ambiguous: int = 0


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
        self.stats = TransportStats()
        self._timeout = timeout
        self._max_attempts = max_attempts
        self._in_flight = asyncio.Semaphore(concurrency)
        # Set when the run was interrupted while a request was on the wire.
        self._stopping = False
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
        failures = rate_limited = 0
        while True:
            if self._stopping:
                # Interrupted while the previous request was on the wire.
                raise asyncio.CancelledError()
            await self.budget.acquire(bucket)
            self.stats.requests += 1
            try:
                answer = await self._send(method, url, body)
            except OktaUnreachable as error:
                failures += 1
                self._give_up_after_loss(error, failures, retry)
                await self._back_off(failures, f"after {error}", method, path)
                continue
            self.budget.observe(bucket, answer.headers)
            if answer.status == 429:
                rate_limited += 1
                await self._wait_after_429(bucket, answer, rate_limited, method, path)
                continue
            if answer.status in _RETRYABLE_STATUS:
                failures += 1
                self._give_up_after_failure(answer, failures, retry, method, path)
                await self._back_off(failures, f"status={answer.status}", method, path)
                continue
            return _accepted(method, path, answer, retry)

    async def create(
        self,
        path: str,
        body: Any,
        *,
        parse: Callable[[Answer], T],
        look: Callable[[], Awaitable[T | None]],
        params: Mapping[str, str | int] | None = None,
    ) -> T:
        """POST a create that must happen once.

        After a lost answer (``AmbiguousWrite``), ``look`` for what it made
        and adopt that; send it again only when nothing was made.
        """
        for attempt in range(1, self._max_attempts + 1):
            try:
                answer = await self.request(
                    "POST", path, params=params, body=body, retry=Retry.VERIFY
                )
                return _parsed(parse, answer, path)
            except AmbiguousWrite as error:
                log.info("create: %s; looking before sending it again", error)
                if attempt == self._max_attempts:
                    raise
                # A request that timed out may still land: give it the time.
                await self.budget.clock.sleep(error.settle_seconds)
                found = await look()
                if found is not None:
                    log.info("create: adopted what a lost answer made path=%s", path)
                    return found
                await self._back_off(attempt, "after looking", "POST", path)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _give_up_after_loss(
        self, error: OktaUnreachable, failures: int, retry: Retry
    ) -> None:
        """Raise when a lost answer must not, or can no longer, be retried."""
        if retry is Retry.VERIFY:
            self.stats.ambiguous += 1
            timed_out = isinstance(error, NoAnswerInTime)
            raise AmbiguousWrite(
                f"{error}; the change may have been made",
                method=error.method,
                path=error.path,
                settle_seconds=self._timeout if timed_out else 0.0,
            ) from error
        if failures >= self._max_attempts:
            raise type(error)(
                f"{error} ({failures} tries, each with a {self._timeout:g} s timeout)",
                method=error.method,
                path=error.path,
            ) from error

    def _give_up_after_failure(
        self, answer: Answer, failures: int, retry: Retry, method: str, path: str
    ) -> None:
        """Raise when a 5xx answer must not, or can no longer, be retried."""
        if retry is Retry.VERIFY:
            # A 5xx may come after the change was made: look before repeating.
            self.stats.ambiguous += 1
            raise AmbiguousWrite(
                _refusal(method, path, answer),
                method=method,
                path=path,
                status=answer.status,
            )
        if failures >= self._max_attempts:
            raise _error(method, path, answer, f"{failures} tries")

    async def _back_off(self, failures: int, why: str, method: str, path: str) -> None:
        self.stats.retried += 1
        log.info("request: retrying %s method=%s path=%s", why, method, path)
        clock = self.budget.clock
        # The sandbox's clock may run faster than real time; so does its recovery.
        await clock.sleep(_backoff(failures) / clock.scale)

    async def _wait_after_429(
        self, bucket: str, answer: Answer, count: int, method: str, path: str
    ) -> None:
        """Wait as the 429 says: its rate-limit headers, else ``Retry-After``,
        else a growing backoff; give up after too many in a row."""
        self.stats.rate_limited += 1
        if count > _MAX_RATE_LIMITED:
            raise _error(
                method, path, answer, f"still rate limited after {count - 1} waits"
            )
        scale = self.budget.clock.scale
        has_window = "X-Rate-Limit-Reset" in answer.headers and "Date" in answer.headers
        wait = self.budget.wait_after_429(bucket, answer.headers)
        retry_after = _retry_after(answer.headers)
        if retry_after is not None:
            wait = max(wait if has_window else 0.0, retry_after / scale)
        elif not has_window:
            wait = 4 * _backoff(count) / scale
        wait = min(wait, _MAX_RATE_WAIT / scale)
        log.info(
            "request: rate limited bucket=%s wait=%.2fs method=%s path=%s",
            bucket,
            wait,
            method,
            path,
        )
        await self.budget.clock.sleep(wait)

    async def pages(
        self, path: str, params: Mapping[str, str | int]
    ) -> AsyncIterator[list[dict[str, Any]]]:
        """Each page of a list, following ``next`` links on the org's own host."""
        answer = await self.request("GET", path, params=params)
        while True:
            if not isinstance(answer.data, list):
                raise OktaError(
                    f"Okta answered GET {path} with {_kind(answer.data)}, not a list",
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
                _, response, text, error = await self._fire(request, method, path)
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
        data, unreadable = _parse_body(text)
        return Answer(
            status=response.status,
            headers=response.headers,
            links=_links(response.headers.getall("Link", [])),
            data=data,
            unreadable=unreadable,
        )

    async def _fire(self, request: Any, method: str, path: str) -> Any:
        """The executor's call, finished even when the run is interrupted.

        A request on the wire may already have changed Okta. On Ctrl-C its
        answer is awaited (at most the timeout), so the change is counted,
        and the next request stops the run: it stops between requests.
        """
        call = asyncio.ensure_future(
            asyncio.wait_for(self._executor.fire_request(request), self._timeout + 5)
        )
        try:
            return await asyncio.shield(call)
        except asyncio.CancelledError:
            # The answer may be in already (the interruption came between
            # its arrival and this task's turn): it is returned all the same.
            self._stopping = True
            if not call.done():
                log.info(
                    "request: interrupted; waiting for the answer method=%s path=%s",
                    method,
                    path,
                )
            return await call


def _parsed(parse: Callable[[Answer], T], answer: Answer, path: str) -> T:
    """What a create answered, or an error that names the request."""
    try:
        return parse(answer)
    except OktaError as error:
        if path in str(error):
            raise
        raise OktaError(
            f"POST {path} answered {answer.status}, but {error}; the create was "
            "probably made (run plan to see)",
            method="POST",
            path=path,
            status=answer.status,
        ) from None


def _accepted(method: str, path: str, answer: Answer, retry: Retry) -> Answer:
    """The answer, or the error it means."""
    if answer.status >= 300:
        raise _error(method, path, answer)
    if answer.unreadable:
        message = (
            f"Okta answered {method} {path} (status {answer.status}) with "
            f"{answer.unreadable}"
        )
        if retry is Retry.VERIFY:
            raise AmbiguousWrite(
                message + "; the change may have been made",
                method=method,
                path=path,
                status=answer.status,
            )
        if method != "GET":
            message += "; the change may have been made (run plan to see)"
        raise OktaError(message, method=method, path=path, status=answer.status)
    return answer


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _backoff(failures: int) -> float:
    return float(min(0.25 * 2 ** (failures - 1), 4.0))


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` in seconds (a number, or an HTTP date), if sent."""
    value = headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _links(headers: list[str]) -> dict[str, str]:
    # Okta sends "self" and "next" as two Link headers; the SDK keeps only the
    # last one it sees (FACTS.md), so every header is read here.
    links: dict[str, str] = {}
    for header in headers:
        for url, rel in _LINK.findall(header):
            links.setdefault(rel, url)
    return links


def _parse_body(text: str | None) -> tuple[Any, str]:
    """The JSON body (None when empty), or why it is not JSON."""
    if not text:
        return None, ""
    try:
        return json.loads(text), ""
    except json.JSONDecodeError as error:
        stripped = text.lstrip()
        kind = "an HTML page" if stripped[:1] == "<" else "text that is not JSON"
        if stripped[:1] in ("{", "["):
            ended = error.pos >= len(text.rstrip()) - 1
            cut = ended or error.msg.startswith("Unterminated string")
            kind = "JSON cut short" if cut else "broken JSON"
        excerpt = " ".join(stripped[:_EXCERPT].split())
        return None, f"{kind} ({error.msg}, character {error.pos}: {excerpt!r})"


def _kind(data: Any) -> str:
    if data is None:
        return "an empty body"
    if isinstance(data, dict):
        return "an object"
    if isinstance(data, str):
        return "a string"
    return type(data).__name__


def _unreachable(
    method: str, path: str, error: BaseException | None
) -> OktaUnreachable:
    if isinstance(error, TimeoutError | asyncio.TimeoutError):
        return NoAnswerInTime(
            f"{method} {path}: no answer before the timeout", method=method, path=path
        )
    if isinstance(error, aiohttp.ServerDisconnectedError):
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
    if answer.unreadable:
        text += f", answered with {answer.unreadable}"
    if answer.request_id:
        text += f" [request id {answer.request_id}]"
    return text


def _error(method: str, path: str, answer: Answer, tries: str = "") -> OktaError:
    data = answer.data if isinstance(answer.data, dict) else {}
    message = _refusal(method, path, answer)
    if tries:
        message += f" ({tries})"
    return OktaError(
        message,
        method=method,
        path=path,
        status=answer.status,
        error_code=data.get("errorCode"),
    )

"""Sandbox test helpers: a started sandbox, a real okta SDK client for it, and
raw calls through the SDK's own request executor.

The okta SDK refuses http:// org URLs unless the environment lifts the check,
and reads ./okta.yaml and ~/.okta/okta.yaml before the environment, so every
test runs with HOME and the working directory in its own tmp_path.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from isolation import isolate
from okta.client import Client

from agora_okta.sandbox import Sandbox, SandboxSettings

T = TypeVar("T")


@pytest.fixture(autouse=True)
def okta_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("OKTA_TESTING_TESTINGDISABLEHTTPSCHECK", "true")


SandboxFactory = Callable[..., Sandbox]


@pytest.fixture
def make_sandbox() -> Iterator[SandboxFactory]:
    """Start sandboxes with the given settings; all are stopped afterwards."""
    started: list[Sandbox] = []

    def make(**settings: Any) -> Sandbox:
        sandbox = Sandbox(SandboxSettings(**settings)).start()
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


SEED: dict[str, Any] = {
    "users": [
        {"email": "alice@example.com", "first_name": "Alice", "last_name": "Liddell"},
        {"email": "bob@example.com", "first_name": "Bob", "last_name": "Builder"},
        {"email": "carol@example.com", "first_name": "Carol", "last_name": "Danvers"},
        {"email": "dave@example.com", "first_name": "Dave", "last_name": "Grohl"},
    ],
    "groups": [
        {"name": "Engineering", "members": ["alice@example.com", "bob@example.com"]},
        {"name": "Sales", "members": ["carol@example.com"]},
    ],
}


@pytest.fixture
def sandbox(make_sandbox: SandboxFactory) -> Sandbox:
    return make_sandbox(seed=SEED)


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    """Run an async scenario on a fresh loop (the SDK is asyncio-only)."""
    return asyncio.run(scenario())  # type: ignore[arg-type]


def client(sandbox: Sandbox, **config: Any) -> Any:
    """A real okta SDK client for the sandbox; create it inside the loop.

    Typed as Any: the SDK's annotations name the model where its methods
    return (data, response, error) tuples.
    """
    return Client({"orgUrl": sandbox.url, "token": sandbox.token, **config})


@dataclass
class Raw:
    """An answer read through the SDK's request executor."""

    status: int
    headers: dict[str, list[str]]
    body: Any
    error: Exception | None

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


async def raw(
    okta: Any,
    method: str,
    url: str,
    body: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Raw:
    """One request through ``client.get_request_executor()``: raw JSON back."""
    executor = okta.get_request_executor()
    request, error = await executor.create_request(method, url, body, headers or {})
    assert error is None, error
    response, text, error = await executor.execute(request)
    if response is None:
        raise AssertionError(f"{method} {url}: no answer ({error!r})")
    collected: dict[str, list[str]] = {}
    for key, value in response.headers.items():
        collected.setdefault(key.lower(), []).append(value)
    parsed = json.loads(text) if text else None
    return Raw(response.status, collected, parsed, error)


def links(answer: Raw) -> list[tuple[str, str]]:
    """The Link headers as (rel, url), in the order they were sent."""
    found = []
    for value in answer.headers.get("link", []):
        url, _, rel = value.partition(";")
        found.append((rel.strip().split('"')[1], url.strip().strip("<>")))
    return found


SAML_APP: dict[str, Any] = {
    "label": "Agora",
    "signOnMode": "SAML_2_0",
    "visibility": {"hide": {"web": True, "iOS": True}},
    "credentials": {
        "userNameTemplate": {"template": "${source.email}", "type": "BUILT_IN"}
    },
    "settings": {
        "signOn": {
            "ssoAcsUrl": "https://agora.example.com/saml/acs",
            "audience": "https://agora.example.com",
        }
    },
}

"""Fixtures for the SCIM check: a real scim2-server, and a small server of our own.

scim2-server (PyPI) is an independent SCIM 2.0 implementation; it stands in for
Agora. The small server answers what scim2-server never would (an HTML page,
malformed JSON, a slow answer, a redirect) and records every request it gets.
"""

from __future__ import annotations

import logging
import ssl
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from scim_support import (
    SCIM_TOKEN,
    QuietServer,
    Route,
    Run,
    Stub,
    StubFactory,
    handler_for,
    scim_route,
)

from agora_okta.scim_check import ScimReport, check_scim, render_report

# --- the check, run the way the CLI runs it -----------------------------------


@pytest.fixture
def run_check(caplog: pytest.LogCaptureFixture) -> Run:
    """Run check_scim and render it; fail if the token shows anywhere."""
    caplog.set_level(logging.DEBUG)

    def run(
        base_url: str,
        *,
        token: str = SCIM_TOKEN,
        check_groups: bool = True,
        timeout: float = 5.0,
        **options: Any,
    ) -> tuple[ScimReport, list[str]]:
        report = check_scim(
            base_url, token, check_groups=check_groups, timeout=timeout, **options
        )
        shown = render_report(report, color=False)
        if token:
            texts = (shown, render_report(report, color=True), repr(report))
            assert not [text for text in texts if token in text]
            assert token not in caplog.text
        return report, shown.splitlines()

    return run


# --- a small server of the tests' own --------------------------------------------


@pytest.fixture
def stub() -> Iterator[StubFactory]:
    """Start small HTTP(S) servers on 127.0.0.1 that answer with a route."""
    servers: list[QuietServer] = []
    release = threading.Event()

    def start(route: Route = scim_route, *, tls: ssl.SSLContext | None = None) -> Stub:
        requests: list[tuple[str, str, bool]] = []
        handler = handler_for(route, requests, release)
        server = QuietServer(("127.0.0.1", 0), handler)
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        serve = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
        serve.start()
        servers.append(server)

        scheme = "https" if tls is not None else "http"
        return Stub(
            f"{scheme}://127.0.0.1:{server.server_address[1]}/scim/v2", requests
        )

    yield start

    # Wake handlers still sleeping in a slow answer, then stop every server.
    release.set()
    for server in servers:
        server.shutdown()
        server.server_close()


# --- proof that nothing went out -------------------------------------------------

_recording: list[tuple[str, str]] | None = None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _recording is not None and event in ("socket.connect", "socket.getaddrinfo"):
        target = args[1] if event == "socket.connect" else args[0]
        _recording.append((event, repr(target)))


sys.addaudithook(_audit)


@pytest.fixture
def network_calls() -> Iterator[list[tuple[str, str]]]:
    """Every name lookup and connection made in this thread and others, recorded."""
    global _recording
    _recording = []
    try:
        yield _recording
    finally:
        _recording = None

"""What the SCIM check's tests share: the token, replies, and the servers' shapes."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from subprocess import Popen
from typing import Any

import pytest

from agora_okta.scim_check import ScimReport

SCIM_TOKEN = "scim-Tok3n-5d1c0e9a7b42"
FIXTURES = Path(__file__).parent / "scim" / "fixtures"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
EMPTY_LIST = {"schemas": [LIST_RESPONSE], "totalResults": 0, "Resources": []}
SERVICE_PROVIDER_CONFIG = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    "patch": {"supported": False},
    "bulk": {"supported": False},
    "filter": {"supported": True, "maxResults": 200},
}


Run = Callable[..., tuple[ScimReport, list[str]]]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class ScimServer:
    port: int

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root}/v2"


def wait_until_up(server: ScimServer, process: Popen[bytes], log: Path) -> None:
    # Anything that answers HTTP will do: an unauthenticated GET gets 401.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"scim2-server stopped at start:\n{log.read_text()}")
        try:
            urllib.request.urlopen(
                f"{server.base_url}/ServiceProviderConfig", timeout=1
            )
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"scim2-server did not answer within 10 s:\n{log.read_text()}")


@dataclass
class Reply:
    status: int = 200
    body: bytes | dict[str, Any] = b""
    content_type: str = "application/scim+json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Route = Callable[[str], Reply]


def scim_route(path: str) -> Reply:
    """What a working SCIM server answers, for the checks' four requests."""
    resource = path.split("?", 1)[0].rsplit("/", 1)[-1]
    if resource in ("Users", "Groups"):
        return Reply(body=EMPTY_LIST)
    if resource == "ServiceProviderConfig":
        return Reply(body=SERVICE_PROVIDER_CONFIG)
    return Reply(404, {"schemas": [], "status": "404", "detail": "not here"})


@dataclass
class Stub:
    base_url: str
    # (method, path with query, whether an Authorization header came along)
    requests: list[tuple[str, str, bool]]


StubFactory = Callable[..., Stub]


class QuietServer(ThreadingHTTPServer):
    """A threaded test server that keeps quiet about clients that hang up."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The slow answer and refused certificates end with the client gone.
        pass


def handler_for(
    route: Route, requests: list[tuple[str, str, bool]], release: threading.Event
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def do_PUT(self) -> None:
            self._answer("PUT")

        def do_PATCH(self) -> None:
            self._answer("PATCH")

        def do_DELETE(self) -> None:
            self._answer("DELETE")

        def _answer(self, method: str) -> None:
            requests.append((method, self.path, "Authorization" in self.headers))
            reply = route(self.path)
            if reply.delay and release.wait(reply.delay):
                return
            body = reply.body
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler

"""What the reliability tests share: an org, the file, the admin at the console,
the guarantees checked after every run, and a meddling proxy.

The guarantees (issue 6): the org matches the file (the next plan is empty),
exactly one app has the label, one push mapping per source group, and no
assignment or push group the file keeps was ever removed, not even for a
moment (the sandbox's request log shows every request that reached it).

``Meddler`` is a small HTTP server of the tests' own that stands between the
tool and the sandbox and changes chosen answers: drops them after the change
is made, answers late, answers an HTML page, cuts JSON short, leaves out a
field, redirects, or points a ``next`` link elsewhere. The tool's org URL
points at it; everything else reaches the sandbox unchanged.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from aiohttp import web
from multidict import CIMultiDict
from scim_support import SCIM_TOKEN

from agora_okta import engine
from agora_okta.config import LoadedConfig, load_config
from agora_okta.errors import ManualStepsPending, OktaError
from agora_okta.plan import Plan
from agora_okta.sandbox import Sandbox

# Shaped like a real Okta token (42 characters of base64url) and found nowhere
# else, so that any piece of it in any output is a leak.
OKTA_TOKEN = "00qV7rXk2Lm9PzT4wB8nJc6Hs1YdGf3Ea5Uo0Ri7Kq"
LABEL = "Agora"
# Lines the suites add for the end of the test run (conftest prints them).
SUMMARY: list[str] = []
GROUPS = ["Engineering", "Sales", "Support", "Finance"]


def people(count: int) -> list[str]:
    return [f"person{n:02d}@example.com" for n in range(count)]


def seed(count: int, groups: list[str] = GROUPS) -> dict[str, Any]:
    """``count`` people, each in one of ``groups`` in turn."""
    emails = people(count)
    users = [
        {"email": email, "first_name": "Person", "last_name": f"N{n}"}
        for n, email in enumerate(emails)
    ]
    members: dict[str, list[str]] = {name: [] for name in groups}
    for n, email in enumerate(emails):
        members[groups[n % len(groups)]].append(email)
    return {
        "users": users,
        "groups": [{"name": name, "members": members[name]} for name in groups],
    }


def desired(
    org_url: str,
    scim_base_url: str,
    *,
    persons: list[str],
    push: list[str],
    groups: list[str],
    prune: bool = False,
    label: str = LABEL,
) -> dict[str, Any]:
    return {
        "okta": {"org_url": org_url},
        "app": {"label": label},
        "provisioning": {
            "scim_base_url": scim_base_url,
            "token": "env:AGORA_SCIM_TOKEN",
        },
        "push_groups": push,
        "assign": {"groups": groups, "people": persons},
        "prune": prune,
    }


def write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def play_admin(org: Sandbox, app_id: str, scim_base_url: str) -> None:
    """The console stand-in doing steps 3, 4 and 6 of the admin guide."""
    org.play_admin(app_id, scim_base_url, SCIM_TOKEN)


def app_ids(org: Sandbox, label: str = LABEL) -> list[str]:
    """Ids of the apps with ``label``, read from the org's state (no request)."""
    found = []
    for app_id in org.org.app_ids():
        body = org.org.app(app_id)
        if body is not None and body.get("label") == label:
            found.append(app_id)
    return found


class QuietEvents:
    """Apply's events, answered as ``--yes`` does, with messages kept."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    def info(self, message: str) -> None:
        self.messages.append(message)

    def show_plan(self, plan: Plan) -> None:
        pass

    def confirm(self, plan: Plan) -> bool:
        return True

    def waiting_for_console(self, plan: Plan) -> None:
        pass

    def progress(self, done: int, total: int, seconds_left: float) -> None:
        pass


@dataclass
class Runs:
    """How a series of apply runs went."""

    codes: list[str] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.codes)


def apply_until_done(
    org: Sandbox,
    loaded: LoadedConfig,
    options: engine.Options,
    scim_base_url: str,
    *,
    max_runs: int = 8,
) -> Runs:
    """Run apply until it succeeds, as an admin (or a CI retry) would: play the
    console's steps when it asks, run again when Okta could not be reached."""
    runs = Runs()
    for _ in range(max_runs):
        try:
            engine.apply(loaded, options, QuietEvents())
        except ManualStepsPending:
            runs.codes.append("manual steps")
            (app_id,) = app_ids(org, loaded.config.app.label)
            play_admin(org, app_id, scim_base_url)
            continue
        except OktaError as error:
            # Retries ran out on one request; the next run goes on from there.
            runs.codes.append(f"error: {error}")
            continue
        runs.codes.append("done")
        return runs
    raise AssertionError(f"apply did not finish in {max_runs} runs: {runs.codes}")


def check_guarantees(org: Sandbox, data: dict[str, Any]) -> str:
    """Assert what must hold after apply finished; the app id."""
    label = data["app"]["label"]
    apps = app_ids(org, label)
    assert len(apps) == 1, f"{len(apps)} apps labelled {label!r}: {apps}"
    (app_id,) = apps
    state = org.org

    mappings = state.push_mappings(app_id)
    sources = [m["sourceGroupId"] for m in mappings]
    assert len(sources) == len(set(sources)), f"a duplicated push mapping: {mappings}"
    push_ids = {_group_id(org, name) for name in data["push_groups"]}
    active = {m["sourceGroupId"] for m in mappings if m["status"] == "ACTIVE"}
    assert push_ids <= active, (push_ids, mappings)

    group_ids = {_group_id(org, name) for name in data["assign"]["groups"]}
    assigned_groups = set(state.app_group_ids(app_id))
    assert group_ids <= assigned_groups

    user_ids = {state.user_id(email) for email in data["assign"]["people"]}
    direct = {u for u, scope in state.app_user_ids(app_id).items() if scope == "USER"}
    assert user_ids <= direct, sorted(user_ids - direct)
    if data.get("prune"):
        assert active == push_ids == {m["sourceGroupId"] for m in mappings}
        assert assigned_groups == group_ids
        assert direct == user_ids
    return app_id


def kept_never_removed(org: Sandbox, data: dict[str, Any], app_id: str) -> None:
    """No request ever removed an assignment or a push group the file keeps."""
    state = org.org
    kept_users = {state.user_id(email) for email in data["assign"]["people"]}
    kept_groups = {_group_id(org, name) for name in data["assign"]["groups"]}
    pushed = {_group_id(org, name) for name in data["push_groups"]}
    kept_mappings = {
        m["id"] for m in state.push_mappings(app_id) if m["sourceGroupId"] in pushed
    }
    base = f"/api/v1/apps/{app_id}/"
    for entry in org.requests():
        path = entry["path"]
        if entry["method"] not in ("DELETE", "PATCH") or not path.startswith(base):
            continue
        kind, _, target = path[len(base) :].rpartition("/")
        assert not (kind == "users" and target in kept_users), entry
        assert not (kind == "groups" and target in kept_groups), entry
        assert not (kind == "group-push/mappings" and target in kept_mappings), entry


def plan_is_empty(loaded: LoadedConfig, options: engine.Options) -> bool:
    return not engine.make_plan(loaded, options).has_changes


def load(path: Path) -> LoadedConfig:
    return load_config(path)


def _group_id(org: Sandbox, name: str) -> str:
    ids = [
        group_id
        for group_id in org.org.group_ids_named(name)
        if (org.org.group(group_id) or {}).get("type") != "APP_GROUP"
    ]
    assert len(ids) == 1, (name, ids)
    return str(ids[0])


# The meddling proxy

Forwarded = tuple[int, CIMultiDict[str], bytes]
Action = Callable[["Exchange"], Awaitable[web.StreamResponse]]

# Hop-by-hop and length headers: aiohttp sets its own.
_SKIP = {"content-length", "transfer-encoding", "content-encoding", "connection"}


@dataclass
class Exchange:
    """One request at the meddler, and a way to pass it on to the sandbox."""

    request: web.Request
    body: bytes
    meddler: Meddler

    async def forward(self) -> Forwarded:
        return await self.meddler.forward(self.request, self.body)


@dataclass
class Rule:
    method: str
    path: str  # a regular expression the whole path must match
    action: Action
    times: int = 1
    # Matching requests let through untouched before the rule acts.
    skip: int = 0
    used: int = 0
    passed: int = 0


@dataclass
class Seen:
    method: str
    path: str
    authorization: str


class Meddler:
    """A proxy in front of ``upstream`` that changes the answers rules pick."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.url = ""
        self.rules: list[Rule] = []
        self.seen: list[Seen] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._session: aiohttp.ClientSession | None = None
        self._runner: web.AppRunner | None = None

    def add(
        self, method: str, path: str, action: Action, times: int = 1, skip: int = 0
    ) -> Meddler:
        self.rules.append(Rule(method, path, action, times, skip))
        return self

    def used(self) -> int:
        return sum(rule.used for rule in self.rules)

    def __enter__(self) -> Meddler:
        sock = _listening_socket()
        self.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(sock, ready), daemon=True
        )
        self._thread.start()
        ready.wait(5)
        return self

    def __exit__(self, *exc: object) -> None:
        loop = self._loop
        if loop is not None and self._thread is not None:
            loop.call_soon_threadsafe(loop.stop)
            self._thread.join(5)

    def _serve(self, sock: socket.socket, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        loop.run_until_complete(self._runner.setup())
        loop.run_until_complete(web.SockSite(self._runner, sock).start())
        self._session = aiohttp.ClientSession(loop=loop)
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._session.close())
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        auth = request.headers.get("Authorization", "")
        self.seen.append(Seen(request.method, request.path, auth))
        # Read now: a late action passes the request on after the tool has
        # hung up, as a slow network would.
        body = await request.read()
        for rule in self.rules:
            if (
                rule.used < rule.times
                and rule.method == request.method
                and re.fullmatch(rule.path, request.path)
            ):
                if rule.passed < rule.skip:
                    rule.passed += 1
                    break
                rule.used += 1
                return await rule.action(Exchange(request, body, self))
        return respond(*await self.forward(request, body))

    async def forward(self, request: web.Request, body: bytes) -> Forwarded:
        assert self._session is not None
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() in ("authorization", "content-type", "accept", "user-agent")
        }
        async with self._session.request(
            request.method,
            self.upstream + request.path_qs,
            headers=headers,
            data=body,
            allow_redirects=False,
        ) as answer:
            content = await answer.read()
            kept: CIMultiDict[str] = CIMultiDict()
            for key, value in answer.headers.items():
                if key.lower() not in _SKIP:
                    # Links name the sandbox; the tool must see the meddler's.
                    kept.add(key, value.replace(self.upstream, self.url))
            return answer.status, kept, content


def respond(status: int, headers: CIMultiDict[str], body: bytes) -> web.Response:
    return web.Response(status=status, headers=headers, body=body)


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


# Actions


def drop_answer() -> Action:
    """Pass the request on (the change is made), then cut the connection."""

    async def act(exchange: Exchange) -> web.StreamResponse:
        await exchange.forward()
        transport = exchange.request.transport
        assert transport is not None
        transport.abort()
        return web.Response(status=200)

    return act


def arrive_late(seconds: float) -> Action:
    """Hold the request, then pass it on: it lands after the tool gave up."""

    async def act(exchange: Exchange) -> web.StreamResponse:
        await asyncio.sleep(seconds)
        return respond(*await exchange.forward())

    return act


def answer(
    status: int, body: bytes | str = b"", headers: dict[str, str] | None = None
) -> Action:
    """Answer without passing the request on (nothing is changed)."""
    data = body.encode() if isinstance(body, str) else body

    async def act(exchange: Exchange) -> web.StreamResponse:
        return respond(status, CIMultiDict(headers or {}), data)

    return act


def rewrite(change: Callable[[int, CIMultiDict[str], bytes], Forwarded]) -> Action:
    """Pass the request on (the change is made), then change its answer."""

    async def act(exchange: Exchange) -> web.StreamResponse:
        return respond(*change(*await exchange.forward()))

    return act


@dataclass
class Recorder:
    """Another host: records what reaches it, answers an empty list."""

    url: str = ""
    seen: list[Seen] = field(default_factory=list)
    _server: Any = None

    def __enter__(self) -> Recorder:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        seen = self.seen

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                auth = self.headers.get("Authorization", "")
                seen.append(Seen("GET", self.path, auth))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"[]")

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # "localhost", not 127.0.0.1: another host as well as another port.
        self.url = f"http://localhost:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def tokens_in(text: str, *secrets: str, window: int = 10) -> list[str]:
    """Every piece of ``window`` characters of a secret that shows in text."""
    found = []
    for secret in secrets:
        for start in range(len(secret) - window + 1):
            piece = secret[start : start + window]
            if piece in text:
                found.append(piece)
    return found

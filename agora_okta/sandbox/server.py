"""The sandbox server: an aiohttp app on its own event loop in a thread."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from types import TracebackType
from typing import Any

from aiohttp import web

from agora_okta.sandbox import console, routes
from agora_okta.sandbox.clock import SandboxClock
from agora_okta.sandbox.faults import FaultPlan
from agora_okta.sandbox.http import STATE, RequestLog, ServerState, okta_middleware
from agora_okta.sandbox.limits import RateLimiter
from agora_okta.sandbox.org import Org
from agora_okta.sandbox.settings import SandboxSettings

log = logging.getLogger(__name__)


class Sandbox:
    """A local Okta org served over HTTP until stopped.

    ``with Sandbox(settings) as sandbox:`` starts it on a free port;
    ``sandbox.url`` and ``sandbox.token`` are what an okta SDK client needs.
    """

    def __init__(self, settings: SandboxSettings | None = None) -> None:
        self.settings = settings or SandboxSettings()
        self.settings.check()
        self.clock = SandboxClock(self.settings.time_scale)
        self.org = Org(
            self.settings.seed,
            self.clock,
            random_seed=self.settings.random_seed,
            provisioning_api=self.settings.provisioning_api,
        )
        self._limiter = RateLimiter(
            self.clock,
            self.settings.rate_limits,
            self.settings.bucket_limits,
            self.settings.foreign_usage,
        )
        self.token = self.settings.token
        self.url = ""
        self._log: RequestLog | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Lock()

    def start(self) -> Sandbox:
        """Listen, serve from a background thread, return once listening."""
        if self._thread is not None:
            raise RuntimeError("the sandbox is already running")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.settings.host, self.settings.port))
        host, port = sock.getsockname()[:2]
        self.url = f"http://{host}:{port}"
        self._log = RequestLog(self.settings.request_log)
        state = ServerState(
            org=self.org,
            token=self.token,
            clock=self.clock,
            limiter=self._limiter,
            faults=self._fault_plan(),
            requests=self._log,
            concurrency_limit=self.settings.concurrency_limit,
            base_url=self.url,
            scale_latency=self.settings.scale_latency,
        )
        ready = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._serve,
            args=(state, sock, ready, failure),
            name="agora-okta-sandbox",
            daemon=True,
        )
        self._thread.start()
        ready.wait()
        if failure:
            self._thread.join()
            self._thread, self._loop = None, None
            raise failure[0]
        log.info("start: listening url=%s", self.url)
        return self

    def _fault_plan(self) -> FaultPlan:
        return FaultPlan(
            self.settings.random_seed,
            self.settings.latency_ms,
            self.settings.fault_rate,
            self.settings.drop_rate,
        )

    def _serve(
        self,
        state: ServerState,
        sock: socket.socket,
        ready: threading.Event,
        failure: list[BaseException],
    ) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self._runner = loop.run_until_complete(_start_site(state, sock))
        except BaseException as error:  # handed to start(), which raises it
            failure.append(error)
            sock.close()
            loop.close()
            ready.set()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

    def stop(self) -> None:
        """Stop serving and close the request log file.

        Safe to call twice, and from two threads at once (the command line's
        serve_forever and a signal handler, say): one of them does the work.
        """
        with self._stopping:
            thread, loop = self._thread, self._loop
            self._thread, self._loop = None, None
        if thread is None or loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        if self._log is not None:
            self._log.close()
        log.info("stop: stopped url=%s", self.url)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def requests(self) -> list[dict[str, Any]]:
        """The request log, as ``GET /console/requests`` answers it."""
        return [] if self._log is None else self._log.entries()

    def reset(self) -> None:
        """The org back to its seed (the request log and rate windows stay)."""
        self.org.reset()

    def provision(self, app_id: str, **values: Any) -> None:
        """What ``POST /console/apps/{app_id}/provisioning`` does.

        Raises KeyError for an unknown app, ValueError for wrong values.
        """
        with self.org.lock:
            if app_id not in self.org.apps.store:
                raise KeyError(f"no app {app_id}")
            self.org.apps.console(app_id, values)

    def play_admin(self, app_id: str, scim_base_url: str, token: str) -> None:
        """Steps 3, 4 and 6 of Agora's admin guide, with the guide's values:
        SCIM on, email as the unique identifier, a bearer token in the HTTP
        header, and create, update and deactivate users enabled."""
        self.provision(
            app_id,
            enabled=True,
            base_url=scim_base_url,
            unique_identifier="email",
            auth="header",
            token=token,
            create_users=True,
            update_user_attributes=True,
            deactivate_users=True,
        )

    def serve_forever(self) -> None:
        """For the command line: serve until Ctrl-C, then stop."""
        if self._thread is None:
            self.start()
        thread = self._thread
        try:
            # Short joins keep the main thread able to take Ctrl-C.
            while thread is not None and thread.is_alive():
                thread.join(timeout=0.5)
        except KeyboardInterrupt:
            pass
        finally:
            self.stop()


async def _start_site(state: ServerState, sock: socket.socket) -> web.AppRunner:
    app = web.Application(middlewares=[okta_middleware])
    app[STATE] = state
    app.add_routes(routes.routes)
    app.add_routes(console.routes)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    await web.SockSite(runner, sock).start()
    return runner

"""One ``apply`` at a time for one org and app, on this machine.

Two applies that read the org at the same time would each plan the same
creates, and the second would make a second push mapping or fight the first
over an assignment. So ``apply`` holds an exclusive ``flock`` on a file named
by a hash of the org URL and the app label, under the user's state folder
(``$XDG_STATE_HOME/agora-okta/locks``, else ``~/.local/state/agora-okta/locks``),
from before it reads the org until it is done. ``plan`` only reads, and takes
no lock.

A second apply waits for the first (``AGORA_OKTA_LOCK_WAIT`` seconds, 10 by
default), then refuses with exit code 1, naming the process that holds the
lock. The kernel drops a ``flock`` when its process ends, however it ends, so
a run that was killed never blocks the next one; the file stays, and says
who held it last.

Known shortcoming: the lock covers one machine (two CI runners can still meet;
a CI concurrency group is the fix there), and only systems with ``fcntl``
(Linux, macOS). Elsewhere apply runs without it and logs a warning.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from agora_okta.errors import AgoraOktaError

log = logging.getLogger(__name__)

WAIT_ENV = "AGORA_OKTA_LOCK_WAIT"
WAIT_SECONDS = 10.0
_POLL_SECONDS = 0.1

try:
    import fcntl
except ImportError:  # pragma: no cover - not on the systems the tests run on
    fcntl = None  # type: ignore[assignment]


def state_dir(env: Mapping[str, str] | None = None) -> Path:
    """Where agora-okta keeps state between runs (XDG Base Directory spec)."""
    env = os.environ if env is None else env
    base = env.get("XDG_STATE_HOME", "")
    # The spec says to ignore a relative path.
    if base and Path(base).is_absolute():
        return Path(base) / "agora-okta"
    return Path.home() / ".local" / "state" / "agora-okta"


def wait_seconds(env: Mapping[str, str] | None = None) -> float:
    """How long a second apply waits for the first (``AGORA_OKTA_LOCK_WAIT``)."""
    env = os.environ if env is None else env
    raw = env.get(WAIT_ENV, "")
    try:
        value = float(raw) if raw else WAIT_SECONDS
    except ValueError:
        raise AgoraOktaError(
            f"{WAIT_ENV}={raw!r} is not a number of seconds; write e.g. {WAIT_ENV}=60"
        ) from None
    return max(0.0, value)


def lock_path(
    org_url: str, app_label: str, env: Mapping[str, str] | None = None
) -> Path:
    """The lock file for one org and app."""
    key = f"{org_url.rstrip('/').lower()}\n{app_label}".encode()
    name = hashlib.sha256(key).hexdigest()[:32] + ".lock"
    return state_dir(env) / "locks" / name


class ApplyLock:
    """``async with ApplyLock(org_url, label):`` holds the lock, or waits for
    it, telling ``on_wait`` once, then raises AgoraOktaError."""

    def __init__(
        self,
        org_url: str,
        app_label: str,
        *,
        wait: float | None = None,
        on_wait: Callable[[str], None] | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.org_url = org_url
        self.app_label = app_label
        self.path = lock_path(org_url, app_label, env)
        self._wait = wait_seconds(env) if wait is None else wait
        self._on_wait = on_wait or log.info
        self._file: IO[str] | None = None

    async def __aenter__(self) -> ApplyLock:
        if fcntl is None:
            log.warning("lock: no fcntl here; apply runs without a lock")
            return self
        if self.try_acquire():
            return self
        self._on_wait(
            f"Another apply for this org and app is running ({self.holder()}); "
            f"waiting up to {self._wait:g} s for it to finish."
        )
        deadline = time.monotonic() + self._wait
        while not self.try_acquire():
            if time.monotonic() >= deadline:
                raise AgoraOktaError(self._refusal())
            await asyncio.sleep(_POLL_SECONDS)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.release()

    def try_acquire(self) -> bool:
        """Take the lock if it is free, and write who holds it."""
        handle = self._open()
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        handle.seek(0)
        handle.truncate()
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}, since {started}\n")
        handle.flush()
        self._file = handle
        log.debug("lock: held path=%s", self.path)
        return True

    def holder(self) -> str:
        """Who holds the lock, as its holder wrote it."""
        with contextlib.suppress(OSError):
            text = self.path.read_text(encoding="utf-8").strip()
            if text:
                return text
        return "pid unknown"

    def release(self) -> None:
        if self._file is None:
            return
        # The file stays: deleting it would let a waiting run lock a file
        # that no longer has this name while a third run makes a new one.
        with contextlib.suppress(OSError):
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
        self._file.close()
        self._file = None

    def _open(self) -> IO[str]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Not "w": that would empty the holder's note before the lock is ours.
            return self.path.open("a+", encoding="utf-8")
        except OSError as error:
            raise AgoraOktaError(
                f"cannot open the lock file {self.path} ({error.strerror}); set "
                "XDG_STATE_HOME to a folder this user can write"
            ) from None

    def _refusal(self) -> str:
        return (
            f"another apply for {self.org_url} app {self.app_label!r} is still "
            f"running ({self.holder()}) after waiting {self._wait:g} s; run apply "
            f"again when it has finished (set {WAIT_ENV} to wait longer; lock "
            f"file {self.path})"
        )

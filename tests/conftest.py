"""Shared test setup: helpers on the import path, the shared folder, a real
SCIM server standing in for Agora."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.core
import pytest
from keyring.backends import fail

sys.path.insert(0, str(Path(__file__).resolve().parent))

from keyring_support import MemoryKeyring
from okta_fidelity import require_shared
from scim_support import SCIM_TOKEN, ScimServer, free_port, wait_until_up


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared beside the repository; the test skips, saying why, without it."""
    return require_shared()


@pytest.fixture(scope="session")
def scim_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScimServer]:
    executable = Path(sys.executable).with_name("scim2-server")
    if not executable.exists():
        found = shutil.which("scim2-server")
        if found is None:
            pytest.skip("scim2-server is not installed (pip install -e '.[test]')")
        executable = Path(found)

    server = ScimServer(free_port())
    log_path = tmp_path_factory.mktemp("scim2-server") / "server.log"
    command = [str(executable), "--hostname", "127.0.0.1", "--port", str(server.port)]
    command += ["--bearer-token", SCIM_TOKEN]
    with log_path.open("w") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=log_file)
    try:
        wait_until_up(server, process, log_path)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=5)


@pytest.fixture(autouse=True)
def memory_keyring() -> Iterator[MemoryKeyring]:
    """Every test gets a fresh in-memory keyring: none reaches the real one."""
    previous = keyring.get_keyring() if _initialised() else None
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous if previous is not None else fail.Keyring())  # type: ignore[no-untyped-call]


def _initialised() -> bool:
    # keyring.get_keyring() would otherwise pick the machine's real backend.
    return keyring.core._keyring_backend is not None

"""One apply at a time for one org and app on one machine: a second one waits
(AGORA_OKTA_LOCK_WAIT seconds, 10 by default) and then goes on with a fresh
read, or refuses naming the process that holds the lock. Plan takes no lock."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Cli
from reliability_support import (
    OKTA_TOKEN,
    app_ids,
    check_guarantees,
    desired,
    people,
    seed,
    write,
)
from scim_support import SCIM_TOKEN

from agora_okta.errors import AgoraOktaError
from agora_okta.lock import ApplyLock, lock_path, state_dir
from agora_okta.sandbox import Sandbox, SandboxSettings

SCIM_URL = "https://agora.example.com/scim/v2"


@pytest.fixture
def org() -> Iterator[Sandbox]:
    settings = SandboxSettings(seed=seed(6), token=OKTA_TOKEN, provisioning_api=True)
    with Sandbox(settings) as sandbox:
        yield sandbox


def the_file(org: Sandbox, tmp_path: Path, label: str = "Agora") -> Path:
    data = desired(
        org.url, SCIM_URL, persons=people(4), push=["Sales"], groups=[], label=label
    )
    return write(tmp_path / f"{label}.yaml", data)


def hold(org_url: str, label: str = "Agora") -> ApplyLock:
    lock = ApplyLock(org_url, label, wait=0)
    asyncio.run(lock.__aenter__())
    return lock


def test_a_second_apply_refuses_after_its_wait_naming_the_first(
    cli: Cli, org: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGORA_OKTA_LOCK_WAIT", "0.3")
    held = hold(org.url)
    try:
        started = time.monotonic()
        result = cli(
            "apply", "--yes", "--skip-scim-check", str(the_file(org, tmp_path))
        )
        waited = time.monotonic() - started
    finally:
        held.release()

    assert result.code == 1
    lines = result.err.strip().splitlines()
    assert lines[-2].startswith(
        f"Another apply for this org and app is running (pid {os.getpid()} on "
    )
    assert lines[-2].endswith("); waiting up to 0.3 s for it to finish.")
    assert lines[-1].startswith(
        f"error: another apply for {org.url} app 'Agora' is still running "
        f"(pid {os.getpid()} on "
    )
    assert "after waiting 0.3 s; run apply again when it has finished" in lines[-1]
    assert waited >= 0.3
    # It read nothing: a plan made while another apply works is stale.
    assert org.requests() == []


def test_a_second_apply_waits_then_goes_on_from_what_the_first_did(
    cli: Cli, org: Sandbox, tmp_path: Path
) -> None:
    held = hold(org.url)
    threading.Timer(0.3, held.release).start()

    result = cli("apply", "--yes", "--skip-scim-check", str(the_file(org, tmp_path)))

    assert result.code == 0, result.err
    assert "waiting up to 10 s for it to finish." in result.err
    assert len(app_ids(org)) == 1


def test_plan_and_another_app_are_not_held_up(
    cli: Cli, org: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGORA_OKTA_LOCK_WAIT", "0")
    held = hold(org.url)
    try:
        path = str(the_file(org, tmp_path))
        assert cli("plan", "--skip-scim-check", path).code == 0
        other = str(the_file(org, tmp_path, label="Agora Staging"))
        assert cli("apply", "--yes", "--skip-scim-check", other).code == 0
        assert cli("apply", "--yes", "--skip-scim-check", path).code == 1
    finally:
        held.release()
    assert cli("apply", "--yes", "--skip-scim-check", path).code == 0


def test_the_lock_file_lives_in_the_users_state_folder(
    environment: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = lock_path("https://ACME.okta.com/", "Agora")
    assert path.parent == environment / ".local" / "state" / "agora-okta" / "locks"
    assert path == lock_path("https://acme.okta.com", "Agora")
    assert path != lock_path("https://acme.okta.com", "Agora Staging")

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert state_dir() == tmp_path / "state" / "agora-okta"
    # A relative XDG_STATE_HOME is ignored, as the XDG spec says.
    monkeypatch.setenv("XDG_STATE_HOME", "relative/state")
    assert state_dir() == environment / ".local" / "state" / "agora-okta"


def test_a_lock_folder_that_cannot_be_made_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    with pytest.raises(AgoraOktaError) as caught:
        hold("https://acme.okta.com")
    assert str(caught.value).startswith("cannot open the lock file ")
    assert "set XDG_STATE_HOME to a folder this user can write" in str(caught.value)


def test_a_bad_wait_setting_is_a_clear_error(
    cli: Cli, org: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AGORA_OKTA_LOCK_WAIT", "ten")
    result = cli("apply", "--yes", "--skip-scim-check", str(the_file(org, tmp_path)))
    assert result.code == 1
    assert "error: AGORA_OKTA_LOCK_WAIT='ten' is not a number of seconds" in result.err


def test_two_apply_processes_at_once_make_each_change_once(
    tmp_path: Path, environment: Path
) -> None:
    settings = SandboxSettings(
        seed=seed(20), token=OKTA_TOKEN, provisioning_api=True, latency_ms=(20, 40)
    )
    with Sandbox(settings) as org:
        data = desired(
            org.url,
            SCIM_URL,
            persons=people(20),
            push=["Engineering", "Sales"],
            groups=["Support"],
        )
        path = write(tmp_path / "agora-okta.yaml", data)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("XDG_STATE")},
            "HOME": str(environment),
            "OKTA_API_TOKEN": OKTA_TOKEN,
            "AGORA_SCIM_TOKEN": SCIM_TOKEN,
        }
        argv = [sys.executable, "-m", "agora_okta", "apply", "--yes"]
        argv += ["--skip-scim-check", str(path)]

        def start() -> subprocess.Popen[str]:
            return subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=env,
                text=True,
            )

        # The second starts once the first holds the lock (taken before its
        # first request) and has 30-odd requests of 20-40 ms still to make:
        # started together, a slow start could let the first finish before
        # the second reached the lock, and nothing would be tested.
        runs = [start()]
        deadline = time.monotonic() + 30
        while not org.requests() and time.monotonic() < deadline:
            time.sleep(0.01)
        runs.append(start())
        results = [
            (run.pid, *run.communicate(timeout=60), run.returncode) for run in runs
        ]
        check_guarantees(org, data)
        log = org.requests()

    assert [code for *_, code in results] == [0, 0], results
    waited = [r for r in results if "Another apply for this org and app" in r[2]]
    assert len(waited) == 1, results
    other = next(r for r in results if r is not waited[0])
    assert f"is running (pid {other[0]} on " in waited[0][2]
    # The one that waited read the org afresh and found nothing left to do.
    assert "No changes: Okta matches the file." in waited[0][1]
    writes = [e for e in log if e["method"] != "GET"]
    assert [e for e in writes if e["status"] >= 300] == []
    posts = [e["path"] for e in writes if e["method"] == "POST"]
    assert posts.count("/api/v1/apps") == 1
    assert sum(1 for p in posts if p.endswith("/users")) == 20

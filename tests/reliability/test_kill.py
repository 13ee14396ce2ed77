"""``agora-okta apply`` as a real process, killed (SIGKILL) or interrupted
(SIGINT, as Ctrl-C) while it works on a sandbox served by this test process.

The sandbox answers the provisioning API as for a catalogue app, so that one
run does the whole job: the app, its connection, push groups, then 37
assignments, each request 5-15 ms late. Each kill lands at a random moment
(seeded) after the process's first request; the next apply must finish the
job with the usual guarantees, and the lock of the killed process must not
stand in its way.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from reliability_support import (
    OKTA_TOKEN,
    SUMMARY,
    apply_until_done,
    check_guarantees,
    desired,
    load,
    people,
    plan_is_empty,
    seed,
    write,
)
from scim_support import SCIM_TOKEN

from agora_okta import engine
from agora_okta.sandbox import Sandbox, SandboxSettings

KILLS = 20
PEOPLE = 32
SCIM_URL = "https://agora.example.com/scim/v2"
# Changes the assignment phase makes: push groups, groups, people.
PUSH = ["Engineering", "Sales", "Support"]
GROUPS = ["Engineering", "Finance"]


@dataclass
class KillTally:
    seen_before_kill: list[int] = field(default_factory=list)
    finished_first: int = 0
    run_seconds: float = 0.0


TALLY = KillTally()


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    yield
    if TALLY.seen_before_kill:
        points = ", ".join(str(n) for n in TALLY.seen_before_kill)
        SUMMARY.append(
            f"kill suite: {len(TALLY.seen_before_kill)} SIGKILLs over a "
            f"{TALLY.run_seconds:.2f} s apply; requests the org had seen from the "
            f"killed process at each kill: {points}; "
            f"{TALLY.finished_first} finished before its kill"
        )


def _sandbox() -> Sandbox:
    settings = SandboxSettings(
        seed=seed(PEOPLE + 2),
        token=OKTA_TOKEN,
        latency_ms=(5, 15),
        provisioning_api=True,
        random_seed=0,
    )
    return Sandbox(settings)


@pytest.fixture(scope="module")
def orgs() -> Iterator[list[Sandbox]]:
    """Two orgs, so that two kills run side by side (a process takes a second
    and a half to start, most of the time a kill costs)."""
    with _sandbox() as first, _sandbox() as second:
        yield [first, second]


@pytest.fixture
def org(orgs: list[Sandbox]) -> Sandbox:
    return orgs[0]


def the_data(org: Sandbox) -> dict[str, Any]:
    return desired(org.url, SCIM_URL, persons=people(PEOPLE), push=PUSH, groups=GROUPS)


def child_env(home: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OKTA_", "AGORA_", "XDG_STATE"))
    }
    env.update(
        HOME=str(home),
        OKTA_API_TOKEN=OKTA_TOKEN,
        AGORA_SCIM_TOKEN=SCIM_TOKEN,
        NO_COLOR="1",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def start(
    argv: list[str], home: Path, out: Path, **env: str
) -> subprocess.Popen[bytes]:
    with out.with_suffix(".out").open("wb") as stdout, out.open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "agora_okta", *argv],
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            env=child_env(home, **env),
        )


def wait_for_requests(
    org: Sandbox, before: int, count: int, process: subprocess.Popen[bytes]
) -> None:
    """Until the org has seen ``count`` requests since ``before``."""
    deadline = time.monotonic() + 30
    while len(org.requests()) - before < count:
        assert process.poll() is None, "the process ended before its requests"
        assert time.monotonic() < deadline, "no request from the process"
        time.sleep(0.002)


def options(org: Sandbox) -> engine.Options:
    return engine.Options(org_url=org.url, token=OKTA_TOKEN, skip_scim_check=True)


@pytest.fixture(scope="module")
def run_seconds(orgs: list[Sandbox], tmp_path_factory: pytest.TempPathFactory) -> float:
    """How long a whole apply takes, from its first request to its end."""
    org = orgs[0]
    folder = tmp_path_factory.mktemp("calibration")
    (folder / "home").mkdir()
    path = write(folder / "agora-okta.yaml", the_data(org))
    org.reset()
    before = len(org.requests())
    process = start(
        ["apply", "--yes", "--skip-scim-check", str(path)],
        folder / "home",
        folder / "err",
    )
    wait_for_requests(org, before, 1, process)
    began = time.monotonic()
    assert process.wait(60) == 0, (folder / "err").read_text()
    TALLY.run_seconds = time.monotonic() - began
    check_guarantees(org, the_data(org))
    return TALLY.run_seconds


@pytest.mark.parametrize("pair", range(KILLS // 2))
def test_apply_killed_at_a_random_point_is_finished_by_the_next_run(
    pair: int,
    orgs: list[Sandbox],
    run_seconds: float,
    tmp_path: Path,
    environment: Path,
) -> None:
    # Kill points 2 * pair and 2 * pair + 1, one on each org, side by side.
    with ThreadPoolExecutor(2) as pool:
        kills = [
            pool.submit(
                _kill_and_finish,
                orgs[k],
                2 * pair + k,
                run_seconds,
                tmp_path,
                environment,
            )
            for k in (0, 1)
        ]
        for kill in kills:
            kill.result()


def _kill_and_finish(
    org: Sandbox, point: int, run_seconds: float, tmp_path: Path, home: Path
) -> None:
    org.reset()
    data = the_data(org)
    path = write(tmp_path / f"kill-{point}.yaml", data)
    before = len(org.requests())
    process = start(
        ["apply", "--yes", "--skip-scim-check", str(path)],
        home,
        tmp_path / f"kill-{point}.err",
    )
    wait_for_requests(org, before, 1, process)
    time.sleep(random.Random(point).uniform(0, run_seconds))
    process.send_signal(signal.SIGKILL)
    code = process.wait(10)
    TALLY.seen_before_kill.append(len(org.requests()) - before)
    if code == 0:
        TALLY.finished_first += 1
    else:
        assert code == -signal.SIGKILL

    # The next run, in this process and with the same HOME (so the lock file
    # the killed process held too), goes on from there.
    loaded = load(path)
    runs = apply_until_done(org, loaded, options(org), SCIM_URL, max_runs=2)
    assert runs.codes == ["done"], (point, runs.codes)
    check_guarantees(org, data)
    assert plan_is_empty(loaded, options(org))
    log = org.requests()[before:]
    assert not [e for e in log if e["method"] == "DELETE"]
    # Each change reached Okta once, whatever the kill cut: no create twice.
    creates = [e for e in log if e["method"] == "POST" and e["status"] < 300]
    assert sum(1 for e in creates if e["path"] == "/api/v1/apps") == 1, point
    mappings = [e for e in creates if e["path"].endswith("/group-push/mappings")]
    assert len(mappings) == len(PUSH), point


def test_ctrl_c_stops_between_requests_and_says_how_far_it_got(
    org: Sandbox, tmp_path: Path, environment: Path
) -> None:
    org.reset()
    data = the_data(org)
    path = write(tmp_path / "agora-okta.yaml", data)
    before = len(org.requests())
    process = start(
        ["apply", "--yes", "--skip-scim-check", str(path)],
        environment,
        tmp_path / "err",
    )
    # Interrupted among the person assignments.
    wait_for_requests(org, before, 25, process)
    process.send_signal(signal.SIGINT)
    code = process.wait(10)
    err = (tmp_path / "err").read_text()

    assert code == 130, err
    assert "Traceback" not in err
    last = err.strip().splitlines()[-1]
    assert last.startswith("Interrupted: stopped between requests, after applying ")
    assert last.endswith(
        " change(s). Run apply again to finish: it reads Okta first and goes on "
        "from there."
    )
    done, total = (
        int(n) for n in last.split("applying ")[1].split(" change")[0].split(" of ")
    )
    assert total == 1 + len(PUSH) + len(GROUPS) + PEOPLE
    # Every change counted reached Okta, and no other: it stopped between
    # requests, not in the middle of one.
    made = [
        e
        for e in org.requests()[before:]
        if e["status"] < 300
        and (
            (e["method"] == "POST" and e["path"] == "/api/v1/apps")
            or (e["path"].endswith("/group-push/mappings") and e["method"] == "POST")
            or (e["method"] == "PUT" and "/groups/" in e["path"])
            or (e["method"] == "POST" and e["path"].endswith("/users"))
        )
    ]
    assert 0 < done < total
    assert len(made) == done

    loaded = load(path)
    assert apply_until_done(org, loaded, options(org), SCIM_URL).codes == ["done"]
    check_guarantees(org, data)


def test_a_refused_token_is_one_line_from_a_real_process(
    org: Sandbox, tmp_path: Path, environment: Path
) -> None:
    # Concurrent reads all fail at once; the first is the message, and no
    # other reaches the user as a traceback at exit.
    path = write(tmp_path / "agora-okta.yaml", the_data(org))
    process = start(
        ["plan", "--skip-scim-check", str(path)],
        environment,
        tmp_path / "err",
        OKTA_API_TOKEN=OKTA_TOKEN[::-1],
    )
    assert process.wait(30) == 1
    lines = (tmp_path / "err").read_text().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: Okta refused GET /api/v1/")
    assert ": 401 E0000011 Invalid token provided" in lines[0]

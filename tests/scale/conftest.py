"""Scale tests: a sandbox with Okta's realistic limits on a fast clock, the
command line run in-process, and the request log counted.

Counts, never timings: the number of requests a plan or an apply sends for a
given org is exact and the same on any machine, so a change that costs more
requests fails here. How long they take is the benchmark's business
(``benchmarks/run.py``).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agora_okta.adapter.org import saml_app_body
from agora_okta.cli import main
from agora_okta.sandbox import Sandbox, SandboxSettings

OKTA_TOKEN = "00scale-okta-api-token-ABCDEFGHIJKLMNOPQR"
LABEL = "Agora"
ACS_URL = "https://agora.example.com/saml/acs"
AUDIENCE = "https://agora.example.com"
SCIM_URL = "https://agora.example.com/scim/v2"
# One Okta minute in a tenth of a real second: an apply of a thousand changes
# waits out twenty windows in about two seconds.
TIME_SCALE = 600.0


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("OKTA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("OKTA_API_TOKEN", OKTA_TOKEN)
    monkeypatch.setenv("AGORA_SCIM_TOKEN", "scale-scim-token")
    monkeypatch.setenv("NO_COLOR", "1")


Cli = Callable[..., Result]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*argv: str) -> Result:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def email(n: int) -> str:
    return f"user{n:04}@example.com"


def group(g: int) -> str:
    return f"group-{g:03}"


def seed(users: int, groups: int) -> dict[str, Any]:
    """Users user0000@example.com...; groups group-000... without members, so
    that the app's users are exactly the people assigned."""
    return {
        "users": [
            {"email": email(n), "first_name": "User", "last_name": f"N{n}"}
            for n in range(users)
        ],
        "groups": [{"name": group(g), "members": []} for g in range(groups)],
    }


def desired(url: str, people: list[str], groups: int) -> dict[str, Any]:
    names = [group(g) for g in range(groups)]
    return {
        "okta": {"org_url": url},
        "app": {"label": LABEL, "sso": {"acs_url": ACS_URL, "audience": AUDIENCE}},
        "provisioning": {"scim_base_url": SCIM_URL, "token": "env:AGORA_SCIM_TOKEN"},
        "push_groups": names,
        "assign": {"groups": names, "people": people},
    }


SandboxFactory = Callable[..., Sandbox]


@pytest.fixture
def make_org() -> Iterator[SandboxFactory]:
    """Orgs with realistic limits on a fast clock, each with the app made and
    its console steps done, as after a first apply and the admin's visit."""
    started: list[Sandbox] = []

    def make(users: int, groups: int, **settings: Any) -> Sandbox:
        sandbox = Sandbox(
            SandboxSettings(
                seed=seed(users, groups),
                token=OKTA_TOKEN,
                rate_limits="realistic",
                time_scale=TIME_SCALE,
                **settings,
            )
        ).start()
        started.append(sandbox)
        _set_up_app(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


def _set_up_app(sandbox: Sandbox) -> None:
    import json
    import urllib.request

    body = json.dumps(saml_app_body(LABEL, ACS_URL, AUDIENCE, True)).encode()
    request = urllib.request.Request(
        f"{sandbox.url}/api/v1/apps?activate=true",
        data=body,
        method="POST",
        headers={
            "Authorization": f"SSWS {sandbox.token}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        app = json.loads(answer.read())
    sandbox.provision(
        app["id"],
        enabled=True,
        base_url=SCIM_URL,
        unique_identifier="email",
        auth="header",
        token="scale-scim-token",
        create_users=True,
        update_user_attributes=True,
        deactivate_users=True,
    )


def counted(org: Sandbox, since: int) -> Counter[tuple[str, str]]:
    """Requests since ``since``, by method and path with ids made generic."""
    found: Counter[tuple[str, str]] = Counter()
    for entry in org.requests()[since:]:
        path = re.sub(r"/(0oa|00u|00g|gPm)[A-Za-z0-9]+", r"/{\1}", entry["path"])
        found[(entry["method"], path)] += 1
    return found


def statuses(org: Sandbox, since: int) -> Counter[int]:
    return Counter(entry["status"] for entry in org.requests()[since:])

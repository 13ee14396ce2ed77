"""End-to-end fixtures: a sandbox org, a real SCIM server as Agora, the CLI.

Every test runs the command line through ``main(argv)`` against a sandbox
served over real HTTP, with HOME and the working directory in tmp_path and
the tokens in the environment.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from isolation import isolate
from scim_support import SCIM_TOKEN, ScimServer

from agora_okta.cli import main
from agora_okta.sandbox import Sandbox, SandboxSettings

OKTA_TOKEN = "00e2e-okta-api-token-ABCDEFGHIJKLMNOP"

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
        {"name": "Support", "members": ["dave@example.com"]},
    ],
}


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("OKTA_API_TOKEN", OKTA_TOKEN)
    monkeypatch.setenv("AGORA_SCIM_TOKEN", SCIM_TOKEN)


@pytest.fixture
def org() -> Iterator[Sandbox]:
    sandbox = Sandbox(SandboxSettings(seed=SEED, token=OKTA_TOKEN)).start()
    try:
        yield sandbox
    finally:
        sandbox.stop()


Cli = Callable[..., Result]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*argv: str) -> Result:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def desired(org: Sandbox, scim: ScimServer, **changes: Any) -> dict[str, Any]:
    """The file for the test org; ``changes`` replace top-level sections."""
    data: dict[str, Any] = {
        "okta": {"org_url": org.url},
        "app": {"label": "Agora"},
        "provisioning": {
            "scim_base_url": scim.base_url,
            "token": "env:AGORA_SCIM_TOKEN",
        },
        "push_groups": ["Engineering", {"group": "Sales", "role": "Sales Team"}],
        "assign": {
            "groups": ["Engineering"],
            "people": ["alice@example.com", "carol@example.com"],
        },
    }
    data.update(changes)
    return data


WriteFile = Callable[[dict[str, Any]], Path]


@pytest.fixture
def write_file(tmp_path: Path) -> WriteFile:
    path = tmp_path / "agora-okta.yaml"

    def write(data: dict[str, Any]) -> Path:
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return write


def writes(org: Sandbox) -> list[tuple[str, str]]:
    """The write requests the org received, as (method, path)."""
    return [
        (entry["method"], entry["path"])
        for entry in org.requests()
        if entry["method"] != "GET"
    ]


def play_admin(org: Sandbox, app_id: str, scim: ScimServer) -> None:
    """The console stand-in doing steps 3, 4 and 6 of the admin guide."""
    org.play_admin(app_id, scim.base_url, SCIM_TOKEN)


def okta_call(org: Sandbox, method: str, path: str) -> Any:
    """A request behind the tool's back, as another admin would make it."""
    request = urllib.request.Request(
        org.url + path, method=method, headers={"Authorization": f"SSWS {org.token}"}
    )
    with urllib.request.urlopen(request, timeout=5) as answer:
        body = answer.read()
    return json.loads(body) if body else None


def the_app(org: Sandbox, label: str = "Agora") -> dict[str, Any]:
    apps = [a for a in okta_call(org, "GET", "/api/v1/apps") if a["label"] == label]
    assert len(apps) == 1, apps
    return dict(apps[0])

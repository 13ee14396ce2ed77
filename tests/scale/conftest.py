"""Fixtures of the scale tests (helpers live in ``scale_support``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from isolation import isolate

from agora_okta.cli import main
from agora_okta.sandbox import Sandbox, SandboxSettings

from .scale_support import (
    OKTA_TOKEN,
    TIME_SCALE,
    Cli,
    Result,
    SandboxFactory,
    seed,
    set_up_app,
)


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("OKTA_API_TOKEN", OKTA_TOKEN)
    monkeypatch.setenv("AGORA_SCIM_TOKEN", "scale-scim-token")


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*argv: str) -> Result:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


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
        set_up_app(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()

"""Reliability fixtures: HOME and the working folder in tmp_path, the tokens in
the environment, and the command line through ``main(argv)``."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from isolation import isolate
from reliability_support import OKTA_TOKEN, SUMMARY
from scim_support import SCIM_TOKEN

from agora_okta.cli import main


@dataclass
class Result:
    code: int
    out: str
    err: str


Cli = Callable[..., Result]


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    home = isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("OKTA_API_TOKEN", OKTA_TOKEN)
    monkeypatch.setenv("AGORA_SCIM_TOKEN", SCIM_TOKEN)
    return home


@pytest.fixture(autouse=True)
def quiet_test_servers() -> Iterator[None]:
    """The sandbox and the tests' proxy log an error each time the tool hangs
    up on purpose (a timeout, an interruption); that is the test, not news."""
    server = logging.getLogger("aiohttp.server")
    level = server.level
    server.setLevel(logging.CRITICAL)
    yield
    server.setLevel(level)


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*argv: str) -> Result:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SUMMARY:
        terminalreporter.section("reliability counts")
        for line in SUMMARY:
            terminalreporter.write_line(line)

"""A test process as a fresh machine would run the tool: its own HOME and
working folder, no Okta settings from the environment, no colour."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def isolate(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point HOME and the working folder at ``tmp_path``; return the new HOME.

    The okta SDK reads ``./okta.yaml`` and ``~/.okta/okta.yaml`` before the
    environment, and apply keeps its lock under ``~/.local/state``: neither
    may come from the machine running the tests.
    """
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.startswith("OKTA_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_COLOR", "1")
    return home

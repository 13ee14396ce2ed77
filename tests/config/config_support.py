"""Shared by the file and secrets tests: the folders of example files."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
BAD = HERE / "bad"
GOOD = HERE / "good"
EXAMPLE = HERE.parents[1] / "config.example.yaml"

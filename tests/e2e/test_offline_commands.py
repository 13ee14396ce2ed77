"""`validate [FILE]` and `schema` run without typer, to start fast; any other
form of them (here the same command line with ``--``, which only typer reads)
goes through typer. Both ways must print the same and exit the same."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import Cli

ROOT = Path(__file__).resolve().parents[2]
CONFIG_TESTS = ROOT / "tests" / "config"
FILES = [
    ROOT / "config.example.yaml",
    *sorted((CONFIG_TESTS / "good").glob("*.yaml")),
    *sorted((CONFIG_TESTS / "bad").glob("*.yaml")),
]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_validate_says_the_same_with_and_without_typer(path: Path, cli: Cli) -> None:
    plain = cli("validate", str(path))
    through_typer = cli("validate", "--", str(path))

    assert plain == through_typer
    if path.parent.name == "bad":
        assert (plain.code, plain.out) == (1, "")
        assert f"{path}:" in plain.err
    else:
        assert plain.code == 0
        assert plain.out.startswith(f"{path}: valid.")


def test_validate_without_a_file_reads_the_default_either_way(
    cli: Cli, tmp_path: Path
) -> None:
    missing = cli("validate")
    assert missing == cli("validate", "--")
    assert missing.code == 1
    assert "agora-okta.yaml:1:1: no such file" in missing.err

    shutil.copy(ROOT / "config.example.yaml", tmp_path / "agora-okta.yaml")
    found = cli("validate")
    assert found == cli("validate", "--")
    assert found.code == 0
    assert found.out.startswith("agora-okta.yaml: valid.")


def test_schema_says_the_same_with_and_without_typer(cli: Cli) -> None:
    plain = cli("schema")
    assert plain == cli("schema", "--")
    assert plain.code == 0
    assert json.loads(plain.out)["title"] == "agora-okta setup file"


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", "a.yaml", "b.yaml"],
        ["validate", "--nope", "a.yaml"],
        ["schema", "extra"],
    ],
)
def test_other_forms_get_typers_usage_errors(argv: list[str], cli: Cli) -> None:
    result = cli(*argv)
    assert result.code == 1
    assert result.out == ""
    assert "Usage: agora-okta" in result.err

"""What each command imports, in a fresh interpreter: start-up is part of
every run, and the okta SDK is the heaviest thing the tool could load.

Imports, not timings (those are the benchmark's): ``--help``, ``validate``
and ``schema`` never import the okta SDK, and the plain forms of ``validate``
and ``schema`` not typer either (whose pydantic adapters cost about 0.1 s
of start-up); the adapter loads the SDK's request
executor without the package's ``__init__``, its API client or its models.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

_PROBE = """
import json, sys
{body}
names = sorted(sys.modules)
tops = ("okta", "pydantic", "typer", "rich")
print(json.dumps([n for n in names if n.split(".")[0] in tops]))
"""

FILE = """\
okta: {org_url: "https://acme.okta.com"}
app: {label: Agora}
provisioning:
  scim_base_url: https://agora.example.com/scim/v2
  token: env:AGORA_SCIM_TOKEN
push_groups: [Engineering]
assign: {groups: [Engineering], people: [alice@example.com]}
"""


def _modules(body: str, tmp_path: Path) -> list[str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(body=body)],
        cwd=tmp_path,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    found: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


@pytest.mark.parametrize("argv", [["--help"], ["validate", "f.yaml"], ["schema"]])
def test_offline_commands_never_import_the_okta_sdk(
    argv: list[str], tmp_path: Path
) -> None:
    (tmp_path / "f.yaml").write_text(FILE)
    body = f"from agora_okta.cli import main\nmain({argv!r})"
    tops = {m.split(".")[0] for m in _modules(body, tmp_path)}
    if argv == ["--help"]:
        # typer prints the help without building its pydantic adapters.
        assert tops == {"typer"}
    else:
        # The plain forms of validate and schema run without typer.
        assert tops == {"pydantic"}


def test_the_adapter_loads_the_executor_without_the_rest_of_the_sdk(
    tmp_path: Path,
) -> None:
    modules = _modules("import agora_okta.adapter.org", tmp_path)
    okta = [m for m in modules if m.split(".")[0] == "okta"]
    assert "okta.request_executor" in okta
    for heavy in ("okta.client", "okta.api_client", "okta.models", "okta.api"):
        assert heavy not in okta
    assert len(okta) < 30, okta


def test_the_sdk_is_whole_when_something_else_asks_for_it(tmp_path: Path) -> None:
    body = (
        "import agora_okta.adapter.transport\n"
        "from okta import Configuration\n"
        "from okta.client import Client\n"
        "from okta.models import User\n"
        "import okta\n"
        "assert okta.__version__ and okta.UserApi and Configuration and Client"
    )
    modules = _modules(body, tmp_path)
    assert "okta.client" in modules

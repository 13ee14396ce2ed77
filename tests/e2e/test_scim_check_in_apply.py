"""plan shows Agora's SCIM checks; apply stops before the console steps when
they fail, unless --skip-scim-check."""

from __future__ import annotations

import pytest
from conftest import Cli, WriteFile, desired, writes
from scim_support import SCIM_TOKEN, ScimServer

from agora_okta.sandbox import Sandbox

WRONG = "not-agoras-token-0123456789"


def test_a_refused_scim_token_stops_apply_before_the_console_steps(
    cli: Cli,
    org: Sandbox,
    scim_server: ScimServer,
    write_file: WriteFile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGORA_SCIM_TOKEN", WRONG)
    path = write_file(desired(org, scim_server))

    plan = cli("plan", str(path))
    assert plan.code == 0
    assert "✗ Okta's connector test — GET /Users?startIndex=1&count=2" in plan.out
    assert "the SCIM server refused the token" in plan.out

    result = cli("apply", "--yes", str(path))
    assert result.code == 1
    assert "Agora's SCIM endpoint failed its checks" in result.err
    # The app is made; nothing that needs provisioning is.
    assert writes(org) == [("POST", "/api/v1/apps")]

    skipped = cli("apply", "--yes", "--skip-scim-check", str(path))
    assert skipped.code == 3
    for output in (plan, result, skipped):
        assert WRONG not in output.out + output.err
        assert SCIM_TOKEN not in output.out + output.err

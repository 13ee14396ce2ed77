"""`agora-okta secrets`: the OS keyring through keyring's own API (an
in-memory backend in tests), and the Okta API token read from it."""

from __future__ import annotations

import io

import keyring
import pytest
from conftest import Cli, WriteFile, desired
from keyring.backends import fail
from scim_support import ScimServer

from agora_okta.sandbox import Sandbox

VALUE = "agora-scim-secret-value-123456"


def test_set_list_show_delete(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(VALUE + "\n"))
    stored = cli("secrets", "set", "agora-scim-token", "--stdin")
    assert stored.code == 0
    assert VALUE not in stored.out + stored.err

    listed = cli("secrets", "list")
    assert listed.out == "agora-scim-token\n"

    shown = cli("secrets", "show", "agora-scim-token")
    assert shown.out == VALUE + "\n"

    assert cli("secrets", "delete", "agora-scim-token").code == 0
    missing = cli("secrets", "show", "agora-scim-token")
    assert missing.code == 1
    assert "no secret named 'agora-scim-token'" in missing.err


def test_the_okta_token_and_the_scim_token_can_come_from_the_keyring(
    cli: Cli,
    org: Sandbox,
    scim_server: ScimServer,
    write_file: WriteFile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from scim_support import SCIM_TOKEN

    keyring.set_password("agora-okta", "okta-api-token", org.token)
    keyring.set_password("agora-okta", "agora-scim-token", SCIM_TOKEN)
    monkeypatch.delenv("OKTA_API_TOKEN")
    data = desired(org, scim_server)
    data["provisioning"]["token"] = "keyring:agora-scim-token"

    result = cli("plan", str(write_file(data)))
    assert result.code == 0, result.err
    assert "✓ Okta's connector test" in result.out


def test_without_a_keyring_the_error_says_to_use_the_environment(
    cli: Cli,
    org: Sandbox,
    scim_server: ScimServer,
    write_file: WriteFile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]
    monkeypatch.delenv("OKTA_API_TOKEN")
    result = cli("plan", str(write_file(desired(org, scim_server))))
    assert result.code == 1
    assert "OKTA_API_TOKEN" in result.err
    assert org.requests() == []

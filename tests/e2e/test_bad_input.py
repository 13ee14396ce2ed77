"""Bad files and names Okta does not know: a clear message with the file's
line, exit code 1, and not one request that changes Okta."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEED, Cli, WriteFile, desired, okta_call, writes
from scim_support import ScimServer

from agora_okta.sandbox import Sandbox, SandboxSettings

BAD = Path(__file__).resolve().parents[1] / "config" / "bad"
BAD_FILES = sorted(p.name for p in BAD.glob("*.yaml"))


@pytest.mark.parametrize("name", BAD_FILES)
def test_a_bad_file_stops_every_command_before_okta(
    name: str, cli: Cli, org: Sandbox, tmp_path: Path
) -> None:
    # The file points at the sandbox, so any request would show in its log.
    data = (BAD / name).read_bytes().replace(b"https://acme.okta.com", org.url.encode())
    path = tmp_path / name
    path.write_bytes(data)

    for command in (["validate"], ["plan"], ["apply", "--yes"], ["check-scim"]):
        result = cli(*command, str(path))
        assert result.code == 1, (command, result)
        assert f"{path}:" in result.err
        assert result.out == ""
    assert org.requests() == []


def test_people_and_groups_okta_lacks_are_listed_at_once_with_their_lines(
    cli: Cli, org: Sandbox, scim_server: ScimServer, write_file: WriteFile
) -> None:
    path = write_file(
        desired(
            org,
            scim_server,
            push_groups=["Engineering", "Marketing"],
            assign={
                "groups": ["Finance"],
                "people": ["alice@example.com", "zoe@example.com"],
            },
        )
    )
    result = cli("plan", str(path))
    assert result.code == 1
    assert result.err.splitlines()[-3:] == [
        f"{path}:10:3: no Okta group is named 'Marketing'",
        f"{path}:13:5: no Okta group is named 'Finance'",
        f"{path}:16:5: no Okta user has the email 'zoe@example.com'",
    ]
    assert "3 problems in the file" in result.err
    assert cli("apply", "--yes", str(path)).code == 1
    assert writes(org) == []


def test_a_group_name_that_matches_two_groups_is_refused(
    cli: Cli, scim_server: ScimServer, write_file: WriteFile
) -> None:
    seed = {**SEED, "groups": [*SEED["groups"], {"name": "Sales", "members": []}]}
    with Sandbox(SandboxSettings(seed=seed, token=SEED_TOKEN)) as org:
        path = write_file(desired(org, scim_server))
        result = cli("apply", "--yes", str(path))
        assert result.code == 1
        assert "2 Okta groups are named 'Sales'" in result.err
        assert f"{path}:10:3: 2 Okta groups are named 'Sales'" in result.err
        assert writes(org) == []


def test_two_apps_with_the_label_must_be_pinned_by_id(
    cli: Cli, org: Sandbox, scim_server: ScimServer, write_file: WriteFile
) -> None:
    other_file = write_file(desired(org, scim_server, app={"label": "Other"}))
    assert cli("apply", "--yes", str(other_file)).code == 3
    path = write_file(desired(org, scim_server))
    assert cli("apply", "--yes", str(path)).code == 3
    # Rename the second app to the first one's label, behind the tool's back.

    other = [a for a in okta_call(org, "GET", "/api/v1/apps") if a["label"] == "Other"]
    body = {**other[0], "label": "Agora"}
    _put(org, f"/api/v1/apps/{other[0]['id']}", body)
    before = len(writes(org))

    result = cli("plan", str(path))
    assert result.code == 1
    assert "2 apps are labelled 'Agora'" in result.err
    assert "pin the one to manage with `app: {id: ...}`" in result.err
    assert len(writes(org)) == before


SEED_TOKEN = "00e2e-okta-api-token-ABCDEFGHIJKLMNOP"


def _put(org: Sandbox, path: str, body: object) -> None:
    import json
    import urllib.request

    request = urllib.request.Request(
        org.url + path,
        method="PUT",
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"SSWS {org.token}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=5):
        pass

"""A change of the app's settings in the file updates the app in place, with
the provisioning warning, and the console steps are read again after it."""

from __future__ import annotations

import json

from conftest import Cli, WriteFile, desired, okta_call, play_admin, the_app
from scim_support import ScimServer

from agora_okta.sandbox import Sandbox


def test_changed_sso_settings_update_the_provisioned_app(
    cli: Cli, org: Sandbox, scim_server: ScimServer, write_file: WriteFile
) -> None:
    base = desired(org, scim_server)
    path = write_file(base)
    assert cli("apply", "--yes", str(path)).code == 3
    app_id = the_app(org)["id"]
    play_admin(org, app_id, scim_server)
    assert cli("apply", "--yes", str(path)).code == 0

    sso = {
        "acs_url": "https://agora.example.com/saml/new-acs",
        "audience": "https://agora.example.com",
    }
    edited = write_file(
        {**base, "app": {"label": "Agora", "sso": sso, "hide_tiles": False}}
    )
    plan = json.loads(cli("plan", "--format", "json", str(edited)).out)
    [change] = plan["changes"]
    assert (change["section"], change["action"], change["id"]) == (
        "app",
        "update",
        app_id,
    )
    assert change["details"] == [
        "SSO ACS URL: 'https://agora.invalid/saml/acs' → "
        "'https://agora.example.com/saml/new-acs'",
        "SSO audience: 'https://agora.invalid/saml' → 'https://agora.example.com'",
        "tiles hidden: 'yes' → 'no'",
    ]
    assert "reset provisioning" in change["warning"]

    assert cli("apply", "--yes", str(edited)).code == 0
    app = the_app(org)
    assert app["id"] == app_id
    assert app["settings"]["signOn"]["ssoAcsUrl"] == sso["acs_url"]
    assert app["visibility"]["hide"] == {"iOS": False, "web": False}
    assert cli("plan", "--detailed-exitcode", str(edited)).code == 0


def test_the_id_apply_asks_to_pin_keeps_the_app_through_a_new_label(
    cli: Cli, org: Sandbox, scim_server: ScimServer, write_file: WriteFile
) -> None:
    base = desired(org, scim_server)
    first = cli("apply", "--yes", str(base_path := write_file(base)))
    assert first.code == 3
    app_id = the_app(org)["id"]
    assert f"Add `id: {app_id}` under `app:` in the file" in first.err
    play_admin(org, app_id, scim_server)
    assert cli("apply", "--yes", str(base_path)).code == 0

    renamed = write_file({**base, "app": {"label": "Agora (SCIM)", "id": app_id}})
    plan = json.loads(cli("plan", "--format", "json", str(renamed)).out)
    [change] = plan["changes"]
    assert (change["section"], change["action"], change["id"]) == (
        "app",
        "update",
        app_id,
    )
    assert change["details"] == ["label: 'Agora' → 'Agora (SCIM)'"]

    done = cli("apply", "--yes", str(renamed))
    assert done.code == 0, done.err
    assert "Add `id:" not in done.err
    apps = okta_call(org, "GET", "/api/v1/apps")
    assert [(a["id"], a["label"]) for a in apps] == [(app_id, "Agora (SCIM)")]

"""A change of the app's settings in the file updates the app in place, with
the provisioning warning, and the console steps are read again after it."""

from __future__ import annotations

import json

from conftest import Cli, WriteFile, desired, play_admin, the_app
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

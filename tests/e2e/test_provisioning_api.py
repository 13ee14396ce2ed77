"""Where Okta's API answers for the app's provisioning, apply uses it instead
of waiting for the console."""

from __future__ import annotations

from conftest import OKTA_TOKEN, SEED, Cli, WriteFile, desired, okta_call, the_app
from scim_support import ScimServer

from agora_okta.sandbox import Sandbox, SandboxSettings


def test_apply_sets_the_connection_and_features_through_the_api(
    cli: Cli, scim_server: ScimServer, write_file: WriteFile
) -> None:
    settings = SandboxSettings(seed=SEED, token=OKTA_TOKEN, provisioning_api=True)
    with Sandbox(settings) as org:
        path = write_file(desired(org, scim_server))
        result = cli("apply", "--yes", str(path))
        assert result.code == 0, result.err

        app = the_app(org)
        connection = okta_call(
            org, "GET", f"/api/v1/apps/{app['id']}/connections/default"
        )
        assert connection["status"] == "ENABLED"
        assert {"PUSH_NEW_USERS", "PUSH_PROFILE_UPDATES"} <= set(app["features"])
        methods = [(e["method"], e["path"].rsplit("/", 2)[-2:]) for e in org.requests()]
        assert ("POST", ["connections", "default"]) in methods
        assert ("PUT", ["features", "USER_PROVISIONING"]) in methods
        assert cli("plan", "--detailed-exitcode", str(path)).code == 0

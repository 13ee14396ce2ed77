"""The whole admin guide from one file: plan, apply, the console steps, and a
second run that finds nothing to do."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from conftest import (
    OKTA_TOKEN,
    Cli,
    WriteFile,
    desired,
    okta_call,
    play_admin,
    the_app,
    writes,
)
from scim_support import SCIM_TOKEN, ScimServer

from agora_okta import engine
from agora_okta.config import load_config
from agora_okta.plan import Plan
from agora_okta.sandbox import Sandbox


def changes(cli: Cli, path: Path) -> list[tuple[str, str, str]]:
    result = cli("plan", "--format", "json", str(path))
    assert result.code == 0, result.err
    plan = json.loads(result.out)
    return [(c["section"], c["action"], c["name"]) for c in plan["changes"]]


def set_up(cli: Cli, org: Sandbox, scim: ScimServer, path: Path) -> str:
    """Apply the file, play the admin at the console, apply again; the app id."""
    assert cli("apply", "--yes", str(path)).code == 3
    app_id = str(the_app(org)["id"])
    play_admin(org, app_id, scim)
    result = cli("apply", "--yes", str(path))
    assert result.code == 0, result.err
    return app_id


def test_empty_org_to_done_and_nothing_left_to_do(
    cli: Cli, org: Sandbox, scim_server: ScimServer, write_file: WriteFile
) -> None:
    path = write_file(desired(org, scim_server))

    first = cli("plan", "--detailed-exitcode", str(path))
    assert first.code == 2
    assert "+ create SAML app 'Agora' (provisioning only)" in first.out
    assert "1. Enable SCIM provisioning: ✗ to do" in first.out
    assert "✓ Okta's connector test" in first.out
    assert writes(org) == []

    pending = cli("apply", "--yes", str(path))
    assert pending.code == 3
    assert "manual step(s) wait in the Admin Console" in pending.err
    app = the_app(org)
    # Without the console steps, nothing is pushed or assigned yet.
    assert writes(org) == [("POST", "/api/v1/apps")]
    assert app["visibility"]["hide"] == {"iOS": True, "web": True}
    template = app["credentials"]["userNameTemplate"]["template"]
    assert template == "${source.email}"

    play_admin(org, app["id"], scim_server)
    done = cli("apply", "--yes", str(path))
    assert done.code == 0, done.err

    assert cli("plan", "--detailed-exitcode", str(path)).code == 0
    again = cli("apply", "--yes", str(path))
    assert again.code == 0
    assert "No changes: Okta matches the file." in again.out

    app_id = app["id"]
    mappings = okta_call(org, "GET", f"/api/v1/apps/{app_id}/group-push/mappings")
    assert sorted(m["status"] for m in mappings) == ["ACTIVE", "ACTIVE"]
    groups = okta_call(org, "GET", f"/api/v1/apps/{app_id}/groups")
    assert len(groups) == 1
    users = okta_call(org, "GET", f"/api/v1/apps/{app_id}/users")
    direct = sorted(u["credentials"]["userName"] for u in users if u["scope"] == "USER")
    assert direct == ["alice@example.com", "carol@example.com"]


def test_apply_at_a_terminal_waits_for_the_console_steps(
    org: Sandbox, scim_server: ScimServer, write_file: WriteFile
) -> None:
    loaded = load_config(write_file(desired(org, scim_server)))
    seen: list[str] = []

    class Events:
        def info(self, message: str) -> None:
            seen.append(message)

        def show_plan(self, plan: Plan) -> None:
            pass

        def confirm(self, plan: Plan) -> bool:
            return True

        def waiting_for_console(self, plan: Plan) -> None:
            seen.append("waiting")
            threading.Thread(target=admin, daemon=True).start()

        def progress(self, done: int, total: int, seconds_left: float) -> None:
            pass

    def admin() -> None:
        time.sleep(0.2)
        play_admin(org, the_app(org)["id"], scim_server)

    options = engine.Options(interactive=True, poll_seconds=0.05, token=OKTA_TOKEN)
    outcome = engine.apply(loaded, options, Events())

    assert seen[0].startswith("Created app 'Agora' with id ")
    assert seen[1] == "waiting"
    assert "The console steps are done." in seen
    assert len(outcome.applied) == 1 + 2 + 1 + 2
    assert engine.make_plan(loaded, options).has_changes is False


def test_each_edit_of_the_file_gives_exactly_its_change(
    cli: Cli, org: Sandbox, scim_server: ScimServer, write_file: WriteFile
) -> None:
    base = desired(org, scim_server)
    path = write_file(base)
    set_up(cli, org, scim_server, path)

    def edited(**sections: Any) -> Path:
        return write_file({**base, **sections})

    people = ["alice@example.com", "carol@example.com"]
    added = edited(
        assign={"groups": ["Engineering"], "people": [*people, "dave@example.com"]}
    )
    assert changes(cli, added) == [("person assignments", "create", "dave@example.com")]

    with_group = edited(assign={"groups": ["Engineering", "Support"], "people": people})
    assert changes(cli, with_group) == [("group assignments", "create", "Support")]

    pushed = edited(
        push_groups=["Engineering", {"group": "Sales", "role": "Sales Team"}, "Support"]
    )
    assert changes(cli, pushed) == [("push groups", "create", "Support")]

    fewer = {"groups": ["Engineering"], "people": ["alice@example.com"]}
    without_carol = edited(assign=fewer)
    assert changes(cli, without_carol) == []
    pruned = edited(assign=fewer, prune=True)
    assert changes(cli, pruned) == [
        ("person assignments", "delete", "carol@example.com")
    ]

    one_push_group = edited(push_groups=["Engineering"], prune=True)
    assert changes(cli, one_push_group) == [("push groups", "delete", "Sales")]

    # Removing one of two push groups is 50%, over the 30% limit.
    refused = cli("apply", "--yes", str(one_push_group))
    assert refused.code == 1
    assert "push groups 1/2 (50%)" in refused.err
    forced = cli("apply", "--yes", "--force", str(one_push_group))
    assert forced.code == 0, forced.err
    assert changes(cli, one_push_group) == []


def test_a_change_behind_the_tools_back_shows_in_the_next_plan(
    cli: Cli, org: Sandbox, scim_server: ScimServer, write_file: WriteFile
) -> None:
    path = write_file(desired(org, scim_server))
    app_id = set_up(cli, org, scim_server, path)
    alice = okta_call(org, "GET", "/api/v1/users/alice@example.com")

    okta_call(org, "DELETE", f"/api/v1/apps/{app_id}/users/{alice['id']}")

    assert changes(cli, path) == [("person assignments", "create", "alice@example.com")]
    assert cli("plan", "--detailed-exitcode", str(path)).code == 2


def test_plan_formats_carry_the_same_changes(
    cli: Cli, org: Sandbox, scim_server: ScimServer, write_file: WriteFile
) -> None:
    path = write_file(desired(org, scim_server))
    markdown = cli("plan", "--format", "markdown", str(path))
    assert markdown.code == 0
    assert "| `+` | app | create SAML app 'Agora' (provisioning only) |" in markdown.out
    assert "- [ ] **Enable SCIM provisioning**" in markdown.out
    as_json = json.loads(cli("plan", "--format", "json", str(path)).out)
    assert as_json["summary"] == {
        "create": 6,
        "update": 0,
        "delete": 0,
        "manual_steps_pending": 3,
    }
    for output in (markdown.out, json.dumps(as_json)):
        assert SCIM_TOKEN not in output
        assert OKTA_TOKEN not in output


def test_the_sandbox_rehearsal_runs_the_whole_guide(cli: Cli) -> None:
    example = Path(__file__).resolve().parents[2] / "config.example.yaml"
    result = cli("apply", "--sandbox", "--yes", str(example))
    assert result.code == 0, result.err
    assert "console stand-in plays the admin" in result.err
    assert (
        "Applied 8 changes: 1 app, 2 push groups, 2 group assignments, "
        "3 person assignments." in result.err
    )
    assert "nothing was sent to https://example.okta.com" in result.err
    # The rehearsal's app is gone with its sandbox: no id to pin.
    assert "Add `id:" not in result.err

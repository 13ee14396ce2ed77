"""Exact request counts for a small org: what plan reads, and that apply
sends one write per change and nothing else on Okta's apps API."""

from __future__ import annotations

import re
from collections import Counter

from conftest import Cli, WriteFile, desired, play_admin, the_app, writes
from scim_support import ScimServer

from agora_okta.sandbox import Sandbox


def requests(org: Sandbox, since: int = 0) -> Counter[tuple[str, str]]:
    """The requests the org got, by method and path with ids made generic."""
    counted: Counter[tuple[str, str]] = Counter()
    for entry in org.requests()[since:]:
        path = re.sub(r"/(0oa|00u|00g|gPm)[A-Za-z0-9]+", r"/{\1}", entry["path"])
        counted[(entry["method"], path)] += 1
    return counted


def test_plan_of_an_empty_org_reads_three_lists(
    cli: Cli, org: Sandbox, scim_server: ScimServer, write_file: WriteFile
) -> None:
    assert cli("plan", str(write_file(desired(org, scim_server)))).code == 0
    assert requests(org) == {
        ("GET", "/api/v1/apps"): 1,
        ("GET", "/api/v1/users"): 1,
        ("GET", "/api/v1/groups"): 1,
    }


def test_plan_of_a_set_up_org_reads_each_list_once(
    cli: Cli, org: Sandbox, scim_server: ScimServer, write_file: WriteFile
) -> None:
    path = write_file(desired(org, scim_server))
    assert cli("apply", "--yes", str(path)).code == 3
    play_admin(org, the_app(org)["id"], scim_server)
    assert cli("apply", "--yes", str(path)).code == 0
    before = len(org.requests())

    assert cli("plan", str(path)).code == 0
    assert requests(org, before) == {
        ("GET", "/api/v1/apps"): 1,
        ("GET", "/api/v1/users"): 1,
        ("GET", "/api/v1/groups"): 1,
        ("GET", "/api/v1/apps/{0oa}/users"): 1,
        ("GET", "/api/v1/apps/{0oa}/groups"): 1,
        ("GET", "/api/v1/apps/{0oa}/group-push/mappings"): 1,
    }
    # The console steps are done, so whether Okta's API could do them
    # (connections/default) is not asked.


def test_apply_sends_one_write_per_change(
    cli: Cli, org: Sandbox, scim_server: ScimServer, write_file: WriteFile
) -> None:
    path = write_file(desired(org, scim_server))
    assert cli("apply", "--yes", str(path)).code == 3
    assert writes(org) == [("POST", "/api/v1/apps")]
    play_admin(org, the_app(org)["id"], scim_server)
    before = len(org.requests())

    assert cli("apply", "--yes", str(path)).code == 0
    made = requests(org, before)
    assert {k: v for k, v in made.items() if k[0] != "GET"} == {
        ("POST", "/api/v1/apps/{0oa}/group-push/mappings"): 2,
        ("PUT", "/api/v1/apps/{0oa}/groups/{00g}"): 1,
        ("POST", "/api/v1/apps/{0oa}/users"): 2,
    }
    # The reads are the plan's, and nothing else.
    assert sum(v for k, v in made.items() if k[0] == "GET") == 6

"""Exact request counts for plan and apply on orgs big enough to page and
batch: a regression in the number of requests fails here.

The apps family (about 50 requests a minute for one token) is what decides
how long a setup takes, so a plan reads it only by list pages at Okta's
largest page size, and apply sends one request per change on it and nothing
else; people and groups are looked up in batches on their own buckets.
"""

from __future__ import annotations

import asyncio
import json
import math
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from agora_okta.adapter.org import LOOKUP_BATCH, OktaOrg
from agora_okta.adapter.transport import OktaTransport

from .scale_support import (
    OKTA_TOKEN,
    Cli,
    SandboxFactory,
    counted,
    desired,
    email,
    statuses,
)

PEOPLE = 600
GROUPS = 210


def _write(data: dict[str, Any]) -> str:
    """The file, in the working directory (each test has its own)."""
    path = Path("agora-okta.yaml")
    path.write_text(json.dumps(data))
    return str(path)


def test_plan_apply_and_plan_again_send_the_least_requests(
    cli: Cli, make_org: SandboxFactory
) -> None:
    org = make_org(PEOPLE, GROUPS)
    people = [email(n) for n in range(PEOPLE)]
    path = _write(desired(org.url, people, GROUPS))
    lookups = {
        ("GET", "/api/v1/users"): math.ceil(PEOPLE / LOOKUP_BATCH),  # 15
        ("GET", "/api/v1/groups"): math.ceil(GROUPS / LOOKUP_BATCH),  # 6
    }

    before = len(org.requests())
    assert cli("plan", "--skip-scim-check", path).code == 0
    reads = {
        ("GET", "/api/v1/apps"): 1,
        ("GET", "/api/v1/apps/{0oa}/users"): 1,
        ("GET", "/api/v1/apps/{0oa}/groups"): 1,
        ("GET", "/api/v1/apps/{0oa}/group-push/mappings"): 1,
        **lookups,
    }
    assert counted(org, before) == reads

    before = len(org.requests())
    result = cli("apply", "--yes", "--skip-scim-check", path)
    assert result.code == 0, result.err
    assert counted(org, before) == {
        **reads,
        ("POST", "/api/v1/apps/{0oa}/group-push/mappings"): GROUPS,
        ("PUT", "/api/v1/apps/{0oa}/groups/{00g}"): GROUPS,
        ("POST", "/api/v1/apps/{0oa}/users"): PEOPLE,
    }
    # 1,024 apps-family requests in 21 windows, and not one 429: the budget
    # waits for each reset instead.
    assert statuses(org, before) == {200: 4 + 21 + 2 * GROUPS + PEOPLE}

    before = len(org.requests())
    result = cli("plan", "--detailed-exitcode", "--skip-scim-check", path)
    assert result.code == 0, result.out
    assert counted(org, before) == {
        ("GET", "/api/v1/apps"): 1,
        # 600 app users at 500 a page, 210 app groups at 200 a page.
        ("GET", "/api/v1/apps/{0oa}/users"): 2,
        ("GET", "/api/v1/apps/{0oa}/groups"): 2,
        ("GET", "/api/v1/apps/{0oa}/group-push/mappings"): 1,
        **lookups,
    }


def test_people_written_in_another_case_cost_one_search_per_batch(
    cli: Cli, make_org: SandboxFactory
) -> None:
    org = make_org(5, 1)
    # Okta's filter on email is exact; the two written otherwise are found
    # by one case-insensitive search.
    people = [email(0), email(1), email(2), email(3).upper(), email(4).title()]
    path = _write(desired(org.url, people, 1))
    before = len(org.requests())
    result = cli("plan", "--skip-scim-check", path)
    assert result.code == 0, result.err
    users = [e for e in org.requests()[before:] if e["path"] == "/api/v1/users"]
    assert [sorted(e["query"]) for e in users] == [
        ["filter", "limit"],
        ["limit", "search"],
    ]


def test_another_client_on_the_budget_slows_apply_without_a_429(
    cli: Cli, make_org: SandboxFactory
) -> None:
    org = make_org(120, 0, foreign_usage=0.5)
    people = [email(n) for n in range(120)]
    path = _write(desired(org.url, people, 0))
    before = len(org.requests())
    result = cli("apply", "--yes", "--skip-scim-check", path)
    assert result.code == 0, result.err
    made = counted(org, before)
    assert made[("POST", "/api/v1/apps/{0oa}/users")] == 120
    assert 429 not in statuses(org, before)


def test_lookups_of_the_longest_emails_stay_under_8_kb(
    make_org: SandboxFactory,
) -> None:
    """An `or` of 40 emails of 100 characters (Okta's longest login) still
    fits in a URL that proxies and Okta accept."""
    org = make_org(1, 0)
    emails = [f"{n:03}" + "a" * 85 + "@example.com" for n in range(LOOKUP_BATCH * 2)]
    assert {len(e) for e in emails} == {100}

    async def look() -> None:
        async with OktaTransport(org.url, OKTA_TOKEN) as transport:
            await OktaOrg(transport).find_users(emails)

    before = len(org.requests())
    asyncio.run(look())
    users = [e for e in org.requests()[before:] if e["path"] == "/api/v1/users"]
    # Two filter batches of 40; nothing found, so two search batches too.
    assert len(users) == 4
    longest = max(len(e["path"]) + 1 + len(urlencode(e["query"])) for e in users)
    assert longest < 8192, longest

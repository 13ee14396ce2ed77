"""A large org: 50,000 users and 5,000 groups load in seconds and page fast.

Figures print with ``pytest -s``. The bounds are loose enough for a busy CI
machine and tight enough to catch an O(n) scan per page (which would take
minutes here).
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import aiohttp

from agora_okta.sandbox import Sandbox, SandboxSettings, load_seed

USERS = 50_000
GROUPS = 5_000


def _write_seed(path: Path) -> None:
    users = [
        {"email": f"user{n:05}@example.com", "first_name": "User", "last_name": f"N{n}"}
        for n in range(USERS)
    ]
    groups = [
        {
            "name": f"group-{g:04}",
            "members": [f"user{n:05}@example.com" for n in range(g * 10, g * 10 + 10)],
        }
        for g in range(GROUPS)
    ]
    path.write_text(json.dumps({"users": users, "groups": groups}))


async def _page_all(sandbox: Sandbox, path: str, limit: int) -> tuple[list[str], int]:
    """Follow next links to the end with plain aiohttp; ids seen and pages."""
    url: str | None = f"{sandbox.url}{path}?limit={limit}"
    seen: list[str] = []
    pages = 0
    headers = {"Authorization": f"SSWS {sandbox.token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        while url is not None:
            async with session.get(url) as response:
                assert response.status == 200
                seen += [item["id"] for item in await response.json()]
                pages += 1
                nexts = [v for v in response.headers.getall("Link") if "next" in v]
                url = nexts[0].split(";")[0].strip("<>") if nexts else None
    return seen, pages


def test_50k_users_load_and_page(tmp_path: Path) -> None:
    seed_file = tmp_path / "seed.json"
    _write_seed(seed_file)

    started = time.perf_counter()
    seed = load_seed(seed_file)
    parsed = time.perf_counter()
    sandbox = Sandbox(SandboxSettings(seed=seed))
    built = time.perf_counter()
    with sandbox:
        paging_started = time.perf_counter()
        users, pages = asyncio.run(_page_all(sandbox, "/api/v1/users", 200))
        paged = time.perf_counter()

    load_seconds = built - started
    paging_seconds = paged - paging_started
    print(
        f"\nseed of {USERS} users and {GROUPS} groups: "
        f"load_seed {parsed - started:.2f}s, org built {built - parsed:.2f}s; "
        f"{pages} pages of 200 users in {paging_seconds:.2f}s "
        f"({1000 * paging_seconds / pages:.1f} ms a page)"
    )
    assert len(users) == len(set(users)) == USERS
    assert pages == USERS // 200
    assert sandbox.org.counts() == {"users": USERS, "groups": GROUPS + 1, "apps": 0}
    assert load_seconds < 15
    assert paging_seconds < 30

"""Users and groups: lookups, filter, search, q and paging, via the SDK."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from agora_okta.sandbox import Sandbox

from .conftest import SandboxFactory, client, links, raw, run

SEED: dict[str, Any] = {
    "users": [
        {"email": "alice@example.com", "first_name": "Alice", "last_name": "Liddell"},
        {"email": "Bob@Example.com", "first_name": "Bob", "last_name": "Builder"},
        {"email": "carol@example.com", "first_name": "Carol", "last_name": "Alvarez"},
        {"email": "gone@example.com", "status": "DEPROVISIONED"},
        {
            "id": "00uRawUser0000000001",
            "status": "ACTIVE",
            "profile": {
                "login": "raw.user",
                "email": "raw@example.com",
                "customAttr": ["a", "b"],
            },
            "unknownTopLevel": 42,
        },
    ],
    "groups": [
        {"name": "Engineering", "members": ["alice@example.com"]},
        {"name": "Engineering Managers"},
        {"name": "Sales"},
        {
            "id": "00gRawGroup000000001",
            "type": "OKTA_GROUP",
            "profile": {"name": "Ops"},
        },
    ],
}


def _names(answer: Any) -> list[str]:
    return [g["profile"]["name"] for g in answer.body]


def _logins(answer: Any) -> list[str]:
    return [u["profile"]["login"] for u in answer.body]


def test_get_user_by_id_and_by_login(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(seed=SEED)
    alice = sandbox.org.user_id("alice@example.com")
    assert alice is not None

    async def scenario() -> tuple[Any, Any, Any, Any]:
        okta = client(sandbox)
        by_id, _, error = await okta.get_user(alice)
        assert error is None
        by_login, _, error = await okta.get_user("ALICE@example.com")
        assert error is None
        raw_user = await raw(okta, "GET", f"{sandbox.url}/api/v1/users/raw.user")
        missing = await raw(okta, "GET", f"{sandbox.url}/api/v1/users/nobody@x.test")
        return by_id, by_login, raw_user, missing

    by_id, by_login, raw_user, missing = run(scenario)

    assert by_id.id == by_login.id == alice
    assert by_id.profile.email == "alice@example.com"
    assert raw_user.body == SEED["users"][4]
    assert missing.status == 404
    assert missing.body["errorSummary"] == (
        "Not found: Resource not found: nobody@x.test (User)"
    )


def test_user_filter_is_exact_and_search_ignores_case(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(seed=SEED)
    queries = {
        "filter_or": 'filter=profile.email eq "alice@example.com" or '
        'profile.email eq "bob@example.com"',
        "filter_exact": 'filter=profile.email eq "Bob@Example.com"',
        "search": 'search=profile.email eq "BOB@example.com" or '
        'profile.login eq "CAROL@EXAMPLE.COM"',
        "search_sw": 'search=profile.lastName sw "al"',
        "status": 'filter=status eq "DEPROVISIONED"',
        "array": 'search=profile.customAttr eq "b"',
        "plain": "",
    }

    async def scenario() -> dict[str, Any]:
        okta = client(sandbox)
        return {
            key: await raw(okta, "GET", f"{sandbox.url}/api/v1/users?{query}")
            for key, query in queries.items()
        }

    found = {key: _logins(answer) for key, answer in run(scenario).items()}

    assert found["filter_or"] == ["alice@example.com"]
    assert found["filter_exact"] == ["Bob@Example.com"]
    assert found["search"] == ["Bob@Example.com", "carol@example.com"]
    assert found["search_sw"] == ["carol@example.com"]
    assert found["status"] == ["gone@example.com"]
    assert found["array"] == ["raw.user"]
    # A plain list leaves out DEPROVISIONED users, as Okta does.
    assert "gone@example.com" not in found["plain"] and len(found["plain"]) == 4


def test_user_q_is_a_prefix_match_and_not_pageable(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(seed=SEED)

    async def scenario() -> tuple[list[Any], Any, Any]:
        okta = client(sandbox)
        typed, _, error = await okta.list_users(q="al")
        assert error is None
        answer = await raw(okta, "GET", f"{sandbox.url}/api/v1/users?q=al&limit=1")
        both = await raw(
            okta, "GET", f'{sandbox.url}/api/v1/users?search=id pr&filter=id eq "x"'
        )
        return typed, answer, both

    typed, answer, both = run(scenario)

    # Alice by first name, Carol by last name (Alvarez).
    assert [u.profile.first_name for u in typed] == ["Alice", "Carol"]
    assert len(answer.body) == 1
    assert answer.header("link") is None
    assert (both.status, both.body["errorCode"]) == (400, "E0000033")


def test_users_page_through_the_typed_sdk(make_sandbox: SandboxFactory) -> None:
    seed = {"users": [{"email": f"user{n:02}@example.com"} for n in range(23)]}
    sandbox = make_sandbox(seed=seed)

    async def scenario() -> tuple[list[str], int]:
        okta = client(sandbox)
        seen: list[str] = []
        pages, after = 0, None
        while True:
            users, response, error = await okta.list_users(limit=10, after=after)
            assert error is None
            pages += 1
            seen += [u.profile.login for u in users]
            link = response.headers.get("Link", "")
            if 'rel="next"' not in link:
                return seen, pages
            after = link.split("after=")[1].split("&")[0]

    seen, pages = run(scenario)

    assert seen == [f"user{n:02}@example.com" for n in range(23)]
    assert pages == 3


def test_groups_search_q_filter_and_get(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox(seed=SEED)
    search = quote('profile.name eq "engineering" or profile.name eq "Sales"')

    async def scenario() -> dict[str, Any]:
        okta = client(sandbox)
        base = f"{sandbox.url}/api/v1/groups"
        typed, _, error = await okta.list_groups(q="Eng")
        assert error is None
        group, _, error = await okta.get_group("00gRawGroup000000001")
        assert error is None
        return {
            "typed_q": [g.profile.actual_instance.name for g in typed],
            "get": group,
            "search": await raw(okta, "GET", f"{base}?search={search}"),
            "q": await raw(okta, "GET", f"{base}?q=eng"),
            "filter": await raw(okta, "GET", f'{base}?filter=type eq "BUILT_IN"'),
            "name_filter": await raw(
                okta, "GET", f'{base}?filter=profile.name eq "Sales"'
            ),
            "all": await raw(okta, "GET", f"{base}?limit=2"),
            "missing": await raw(okta, "GET", f"{base}/00gnope"),
        }

    seen = run(scenario)

    assert seen["typed_q"] == ["Engineering", "Engineering Managers"]
    assert seen["get"].id == "00gRawGroup000000001"
    assert _names(seen["search"]) == ["Engineering", "Sales"]
    assert _names(seen["q"]) == ["Engineering", "Engineering Managers"]
    assert seen["q"].header("link") is None
    assert _names(seen["filter"]) == ["Everyone"]
    # Okta's filter has no group name; search or q find groups by name.
    assert seen["name_filter"].body["errorCode"] == "E0000031"
    assert _names(seen["all"]) == ["Everyone", "Engineering"]
    assert [rel for rel, _ in links(seen["all"])] == ["self", "next"]
    assert seen["missing"].body["errorSummary"] == (
        "Not found: Resource not found: 00gnope (UserGroup)"
    )


def test_group_q_answers_at_most_300(make_sandbox: SandboxFactory) -> None:
    seed = {"groups": [{"name": f"team-{n:03}"} for n in range(310)]}
    sandbox = make_sandbox(seed=seed)

    async def scenario() -> tuple[int, int]:
        okta = client(sandbox)
        base = f"{sandbox.url}/api/v1/groups"
        capped = await raw(okta, "GET", f"{base}?q=team&limit=1000")
        limited = await raw(okta, "GET", f"{base}?q=team&limit=5")
        return len(capped.body), len(limited.body)

    assert run(scenario) == (300, 5)


def test_everyone_holds_every_user(sandbox: Sandbox) -> None:
    (everyone,) = sandbox.org.group_ids_named("Everyone")

    async def scenario() -> Any:
        okta = client(sandbox)
        app = await raw(
            okta,
            "POST",
            f"{sandbox.url}/api/v1/apps",
            {"label": "Bookmark", "name": "bookmark", "signOnMode": "BOOKMARK"},
        )
        base = f"{sandbox.url}/api/v1/apps/{app.body['id']}"
        await raw(okta, "PUT", f"{base}/groups/{everyone}", {})
        return await raw(okta, "GET", f"{base}/users")

    answer = run(scenario)

    assert len(answer.body) == 4
    assert {u["scope"] for u in answer.body} == {"GROUP"}

"""App users and app group assignments through the real okta SDK."""

from __future__ import annotations

from typing import Any

from okta.models import (
    ApplicationGroupAssignment,
    AppUserAssignRequest,
    SamlApplication,
)

from agora_okta.sandbox import Sandbox

from .conftest import SAML_APP, SandboxFactory, client, links, raw, run


async def _app(okta: Any) -> str:
    app, _, error = await okta.create_application(SamlApplication.from_dict(SAML_APP))
    assert error is None
    return str(app.id)


def _user(sandbox: Sandbox, login: str) -> str:
    user_id = sandbox.org.user_id(login)
    assert user_id is not None
    return user_id


def _group(sandbox: Sandbox, name: str) -> str:
    (group_id,) = sandbox.org.group_ids_named(name)
    return group_id


def test_assign_user_answers_an_app_user_with_scope_user(sandbox: Sandbox) -> None:
    alice = _user(sandbox, "alice@example.com")

    async def scenario() -> tuple[Any, Any, Any]:
        okta = client(sandbox)
        app_id = await _app(okta)
        request = AppUserAssignRequest.from_dict({"id": alice})
        assigned, _, error = await okta.assign_user_to_application(app_id, request)
        assert error is None
        fetched, _, error = await okta.get_application_user(app_id, alice)
        assert error is None
        again = await raw(
            okta, "POST", f"{sandbox.url}/api/v1/apps/{app_id}/users", {"id": alice}
        )
        return assigned, fetched, again

    assigned, fetched, again = run(scenario)

    assert (assigned.id, assigned.scope, assigned.status) == (alice, "USER", "ACTIVE")
    # The app's userNameTemplate is ${source.email}.
    assert assigned.credentials.user_name == "alice@example.com"
    assert fetched.id == alice
    assert (again.status, again.body["errorCode"]) == (409, "E0000062")


def test_members_of_an_assigned_group_are_app_users_with_scope_group(
    sandbox: Sandbox,
) -> None:
    alice = _user(sandbox, "alice@example.com")
    bob = _user(sandbox, "bob@example.com")
    engineering = _group(sandbox, "Engineering")

    async def scenario() -> tuple[dict[str, str], Any, Any]:
        okta = client(sandbox)
        app_id = await _app(okta)
        await okta.assign_user_to_application(
            app_id, AppUserAssignRequest.from_dict({"id": alice})
        )
        _, _, error = await okta.assign_group_to_application(app_id, engineering)
        assert error is None
        users, _, error = await okta.list_application_users(app_id)
        assert error is None
        url = f"{sandbox.url}/api/v1/apps/{app_id}/users"
        refused = await raw(okta, "DELETE", f"{url}/{bob}")
        removed = await raw(okta, "DELETE", f"{url}/{alice}")
        after = await raw(okta, "GET", f"{url}/{alice}")
        return {u.id: u.scope for u in users}, (refused, removed), after

    scopes, (refused, removed), after = run(scenario)

    # Alice is assigned directly and through the group: her scope is USER.
    assert scopes == {alice: "USER", bob: "GROUP"}
    assert (refused.status, refused.body["errorCode"]) == (403, "E0000046")
    assert removed.status == 204
    # Unassigned directly, she is still an app user through Engineering.
    assert (after.status, after.body["scope"]) == (200, "GROUP")


def test_app_users_page_at_the_given_limit(make_sandbox: SandboxFactory) -> None:
    seed = {"users": [{"email": f"user{n}@example.com"} for n in range(7)]}
    sandbox = make_sandbox(seed=seed)

    async def scenario() -> tuple[list[str], list[int], list[Any]]:
        okta = client(sandbox)
        app_id = await _app(okta)
        for n in range(7):
            user_id = _user(sandbox, f"user{n}@example.com")
            await okta.assign_user_to_application(
                app_id, AppUserAssignRequest.from_dict({"id": user_id})
            )
        seen: list[str] = []
        sizes, link_sets = [], []
        url = f"{sandbox.url}/api/v1/apps/{app_id}/users?limit=3"
        while url:
            answer = await raw(okta, "GET", url)
            seen += [u["id"] for u in answer.body]
            sizes.append(len(answer.body))
            link_sets.append(links(answer))
            url = dict(links(answer)).get("next", "")
        return seen, sizes, link_sets

    seen, sizes, link_sets = run(scenario)

    assert seen == [_user(sandbox, f"user{n}@example.com") for n in range(7)]
    assert sizes == [3, 3, 1]
    assert [rel for rel, _ in link_sets[0]] == ["self", "next"]
    assert [rel for rel, _ in link_sets[-1]] == ["self"]


def test_app_users_default_page_is_50_and_cap_is_500(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(
        seed={"users": [{"email": f"u{n}@x.test"} for n in range(60)]}
    )

    async def scenario() -> tuple[int, str, str]:
        okta = client(sandbox)
        app_id = await _app(okta)
        everyone = _group(sandbox, "Everyone")
        await okta.assign_group_to_application(app_id, everyone)
        url = f"{sandbox.url}/api/v1/apps/{app_id}/users"
        default = await raw(okta, "GET", url)
        capped = await raw(okta, "GET", f"{url}?limit=9999")
        return len(default.body), links(default)[0][1], links(capped)[0][1]

    count, default_self, capped_self = run(scenario)

    assert count == 50
    assert default_self.endswith("/users?limit=50")
    assert capped_self.endswith("/users?limit=500")


def test_app_group_assignments_priority_list_get_delete(sandbox: Sandbox) -> None:
    engineering = _group(sandbox, "Engineering")
    sales = _group(sandbox, "Sales")

    async def scenario() -> dict[str, Any]:
        okta = client(sandbox)
        app_id = await _app(okta)
        first, _, error = await okta.assign_group_to_application(app_id, engineering)
        assert error is None
        body = ApplicationGroupAssignment.from_dict({"priority": 5})
        second, _, error = await okta.assign_group_to_application(
            app_id, sales, application_group_assignment=body
        )
        assert error is None
        listed, _, error = await okta.list_application_group_assignments(app_id)
        assert error is None
        fetched, _, _ = await okta.get_application_group_assignment(app_id, sales)
        result = await okta.unassign_application_from_group(app_id, engineering)
        assert result[-1] is None
        url = f"{sandbox.url}/api/v1/apps/{app_id}/groups"
        return {
            "priorities": (first.priority, second.priority),
            "listed": [g.id for g in listed],
            "fetched": fetched.id,
            "after": await raw(okta, "GET", url),
            "gone": await raw(okta, "GET", f"{url}/{engineering}"),
        }

    seen = run(scenario)

    assert seen["priorities"] == (0, 5)
    assert seen["listed"] == [engineering, sales]
    assert seen["fetched"] == sales
    assert [g["id"] for g in seen["after"].body] == [sales]
    # The default page is 20, and real Okta says so in the self link.
    assert links(seen["after"])[0][1].endswith("/groups?limit=20")
    assert seen["gone"].status == 404


def test_app_group_limit_below_20_is_raised_to_20(sandbox: Sandbox) -> None:
    async def scenario() -> list[tuple[str, str]]:
        okta = client(sandbox)
        app_id = await _app(okta)
        answer = await raw(
            okta, "GET", f"{sandbox.url}/api/v1/apps/{app_id}/groups?limit=5"
        )
        return links(answer)

    assert run(scenario)[0][1].endswith("?limit=20")


def test_assigning_unknown_user_or_group_is_404(sandbox: Sandbox) -> None:
    async def scenario() -> tuple[Any, Any]:
        okta = client(sandbox)
        app_id = await _app(okta)
        base = f"{sandbox.url}/api/v1/apps/{app_id}"
        user = await raw(okta, "POST", f"{base}/users", {"id": "00unope"})
        group = await raw(okta, "PUT", f"{base}/groups/00gnope", {})
        return user, group

    user, group = run(scenario)

    assert user.body["errorSummary"] == "Not found: Resource not found: 00unope (User)"
    assert group.body["errorSummary"] == (
        "Not found: Resource not found: 00gnope (UserGroup)"
    )

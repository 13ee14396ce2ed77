"""Group push mappings: the whole lifecycle, through the SDK and raw calls.

Real Okta answers create and delete with 200 where the spec says 201 and 204
(TestAccDataSourceOktaPushGroup_read); the sandbox follows the recording.
"""

from __future__ import annotations

from typing import Any

from okta.models import (
    CreateGroupPushMappingRequest,
    SamlApplication,
    UpdateGroupPushMappingRequest,
)

from agora_okta.sandbox import Sandbox

from .conftest import SAML_APP, client, links, raw, run


async def _app(okta: Any) -> str:
    app, _, _ = await okta.create_application(SamlApplication.from_dict(SAML_APP))
    return str(app.id)


def _group(sandbox: Sandbox, name: str) -> str:
    return sandbox.org.group_ids_named(name)[0]


def test_push_mapping_lifecycle(sandbox: Sandbox) -> None:
    engineering = _group(sandbox, "Engineering")

    async def scenario() -> dict[str, Any]:
        okta = client(sandbox)
        app_id = await _app(okta)
        base = f"{sandbox.url}/api/v1/apps/{app_id}/group-push/mappings"
        request = {"sourceGroupId": engineering, "targetGroupName": "Engineering"}
        seen: dict[str, Any] = {"created": await raw(okta, "POST", base, request)}
        mapping_id = seen["created"].body["id"]
        url = f"{base}/{mapping_id}"
        seen["refused"] = await raw(okta, "DELETE", f"{url}?deleteTargetGroup=false")
        seen["patched"] = await raw(okta, "PATCH", url, {"status": "INACTIVE"})
        seen["no_flag"] = await raw(okta, "DELETE", url)
        seen["deleted"] = await raw(okta, "DELETE", f"{url}?deleteTargetGroup=true")
        seen["gone"] = await raw(okta, "GET", url)
        return seen

    seen = run(scenario)

    created = seen["created"]
    assert created.status == 200
    assert created.body["id"].startswith("gPm") and len(created.body["id"]) == 20
    assert created.body["status"] == "ACTIVE"
    target = created.body["targetGroupId"]
    assert target != engineering
    assert seen["refused"].status == 400
    assert seen["patched"].body["status"] == "INACTIVE"
    assert (seen["no_flag"].status, seen["no_flag"].body["errorCode"]) == (
        400,
        "E0000001",
    )
    deleted = seen["deleted"]
    assert (deleted.status, deleted.body) == (200, None)
    assert deleted.header("content-type") is None
    assert seen["gone"].status == 404
    # deleteTargetGroup=true removed the group Okta made in the app.
    assert sandbox.org.group(target) is None


def test_target_by_name_creates_an_app_group_then_links_it(sandbox: Sandbox) -> None:
    engineering = _group(sandbox, "Engineering")
    sales = _group(sandbox, "Sales")

    async def scenario() -> tuple[Any, Any, Any]:
        okta = client(sandbox)
        app_id = await _app(okta)
        base = f"{sandbox.url}/api/v1/apps/{app_id}/group-push/mappings"
        first = await raw(
            okta,
            "POST",
            base,
            {"sourceGroupId": engineering, "targetGroupName": "Crew"},
        )
        second = await raw(
            okta, "POST", base, {"sourceGroupId": sales, "targetGroupName": "Crew"}
        )
        groups = await raw(
            okta, "GET", f'{sandbox.url}/api/v1/groups?search=profile.name eq "Crew"'
        )
        return first, second, groups

    first, second, groups = run(scenario)

    assert first.body["targetGroupId"] == second.body["targetGroupId"]
    (crew,) = groups.body
    assert crew["type"] == "APP_GROUP"
    assert crew["id"] == first.body["targetGroupId"]


def test_target_id_links_and_exactly_one_target_is_required(sandbox: Sandbox) -> None:
    engineering = _group(sandbox, "Engineering")
    sales = _group(sandbox, "Sales")

    async def scenario() -> list[Any]:
        okta = client(sandbox)
        app_id = await _app(okta)
        base = f"{sandbox.url}/api/v1/apps/{app_id}/group-push/mappings"
        both = {"sourceGroupId": engineering, "targetGroupId": sales}
        return [
            await raw(okta, "POST", base, {"sourceGroupId": engineering}),
            await raw(okta, "POST", base, {**both, "targetGroupName": "X"}),
            await raw(okta, "POST", base, both),
            await raw(okta, "POST", base, both),
        ]

    neither, two_targets, linked, duplicate = run(scenario)

    assert (neither.status, neither.body["errorCode"]) == (400, "E0000001")
    assert (two_targets.status, two_targets.body["errorCode"]) == (400, "E0000001")
    assert linked.body["targetGroupId"] == sales
    assert duplicate.status == 400


def test_typed_sdk_methods_and_the_200_quirk(sandbox: Sandbox) -> None:
    """The SDK expects 201 on create; on Okta's real 200 it returns no object."""
    engineering = _group(sandbox, "Engineering")
    sales = _group(sandbox, "Sales")

    async def scenario() -> dict[str, Any]:
        okta = client(sandbox)
        app_id = await _app(okta)
        seen: dict[str, Any] = {}
        for group in (engineering, sales):
            request = CreateGroupPushMappingRequest.from_dict(
                {"sourceGroupId": group, "targetGroupName": f"pushed-{group}"}
            )
            seen[group] = await okta.create_group_push_mapping(app_id, request)
        listed, _, error = await okta.list_group_push_mappings(
            app_id, source_group_id=sales
        )
        assert error is None
        mapping = listed[0]
        inactive = UpdateGroupPushMappingRequest.from_dict({"status": "INACTIVE"})
        updated, _, error = await okta.update_group_push_mapping(
            app_id, mapping.id, inactive
        )
        assert error is None
        fetched, _, _ = await okta.get_group_push_mapping(app_id, mapping.id)
        active, _, _ = await okta.list_group_push_mappings(app_id, status="ACTIVE")
        deleted = await okta.delete_group_push_mapping(app_id, mapping.id, False)
        left, _, _ = await okta.list_group_push_mappings(app_id)
        seen.update(
            listed=listed,
            updated=updated,
            fetched=fetched,
            active=active,
            deleted=deleted,
            left=left,
        )
        return seen

    seen = run(scenario)

    created, response, error = seen[engineering]
    assert (created, response.status_code, error) == (None, 200, None)
    assert [m.source_group_id for m in seen["listed"]] == [sales]
    assert seen["updated"].status == "INACTIVE"
    assert seen["fetched"].status == "INACTIVE"
    assert [m.source_group_id for m in seen["active"]] == [engineering]
    assert seen["deleted"][-1] is None
    assert [m.source_group_id for m in seen["left"]] == [engineering]


def test_push_mappings_page_at_the_given_limit(sandbox: Sandbox) -> None:
    groups = [_group(sandbox, n) for n in ("Everyone", "Engineering", "Sales")]

    async def scenario() -> tuple[list[str], list[list[str]]]:
        okta = client(sandbox)
        app_id = await _app(okta)
        base = f"{sandbox.url}/api/v1/apps/{app_id}/group-push/mappings"
        for group in groups:
            await raw(
                okta, "POST", base, {"sourceGroupId": group, "targetGroupName": group}
            )
        seen: list[str] = []
        rels = []
        url = f"{base}?limit=2"
        while url:
            answer = await raw(okta, "GET", url)
            seen += [m["sourceGroupId"] for m in answer.body]
            rels.append([rel for rel, _ in links(answer)])
            url = dict(links(answer)).get("next", "")
        return seen, rels

    seen, rels = run(scenario)

    assert seen == groups
    assert rels == [["self", "next"], ["self"]]

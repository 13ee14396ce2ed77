"""Apps through the real okta SDK: create, list and page, get, replace,
lifecycle, delete; and Okta's errors for them."""

from __future__ import annotations

import copy
from typing import Any

from okta.models import SamlApplication
from okta.pagination import PaginationHelper

from agora_okta.sandbox import Sandbox

from .conftest import SAML_APP, SandboxFactory, client, links, raw, run


def _saml(label: str = "Agora") -> SamlApplication:
    body = copy.deepcopy(SAML_APP)
    body["label"] = label
    return SamlApplication.from_dict(body)


def test_create_saml_app_gets_generated_name_and_keeps_settings(
    sandbox: Sandbox,
) -> None:
    async def scenario() -> tuple[Any, Any, Any]:
        okta = client(sandbox)
        first, _, error = await okta.create_application(_saml(), activate=True)
        assert error is None
        second, _, error = await okta.create_application(_saml("Agora"), activate=False)
        assert error is None
        fetched = await raw(okta, "GET", f"{sandbox.url}/api/v1/apps/{first.id}")
        return first, second, fetched

    first, second, fetched = run(scenario)

    assert first.id.startswith("0oa") and len(first.id) == 20
    assert first.name == "sandbox_agora_1"
    # Labels are not unique: a second app with the same label is another app.
    assert second.name == "sandbox_agora_2"
    assert (first.status, second.status) == ("ACTIVE", "INACTIVE")
    body = fetched.body
    assert body["visibility"]["hide"] == {"iOS": True, "web": True}
    assert body["credentials"]["userNameTemplate"]["template"] == "${source.email}"
    sign_on = body["settings"]["signOn"]
    assert sign_on["ssoAcsUrl"] == "https://agora.example.com/saml/acs"
    assert sign_on["recipient"] == sign_on["ssoAcsUrl"]
    assert body["features"] == []
    assert body["_links"]["users"]["href"] == (
        f"{sandbox.url}/api/v1/apps/{first.id}/users"
    )


def test_create_ignores_features_as_okta_does(sandbox: Sandbox) -> None:
    request = {**copy.deepcopy(SAML_APP), "features": ["SCIM_PROVISIONING"]}

    async def scenario() -> Any:
        okta = client(sandbox)
        return await raw(okta, "POST", f"{sandbox.url}/api/v1/apps", request)

    answer = run(scenario)

    assert answer.status == 200
    assert answer.body["features"] == []


def test_create_saml_app_without_acs_url_is_400(sandbox: Sandbox) -> None:
    request = {"label": "Agora", "signOnMode": "SAML_2_0", "settings": {}}

    async def scenario() -> Any:
        return await raw(client(sandbox), "POST", f"{sandbox.url}/api/v1/apps", request)

    answer = run(scenario)

    assert answer.status == 400
    assert answer.body["errorCode"] == "E0000001"
    causes = [c["errorSummary"] for c in answer.body["errorCauses"]]
    assert any("ssoAcsUrl" in cause for cause in causes)


def test_list_pages_with_two_link_headers(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox()

    async def scenario() -> tuple[list[str], list[Any], list[str]]:
        okta = client(sandbox)
        created: list[str] = []
        for number in range(5):
            app, _, error = await okta.create_application(_saml(f"App {number}"))
            assert error is None
            created.append(app.id)
        pages, seen, after = [], [], None
        while True:
            url = f"{sandbox.url}/api/v1/apps?limit=2"
            answer = await raw(okta, "GET", url + (f"&after={after}" if after else ""))
            pages.append(links(answer))
            seen += [app["id"] for app in answer.body]
            next_urls = [u for rel, u in links(answer) if rel == "next"]
            if not next_urls:
                return created, pages, seen
            after = next_urls[0].split("after=")[1].split("&")[0]

    created, pages, seen = run(scenario)

    assert seen == created
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [rel for rel, _ in pages[0]] == ["self", "next"]
    assert pages[-1][0][0] == "self"


def test_typed_list_pages_with_the_sdk_cursor_helper(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox()

    async def scenario() -> tuple[list[str], list[str]]:
        okta = client(sandbox)
        created: list[str] = []
        for number in range(3):
            app, _, _ = await okta.create_application(_saml(f"App {number}"))
            created.append(app.id)
        seen: list[str] = []
        after = None
        while True:
            apps, response, error = await okta.list_applications(limit=2, after=after)
            assert error is None
            seen += [app.id for app in apps]
            # The SDK keeps only the last Link header: next, when there is one.
            after = PaginationHelper.extract_next_cursor(response.headers)
            if after is None:
                return created, seen

    created, seen = run(scenario)

    assert seen == created


def test_list_filters_by_q_name_and_status(make_sandbox: SandboxFactory) -> None:
    sandbox = make_sandbox()

    async def scenario() -> dict[str, list[str]]:
        okta = client(sandbox)
        for label, active in (("Agora", True), ("Agora Test", False), ("Other", True)):
            await okta.create_application(_saml(label), activate=active)
        found = {}
        for key, query in {
            "q": "q=agora",
            "name": 'filter=name eq "sandbox_other_3"',
            "status": 'filter=status eq "INACTIVE"',
            "either": 'filter=status eq "INACTIVE" or name eq "sandbox_agora_1"',
        }.items():
            answer = await raw(okta, "GET", f"{sandbox.url}/api/v1/apps?{query}")
            found[key] = [app["label"] for app in answer.body]
        return found

    found = run(scenario)

    assert found == {
        "q": ["Agora", "Agora Test"],
        "name": ["Other"],
        "status": ["Agora Test"],
        "either": ["Agora", "Agora Test"],
    }


def test_unsupported_filter_is_400_e0000031(sandbox: Sandbox) -> None:
    async def scenario() -> Any:
        url = f'{sandbox.url}/api/v1/apps?filter=label eq "Agora"'
        return await raw(client(sandbox), "GET", url)

    answer = run(scenario)

    assert (answer.status, answer.body["errorCode"]) == (400, "E0000031")


def test_bad_cursor_is_400_e0000029(sandbox: Sandbox) -> None:
    async def scenario() -> list[Any]:
        okta = client(sandbox)
        answers = []
        for path in ("apps", "users", "groups"):
            url = f"{sandbox.url}/api/v1/{path}?after=00u1testcursorvalue&limit=1"
            answers.append(await raw(okta, "GET", url))
        return answers

    answers = run(scenario)

    for answer in answers:
        assert answer.status == 400
        assert answer.body["errorCode"] == "E0000029"
        assert answer.body["errorCauses"] == [{"errorSummary": "Invalid cursor."}]


def test_replace_keeps_okta_fields_and_changes_settings(sandbox: Sandbox) -> None:
    async def scenario() -> tuple[Any, Any]:
        okta = client(sandbox)
        app, _, _ = await okta.create_application(_saml())
        changed = app.to_dict()
        changed["label"] = "Agora Renamed"
        changed["settings"]["signOn"]["audience"] = "https://new.example.com"
        replaced, _, error = await okta.replace_application(
            app.id, SamlApplication.from_dict(changed)
        )
        assert error is None
        return app, replaced

    app, replaced = run(scenario)

    assert replaced.id == app.id and replaced.name == app.name
    assert replaced.label == "Agora Renamed"
    assert replaced.settings.sign_on.audience == "https://new.example.com"
    assert replaced.status == "ACTIVE"


def test_lifecycle_and_delete_of_an_active_app(sandbox: Sandbox) -> None:
    async def scenario() -> dict[str, Any]:
        okta = client(sandbox)
        app, _, _ = await okta.create_application(_saml())
        url = f"{sandbox.url}/api/v1/apps/{app.id}"
        seen = {"typed": await okta.delete_application(app.id)}
        seen["refused"] = await raw(okta, "DELETE", url)
        seen["deactivate"] = await raw(okta, "POST", f"{url}/lifecycle/deactivate")
        seen["deleted"] = await raw(okta, "DELETE", url)
        seen["gone"] = await raw(okta, "GET", url)
        return seen

    seen = run(scenario)

    # The SDK's methods without a result give two values on error, not three.
    assert len(seen["typed"]) == 2 and "E0000056" in str(seen["typed"][-1])
    refused = seen["refused"]
    assert refused.status == 403
    assert refused.body["errorCode"] == "E0000056"
    assert refused.body["errorSummary"] == "Delete application forbidden."
    assert (seen["deactivate"].status, seen["deactivate"].body) == (200, {})
    assert seen["deleted"].status == 204
    assert seen["deleted"].header("content-type") is None
    assert seen["gone"].status == 404


def test_typed_lifecycle_methods(sandbox: Sandbox) -> None:
    async def scenario() -> list[str]:
        okta = client(sandbox)
        app, _, _ = await okta.create_application(_saml(), activate=False)
        statuses = []
        for action in (okta.activate_application, okta.deactivate_application):
            result = await action(app.id)
            assert result[-1] is None
            fetched, _, _ = await okta.get_application(app.id)
            statuses.append(fetched.status)
        result = await okta.delete_application(app.id)
        assert result[-1] is None
        return statuses

    assert run(scenario) == ["ACTIVE", "INACTIVE"]


def test_unknown_app_is_404_e0000007_app_instance(sandbox: Sandbox) -> None:
    async def scenario() -> tuple[Any, Any]:
        okta = client(sandbox)
        answer = await raw(okta, "GET", f"{sandbox.url}/api/v1/apps/0oanope")
        typed = await okta.get_application("0oanope")
        return answer, typed

    answer, typed = run(scenario)

    assert answer.status == 404
    assert answer.body["errorCode"] == "E0000007"
    assert answer.body["errorSummary"] == (
        "Not found: Resource not found: 0oanope (AppInstance)"
    )
    assert typed[0] is None and typed[-1] is not None

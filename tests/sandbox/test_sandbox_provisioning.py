"""Connections and features before and after the console stand-in, the
``provisioning_api`` setting, and seeded apps whose values the SDK rejects."""

from __future__ import annotations

import json
from typing import Any

import aiohttp
import pydantic
from okta.models import SamlApplication, UpdateFeatureForApplicationRequest

from agora_okta.sandbox import Sandbox

from .conftest import SAML_APP, SandboxFactory, client, raw, run

SCIM_TOKEN = "scim-secret-value-never-echoed"
CONSOLE_FORM = {
    "enabled": True,
    "base_url": "https://agora.example.com/scim/v2",
    "unique_identifier": "email",
    "auth": "header",
    "token": SCIM_TOKEN,
    "create_users": True,
    "update_user_attributes": True,
    "deactivate_users": False,
}
CAPABILITIES = {
    "create": {"lifecycleCreate": {"status": "ENABLED"}},
    "update": {
        "profile": {"status": "ENABLED"},
        "lifecycleDeactivate": {"status": "ENABLED"},
    },
}


async def _app(okta: Any) -> str:
    app, _, _ = await okta.create_application(SamlApplication.from_dict(SAML_APP))
    return str(app.id)


async def _console(sandbox: Sandbox, app_id: str, form: Any) -> tuple[int, Any]:
    url = f"{sandbox.url}/console/apps/{app_id}/provisioning"
    async with aiohttp.ClientSession() as session, session.post(url, json=form) as r:
        return r.status, await r.json()


async def _provisioning_answers(
    okta: Any, sandbox: Sandbox, app_id: str
) -> dict[str, Any]:
    base = f"{sandbox.url}/api/v1/apps/{app_id}"
    return {
        "connection": await raw(okta, "GET", f"{base}/connections/default"),
        "features": await raw(okta, "GET", f"{base}/features"),
        "feature": await raw(okta, "GET", f"{base}/features/USER_PROVISIONING"),
        "put": await raw(
            okta, "PUT", f"{base}/features/USER_PROVISIONING", CAPABILITIES
        ),
        "app": await raw(okta, "GET", base),
    }


def test_custom_app_before_and_after_the_console(sandbox: Sandbox) -> None:
    async def scenario() -> tuple[dict[str, Any], tuple[int, Any], dict[str, Any]]:
        okta = client(sandbox)
        app_id = await _app(okta)
        before = await _provisioning_answers(okta, sandbox, app_id)
        console = await _console(sandbox, app_id, CONSOLE_FORM)
        after = await _provisioning_answers(okta, sandbox, app_id)
        return before, console, after

    before, console, after = run(scenario)

    # Before: as real Okta answers a custom SAML app (FACTS.md, recordings).
    assert before["connection"].status == 200
    assert before["connection"].body == {
        "status": "UNKNOWN",
        "profile": {"authScheme": "UNKNOWN"},
    }
    for key in ("features", "feature", "put"):
        answer = before[key]
        assert (answer.status, answer.body["errorCode"]) == (400, "E0000001")
        assert answer.body["errorCauses"] == [
            {"errorSummary": "Provisioning is not supported."}
        ]
    assert before["app"].body["features"] == []

    status, saved = console
    assert status == 200
    assert SCIM_TOKEN not in json.dumps(saved)
    assert saved["token_set"] is True

    # After: features reflect the console; the connection API still does not
    # answer for a custom app.
    assert after["connection"].body["status"] == "UNKNOWN"
    (feature,) = after["features"].body
    assert feature["name"] == "USER_PROVISIONING"
    capabilities = after["feature"].body["capabilities"]
    assert capabilities["create"]["lifecycleCreate"]["status"] == "ENABLED"
    assert capabilities["update"]["lifecycleDeactivate"]["status"] == "DISABLED"
    assert after["put"].status == 200
    assert after["app"].body["features"] == [
        "SCIM_PROVISIONING",
        "PUSH_NEW_USERS",
        "PUSH_PROFILE_UPDATES",
        "PUSH_USER_DEACTIVATION",
        "GROUP_PUSH",
    ]
    assert SCIM_TOKEN not in json.dumps(sandbox.requests())
    assert sandbox.org.scim_token(after["app"].body["id"]) == SCIM_TOKEN


def test_console_form_is_checked(sandbox: Sandbox) -> None:
    async def scenario() -> list[tuple[int, Any]]:
        okta = client(sandbox)
        app_id = await _app(okta)
        wrong = {**CONSOLE_FORM, "base_url": "ftp://x", "auth": "basic", "extra": 1}
        no_token = {k: v for k, v in CONSOLE_FORM.items() if k != "token"}
        return [
            await _console(sandbox, app_id, wrong),
            await _console(sandbox, app_id, no_token),
            await _console(sandbox, "0oanope", CONSOLE_FORM),
            await _console(sandbox, app_id, {"enabled": False}),
        ]

    wrong, no_token, unknown_app, disabled = run(scenario)

    assert wrong[0] == 400
    for part in ("base_url", "auth", "extra"):
        assert part in wrong[1]["error"]
    assert no_token[0] == 400 and "token" in no_token[1]["error"]
    assert unknown_app[0] == 404
    assert disabled == (200, {**disabled[1], "enabled": False})


def test_console_disable_turns_features_off_and_keeps_others(
    make_sandbox: SandboxFactory,
) -> None:
    app: dict[str, Any] = {
        "id": "0oaSeededAgora000001",
        "label": "Agora",
        "status": "ACTIVE",
        "signOnMode": "SAML_2_0",
        "features": ["AUTO_CONFIRM_IMPORTS", "SCIM_PROVISIONING", "PUSH_NEW_USERS"],
    }
    sandbox = make_sandbox(seed={"apps": [app]})

    seeded = sandbox.org.provisioning(app["id"])
    sandbox.provision(app["id"], enabled=False)

    assert seeded["enabled"] and seeded["create_users"]
    assert not seeded["update_user_attributes"]
    changed = sandbox.org.app(app["id"])
    assert changed is not None
    assert changed["features"] == ["AUTO_CONFIRM_IMPORTS"]


def test_raw_seeded_values_come_back_as_given_and_the_sdk_rejects_them(
    make_sandbox: SandboxFactory,
) -> None:
    """okta/okta-sdk-python#574: typed models refuse AUTO_CONFIRM_IMPORTS."""
    app: dict[str, Any] = {
        "id": "0oaSeededAgora000002",
        "name": "acme_agora_1",
        "label": "Agora",
        "status": "ACTIVE",
        "signOnMode": "SAML_2_0",
        "features": ["AUTO_CONFIRM_IMPORTS", "GROUP_PUSH"],
        "someFutureField": {"kept": True},
    }
    sandbox = make_sandbox(seed={"apps": [app]})

    async def scenario() -> tuple[Exception | None, Any]:
        okta = client(sandbox)
        refusal = None
        try:
            await okta.get_application(app["id"])
        except pydantic.ValidationError as error:
            refusal = error
        answer = await raw(okta, "GET", f"{sandbox.url}/api/v1/apps/{app['id']}")
        return refusal, answer

    refusal, answer = run(scenario)

    assert answer.body == app
    # Not an error tuple: the typed method raises.
    assert refusal is not None and "AUTO_CONFIRM_IMPORTS" in str(refusal)


def test_provisioning_api_answers_as_for_a_supported_app(
    make_sandbox: SandboxFactory,
) -> None:
    sandbox = make_sandbox(provisioning_api=True)

    async def scenario() -> dict[str, Any]:
        okta = client(sandbox)
        app_id = await _app(okta)
        base = f"{sandbox.url}/api/v1/apps/{app_id}/connections/default"
        seen: dict[str, Any] = {"initial": await raw(okta, "GET", base)}
        seen["early"] = await raw(okta, "POST", f"{base}/lifecycle/activate")
        body = {
            "baseUrl": "https://agora.example.com/scim/v2",
            "profile": {"authScheme": "TOKEN", "token": SCIM_TOKEN},
        }
        seen["set"] = await raw(okta, "POST", base, body)
        seen["activate"] = await raw(okta, "POST", f"{base}/lifecycle/activate")
        (
            typed,
            _,
            error,
        ) = await okta.get_default_provisioning_connection_for_application(app_id)
        assert error is None
        seen["typed"] = typed
        request = UpdateFeatureForApplicationRequest.from_json(json.dumps(CAPABILITIES))
        feature, _, error = await okta.update_feature_for_application(
            app_id, "USER_PROVISIONING", request
        )
        assert error is None
        seen["feature"] = feature
        seen["app"] = await raw(okta, "GET", f"{sandbox.url}/api/v1/apps/{app_id}")
        return seen

    seen = run(scenario)

    assert seen["initial"].body["status"] == "DISABLED"
    assert seen["early"].status == 400
    assert seen["set"].body["status"] == "DISABLED"
    assert seen["set"].body["baseUrl"] == "https://agora.example.com/scim/v2"
    assert SCIM_TOKEN not in json.dumps(seen["set"].body)
    assert seen["activate"].status == 204
    assert seen["typed"].status == "ENABLED"
    assert seen["feature"].name == "USER_PROVISIONING"
    assert seen["app"].body["features"] == [
        "SCIM_PROVISIONING",
        "PUSH_NEW_USERS",
        "PUSH_PROFILE_UPDATES",
        "PUSH_USER_DEACTIVATION",
        "GROUP_PUSH",
    ]


def test_unknown_feature_name_and_bad_body(sandbox: Sandbox) -> None:
    async def scenario() -> tuple[Any, Any]:
        okta = client(sandbox)
        app_id = await _app(okta)
        base = f"{sandbox.url}/api/v1/apps/{app_id}/features"
        unknown = await raw(okta, "GET", f"{base}/INVALID_FEATURE_TYPE")
        empty = await raw(okta, "PUT", f"{base}/USER_PROVISIONING")
        return unknown, empty

    unknown, empty = run(scenario)

    assert unknown.status == 404
    assert unknown.body["errorSummary"] == (
        "Not found: Resource not found: INVALID_FEATURE_TYPE (PublicAppFeatureSetName)"
    )
    assert (empty.status, empty.body["errorCode"]) == (400, "E0000003")

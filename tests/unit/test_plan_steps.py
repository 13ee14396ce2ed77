"""Manual steps judged from an app's features, and the warning when an app
update undid them."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from agora_okta import engine
from agora_okta.adapter.models import App
from agora_okta.config import load_config
from agora_okta.plan import manual_steps

EXAMPLE = Path(__file__).resolve().parents[2] / "config.example.yaml"
PROVISIONED = [
    "SCIM_PROVISIONING",
    "PUSH_NEW_USERS",
    "PUSH_PROFILE_UPDATES",
    "PUSH_USER_DEACTIVATION",
    "GROUP_PUSH",
    # A value no SDK release lists (okta/okta-sdk-python#574): kept, harmless.
    "AUTO_CONFIRM_IMPORTS",
]


def app(features: list[str]) -> App:
    return App.from_json({"id": "0oa1", "label": "Agora", "features": features})


def test_steps_follow_the_features() -> None:
    config = load_config(EXAMPLE).config
    assert [s.done for s in manual_steps(config, app([]))] == [False, False, False]
    assert [s.done for s in manual_steps(config, app(PROVISIONED))] == [True] * 3
    partly = ["SCIM_PROVISIONING", "PUSH_NEW_USERS"]
    assert [s.done for s in manual_steps(config, app(partly))] == [True, True, False]


def test_values_okta_does_not_show_are_never_reported_as_visible() -> None:
    config = load_config(EXAMPLE).config
    connection = manual_steps(config, app(PROVISIONED))[1]
    assert connection.key == "connection"
    assert connection.visible_in_okta is False
    assert "checked from Agora's side" in connection.note
    assert ("Authorization (Bearer)", "the value of env:AGORA_SCIM_TOKEN") in (
        connection.settings
    )


def test_an_update_that_reset_provisioning_is_reported(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = load_config(EXAMPLE).config
    with caplog.at_level(logging.WARNING):
        engine._warn_if_undone(config, app(PROVISIONED), app(PROVISIONED))
        assert caplog.messages == []
        engine._warn_if_undone(config, app(PROVISIONED), app([]))
    assert caplog.messages == [
        "Okta reset the app's provisioning when the app was updated: "
        "3 console step(s) are pending again"
    ]

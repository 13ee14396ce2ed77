"""An app's provisioning: what the console's Provisioning tab and the
connections/features APIs read and set.

For a custom SAML app, Okta's public API cannot set any of it (FACTS.md:
steps 3, 4 and 6); the console stand-in can, and so can the API when the
sandbox runs with ``provisioning_api=True`` ("an app that supports
provisioning"). Both paths change the same state, so the app's ``features``
list always tells what is on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from agora_okta.sandbox.errors import bad_body, validation

MANAGED_FEATURES = (
    "SCIM_PROVISIONING",
    "PUSH_NEW_USERS",
    "PUSH_PROFILE_UPDATES",
    "PUSH_USER_DEACTIVATION",
    "GROUP_PUSH",
)
FEATURE_NAMES = ("USER_PROVISIONING", "INBOUND_PROVISIONING")
_STATUSES = ("ENABLED", "DISABLED")
_CONSOLE_KEYS = {
    "enabled",
    "base_url",
    "unique_identifier",
    "auth",
    "token",
    "create_users",
    "update_user_attributes",
    "deactivate_users",
}
_CONSOLE_FLAGS = ("create_users", "update_user_attributes", "deactivate_users")
# The console form's choices the sandbox knows, the first being the default.
CONSOLE_AUTH = ("header",)
# The form's default unique identifier field, as in Okta's SCIM settings.
CONSOLE_IDENTIFIER = "userName"


def _default_password() -> dict[str, Any]:
    return {"status": "DISABLED", "seed": "RANDOM", "change": "KEEP_EXISTING"}


@dataclass
class Provisioning:
    enabled: bool = False
    base_url: str | None = None
    unique_identifier: str | None = None
    auth: str | None = None
    # The SCIM token: kept to compare, never logged, never answered.
    token: str | None = field(default=None, repr=False)
    create_users: bool = False
    update_user_attributes: bool = False
    deactivate_users: bool = False
    password: dict[str, Any] = field(default_factory=_default_password)

    def features(self) -> list[str]:
        """The app ``features`` values this state stands for (FACTS.md)."""
        if not self.enabled:
            return []
        flags = {
            "SCIM_PROVISIONING": True,
            "PUSH_NEW_USERS": self.create_users,
            "PUSH_PROFILE_UPDATES": self.update_user_attributes,
            "PUSH_USER_DEACTIVATION": self.deactivate_users,
            "GROUP_PUSH": True,
        }
        return [name for name in MANAGED_FEATURES if flags[name]]

    def public(self) -> dict[str, Any]:
        """The console's view of the settings, without the token."""
        return {
            "enabled": self.enabled,
            "base_url": self.base_url,
            "unique_identifier": self.unique_identifier,
            "auth": self.auth,
            "token_set": self.token is not None,
            "create_users": self.create_users,
            "update_user_attributes": self.update_user_attributes,
            "deactivate_users": self.deactivate_users,
        }


def from_features(features: Any) -> Provisioning:
    """What a seeded app's ``features`` list says was set in the console."""
    names = set(features) if isinstance(features, list) else set()
    return Provisioning(
        enabled="SCIM_PROVISIONING" in names,
        create_users="PUSH_NEW_USERS" in names,
        update_user_attributes="PUSH_PROFILE_UPDATES" in names,
        deactivate_users="PUSH_USER_DEACTIVATION" in names,
    )


def merged_features(current: Any, state: Provisioning) -> list[Any]:
    """The app's new ``features``: other values kept, provisioning ones derived."""
    others = [f for f in (current or []) if f not in MANAGED_FEATURES]
    return state.features() + others


def apply_console(state: Provisioning, payload: Any) -> None:
    """Save the console's Provisioning tab; ValueError lists every problem."""
    problems = _console_problems(state, payload)
    if problems:
        raise ValueError("; ".join(problems))
    if not payload["enabled"]:
        state.enabled = False
        return
    state.enabled = True
    state.base_url = payload["base_url"]
    state.unique_identifier = payload.get("unique_identifier", CONSOLE_IDENTIFIER)
    state.auth = payload.get("auth", CONSOLE_AUTH[0])
    if payload.get("token"):
        state.token = payload["token"]
    state.create_users = bool(payload.get("create_users", False))
    state.update_user_attributes = bool(payload.get("update_user_attributes", False))
    state.deactivate_users = bool(payload.get("deactivate_users", False))


def _console_problems(state: Provisioning, payload: Any) -> list[str]:
    if not isinstance(payload, dict):
        return ["the body must be a JSON object"]
    problems = [
        f"unknown field '{key}'" for key in sorted(set(payload) - _CONSOLE_KEYS)
    ]
    if not isinstance(payload.get("enabled"), bool):
        problems.append("'enabled' must be true or false")
    problems += [
        f"'{flag}' must be true or false"
        for flag in _CONSOLE_FLAGS
        if flag in payload and not isinstance(payload[flag], bool)
    ]
    if payload.get("enabled") is not True:
        return problems
    if not _is_http_url(payload.get("base_url")):
        problems.append("'base_url' must be an http(s) URL")
    identifier = payload.get("unique_identifier", CONSOLE_IDENTIFIER)
    if not isinstance(identifier, str) or not identifier.strip():
        problems.append("'unique_identifier' must name a field, e.g. 'email'")
    if payload.get("auth", CONSOLE_AUTH[0]) not in CONSOLE_AUTH:
        problems.append("'auth' must be 'header' (HTTP Header authentication)")
    token = payload.get("token")
    if token is not None and (not isinstance(token, str) or not token):
        problems.append("'token' must be a non-empty string")
    if token is None and state.token is None:
        problems.append("'token' is required the first time provisioning is set")
    return problems


def _is_http_url(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = urlsplit(value)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def feature_body(base: str, app_id: str, state: Provisioning) -> dict[str, Any]:
    """USER_PROVISIONING as real Okta answered in TestAccOktaAppFeatures_basic."""

    def status(flag: bool) -> dict[str, str]:
        return {"status": "ENABLED" if flag else "DISABLED"}

    href = f"{base}/api/v1/apps/{app_id}/features/USER_PROVISIONING"
    return {
        "name": "USER_PROVISIONING",
        "status": "ENABLED" if state.enabled else "DISABLED",
        "description": (
            "User provisioning settings from Okta to a downstream application"
        ),
        "capabilities": {
            "create": {"lifecycleCreate": status(state.create_users)},
            "update": {
                "profile": status(state.update_user_attributes),
                "lifecycleDeactivate": status(state.deactivate_users),
                "password": dict(state.password),
            },
        },
        "_links": {"self": {"href": href, "hints": {"allow": ["GET", "PUT"]}}},
    }


def apply_feature_put(state: Provisioning, body: Any) -> None:
    """PUT features/USER_PROVISIONING: the capabilities object itself."""
    if not isinstance(body, dict):
        raise bad_body()
    create = _section(body, "create")
    update = _section(body, "update")
    changes: dict[str, bool] = {}
    for attr, section, key in (
        ("create_users", create, "lifecycleCreate"),
        ("update_user_attributes", update, "profile"),
        ("deactivate_users", update, "lifecycleDeactivate"),
    ):
        if key in section:
            changes[attr] = _status(section[key], key)
    password = update.get("password")
    if password is not None and not isinstance(password, dict):
        raise validation("capabilities", "update.password must be an object")
    for attr, value in changes.items():
        setattr(state, attr, value)
    if password is not None:
        state.password.update(password)


def _section(body: dict[str, Any], key: str) -> dict[str, Any]:
    section = body.get(key) or {}
    if not isinstance(section, dict):
        raise validation("capabilities", f"{key} must be an object")
    return section


def _status(value: Any, key: str) -> bool:
    status = value.get("status") if isinstance(value, dict) else None
    if status not in _STATUSES:
        raise validation("capabilities", f"{key}.status must be ENABLED or DISABLED")
    return bool(status == "ENABLED")


UNKNOWN_CONNECTION = {"status": "UNKNOWN", "profile": {"authScheme": "UNKNOWN"}}


def connection_body(base: str, app_id: str, state: Provisioning) -> dict[str, Any]:
    """The default connection of an app that supports provisioning, as in
    TestAccResourceOktaAppConnection_cru."""
    href = f"{base}/api/v1/apps/{app_id}/connections/default"
    lifecycle = "deactivate" if state.enabled else "activate"
    body: dict[str, Any] = {
        "authScheme": "TOKEN",
        "status": "ENABLED" if state.enabled else "DISABLED",
    }
    if state.base_url is not None:
        body["baseUrl"] = state.base_url
    body["profile"] = {"authScheme": "TOKEN"}
    body["_links"] = {
        "self": {"href": href, "hints": {"allow": ["POST", "GET"]}},
        lifecycle: {
            "href": f"{href}/lifecycle/{lifecycle}",
            "hints": {"allow": ["POST"]},
        },
    }
    return body


def apply_connection_post(state: Provisioning, body: Any, activate: bool) -> None:
    """POST connections/default: base URL and token, optionally turned on."""
    if not isinstance(body, dict):
        raise bad_body()
    profile = body.get("profile")
    if not isinstance(profile, dict) or profile.get("authScheme") != "TOKEN":
        raise validation("profile", "profile.authScheme must be TOKEN for this app")
    base_url = body.get("baseUrl", state.base_url)
    if base_url is not None and not _is_http_url(base_url):
        raise validation("baseUrl", "baseUrl must be an http(s) URL")
    token = profile.get("token")
    if token is not None and (not isinstance(token, str) or not token):
        raise validation("profile", "profile.token must be a non-empty string")
    state.base_url = base_url
    state.auth = "header"
    if token is not None:
        state.token = token
    if activate:
        activate_connection(state)


def activate_connection(state: Provisioning) -> None:
    if state.base_url is None or state.token is None:
        raise validation(
            "connection", "Set baseUrl and profile.token before activating."
        )
    state.enabled = True

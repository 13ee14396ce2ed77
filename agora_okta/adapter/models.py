"""Okta's objects as the tool reads them: only the fields it uses, leniently.

Unknown fields are ignored and unknown enum values are kept as plain
strings, so an app whose ``features`` holds a value no SDK release lists
(``AUTO_CONFIRM_IMPORTS``, okta/okta-sdk-python#574) or a catalogue app in a
list (#546) never stops a run. A field the tool needs and Okta left out is an
``OktaError`` that names the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from agora_okta.errors import OktaError

EMAIL_TEMPLATE = "${source.email}"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _required(data: Any, key: str, what: str) -> str:
    value = _dict(data).get(key)
    if not isinstance(value, str) or not value:
        raise OktaError(f"Okta's answer for {what} has no {key!r}")
    return value


@dataclass(frozen=True)
class App:
    id: str
    name: str
    label: str
    status: str
    sign_on_mode: str
    features: frozenset[str]
    user_name_template: str
    hide_web: bool
    hide_ios: bool
    acs_url: str
    audience: str
    raw: dict[str, Any]

    @classmethod
    def from_json(cls, data: Any, what: str = "an app") -> App:
        credentials = _dict(_dict(data).get("credentials"))
        hide = _dict(_dict(_dict(data).get("visibility")).get("hide"))
        sign_on = _dict(_dict(_dict(data).get("settings")).get("signOn"))
        features = _dict(data).get("features") or []
        return cls(
            id=_required(data, "id", what),
            name=str(data.get("name") or ""),
            label=str(data.get("label") or ""),
            status=str(data.get("status") or ""),
            sign_on_mode=str(data.get("signOnMode") or ""),
            features=frozenset(str(f) for f in features if isinstance(f, str)),
            user_name_template=str(
                _dict(credentials.get("userNameTemplate")).get("template") or ""
            ),
            hide_web=bool(hide.get("web")),
            hide_ios=bool(hide.get("iOS")),
            acs_url=str(sign_on.get("ssoAcsUrl") or ""),
            audience=str(sign_on.get("audience") or ""),
            raw=data,
        )


@dataclass(frozen=True)
class User:
    id: str
    login: str
    email: str
    status: str

    @classmethod
    def from_json(cls, data: Any) -> User:
        profile = _dict(_dict(data).get("profile"))
        return cls(
            id=_required(data, "id", "a user"),
            login=str(profile.get("login") or ""),
            email=str(profile.get("email") or ""),
            status=str(data.get("status") or ""),
        )


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    # OKTA_GROUP, BUILT_IN (Everyone), or APP_GROUP: a group that lives in an
    # app, such as the one a push mapping makes in Agora, named as its source.
    type: str

    @classmethod
    def from_json(cls, data: Any) -> Group:
        profile = _dict(_dict(data).get("profile"))
        return cls(
            id=_required(data, "id", "a group"),
            name=str(profile.get("name")),
            type=str(_dict(data).get("type") or ""),
        )


@dataclass(frozen=True)
class AppUser:
    """A person assigned to the app, directly (USER) or through a group (GROUP)."""

    id: str
    scope: str
    user_name: str

    @classmethod
    def from_json(cls, data: Any) -> AppUser:
        credentials = _dict(_dict(data).get("credentials"))
        return cls(
            id=_required(data, "id", "an app user"),
            scope=str(data.get("scope") or "USER"),
            user_name=str(credentials.get("userName") or ""),
        )


@dataclass(frozen=True)
class AppGroup:
    id: str
    priority: int | None

    @classmethod
    def from_json(cls, data: Any) -> AppGroup:
        priority = _dict(data).get("priority")
        return cls(
            id=_required(data, "id", "an app group assignment"),
            priority=priority if isinstance(priority, int) else None,
        )


@dataclass(frozen=True)
class PushMapping:
    id: str
    source_group_id: str
    target_group_id: str
    status: str
    error_summary: str
    last_push: str

    @classmethod
    def from_json(cls, data: Any) -> PushMapping:
        return cls(
            id=_required(data, "id", "a group push mapping"),
            source_group_id=_required(data, "sourceGroupId", "a group push mapping"),
            target_group_id=str(data.get("targetGroupId") or ""),
            status=str(data.get("status") or ""),
            error_summary=str(data.get("errorSummary") or ""),
            last_push=str(data.get("lastPush") or ""),
        )

"""The JSON shapes Okta answers with, copied from real answers in recordings/.

Builders make the stored body of a new object; ``*_links`` functions add the
``_links`` Okta computes from its own base URL, which the sandbox knows only
once it listens.
"""

from __future__ import annotations

import copy
import random
import re
import string
from typing import Any

_ID_ALPHABET = string.ascii_letters + string.digits
_LOGO_BASE = "https://ok12static.oktacdn.com/assets/img/logos"
GROUP_LOGOS = [
    {
        "name": "medium",
        "href": f"{_LOGO_BASE}/groups/odyssey/okta-medium.png",
        "type": "image/png",
    },
    {
        "name": "large",
        "href": f"{_LOGO_BASE}/groups/odyssey/okta-large.png",
        "type": "image/png",
    },
]
APP_LOGO = [
    {"name": "medium", "href": f"{_LOGO_BASE}/default.png", "type": "image/png"}
]


class IdMaker:
    """Okta-looking ids (``0oa`` apps, ``00u`` users, ``00g`` groups, ``gPm`` push
    mappings): three-letter prefix and 17 letters or digits, 20 in all.

    Drawn from their own random.Random so that a seed file and random_seed
    give the same ids every time.
    """

    def __init__(self, seed: int | None) -> None:
        self._random = random.Random(f"agora-okta-sandbox-ids:{seed or 0}")

    def make(self, prefix: str) -> str:
        return prefix + "".join(self._random.choices(_ID_ALPHABET, k=17))


def deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """base with extra laid over it, nested mappings merged key by key."""
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def new_user(
    user_id: str, entry: dict[str, Any], now: str, user_type_id: str
) -> dict[str, Any]:
    """A user from the seed's short form: email, first_name, last_name..."""
    status = entry.get("status", "ACTIVE")
    email = entry["email"]
    return {
        "id": user_id,
        "status": status,
        "created": now,
        "activated": None if status == "STAGED" else now,
        "statusChanged": now,
        "lastLogin": None,
        "lastUpdated": now,
        "passwordChanged": None,
        "type": {"id": user_type_id},
        "profile": {
            # Okta stores no empty names: absent ones are null.
            "firstName": entry.get("first_name") or None,
            "lastName": entry.get("last_name") or None,
            "mobilePhone": None,
            "secondEmail": None,
            "login": entry.get("login", email),
            "email": email,
        },
        "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
    }


def user_links(base: str, body: dict[str, Any], schema_id: str) -> dict[str, Any]:
    href = f"{base}/api/v1/users/{body['id']}"
    type_id = (body.get("type") or {}).get("id", "")
    lifecycle = "deactivate" if body.get("status") != "DEPROVISIONED" else "activate"
    return {
        "self": {"href": href},
        "type": {"href": f"{base}/api/v1/meta/types/user/{type_id}"},
        "schema": {"href": f"{base}/api/v1/meta/schemas/user/{schema_id}"},
        lifecycle: {"href": f"{href}/lifecycle/{lifecycle}", "method": "POST"},
    }


def new_group(
    group_id: str,
    name: str,
    description: str,
    now: str,
    group_type: str = "OKTA_GROUP",
) -> dict[str, Any]:
    object_class = "okta:app_group" if group_type == "APP_GROUP" else "okta:user_group"
    return {
        "id": group_id,
        "created": now,
        "lastUpdated": now,
        "lastMembershipUpdated": now,
        "objectClass": [object_class],
        "type": group_type,
        "profile": {"name": name, "description": description},
    }


def group_links(base: str, group_id: str, source_app: str | None) -> dict[str, Any]:
    href = f"{base}/api/v1/groups/{group_id}"
    links: dict[str, Any] = {
        "logo": copy.deepcopy(GROUP_LOGOS),
        "users": {"href": f"{href}/users"},
        "apps": {"href": f"{href}/apps"},
    }
    if source_app is not None:
        links["source"] = {"href": f"{base}/api/v1/apps/{source_app}"}
    return links


_SAML_SIGN_ON_DEFAULTS: dict[str, Any] = {
    "defaultRelayState": "",
    "idpIssuer": "http://www.okta.com/${org.externalKey}",
    "subjectNameIdTemplate": "${user.userName}",
    "subjectNameIdFormat": "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    "responseSigned": True,
    "assertionSigned": True,
    "signatureAlgorithm": "RSA_SHA256",
    "digestAlgorithm": "SHA256",
    "honorForceAuthn": True,
    "authnContextClassRef": (
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    ),
    "spIssuer": None,
    "requestCompressed": False,
    "attributeStatements": [],
    "inlineHooks": [],
    "assertionEncryption": {"enabled": False},
    "allowMultipleAcsEndpoints": False,
    "acsEndpoints": [],
    "samlSignedRequestEnabled": False,
    "slo": {"enabled": False},
}

_SETTINGS_DEFAULTS: dict[str, Any] = {
    "app": {},
    "notifications": {
        "vpn": {"network": {"connection": "DISABLED"}, "message": None, "helpUrl": None}
    },
    "manualProvisioning": False,
    "implicitAssignment": False,
    "notes": {"admin": None, "enduser": None},
}


def generated_app_name(subdomain: str, label: str, number: int) -> str:
    """Okta's name for a wizard-made app: subdomain_label-letters-digits_n."""
    letters = re.sub(r"[^a-z0-9]", "", label.lower())
    return f"{subdomain}_{letters}_{number}"


def new_app(
    ids: dict[str, str],
    name: str,
    request: dict[str, Any],
    now: str,
    *,
    active: bool,
    custom: bool,
) -> dict[str, Any]:
    """The body of a created app: the request laid over Okta's defaults.

    ``features`` in the request is ignored: Okta treats it as read-only.
    A custom (wizard-made) app is one whose name Okta generated.
    """
    sign_on_mode = request.get("signOnMode")
    settings = deep_merge(_SETTINGS_DEFAULTS, request.get("settings") or {})
    if sign_on_mode == "SAML_2_0":
        settings["signOn"] = _saml_sign_on(settings.get("signOn") or {}, custom)
    credentials = deep_merge(
        {"userNameTemplate": {"template": "${source.login}", "type": "BUILT_IN"}},
        request.get("credentials") or {},
    )
    credentials["signing"] = {"kid": ids["kid"]} if sign_on_mode else {}
    return {
        "id": ids["id"],
        "orn": f"orn:okta:idp:{ids['org']}:apps:{name}:{ids['id']}",
        "name": name,
        "label": request["label"],
        "status": "ACTIVE" if active else "INACTIVE",
        "lastUpdated": now,
        "created": now,
        "accessibility": deep_merge(
            {"selfService": False, "errorRedirectUrl": None, "loginRedirectUrl": None},
            request.get("accessibility") or {},
        ),
        "visibility": deep_merge(
            {
                "autoLaunch": False,
                "autoSubmitToolbar": False,
                "hide": {"iOS": False, "web": False},
                "appLinks": {f"{name}_link": True},
            },
            request.get("visibility") or {},
        ),
        "features": [],
        "signOnMode": sign_on_mode,
        "credentials": credentials,
        "settings": settings,
    }


def _saml_sign_on(given: dict[str, Any], custom: bool) -> dict[str, Any]:
    """SAML settings as Okta stores them (TestAccResourceOktaAppSaml_crud):
    a custom app drops the ``*Override`` fields, a catalog app keeps them,
    empty ones as null."""
    sign_on = deep_merge(_SAML_SIGN_ON_DEFAULTS, given)
    sign_on.setdefault("recipient", given.get("ssoAcsUrl"))
    sign_on.setdefault("destination", given.get("ssoAcsUrl"))
    for key in [k for k in sign_on if k.endswith("Override")]:
        if custom:
            del sign_on[key]
        elif sign_on[key] == "":
            sign_on[key] = None
    return sign_on


def replaced_app(current: dict[str, Any], request: dict[str, Any], now: str) -> Any:
    """PUT /api/v1/apps/{id}: the request replaces what a client may set.

    id, name, status, created, features and the signing key stay Okta's.
    Not simulated: a PUT after SCIM was enabled in the console has been
    reported to reset provisioning (okta/terraform-provider-okta#655); it is
    not confirmed, so the sandbox keeps provisioning as it was.
    """
    body = copy.deepcopy(current)
    for key in ("label", "accessibility", "visibility", "settings"):
        if key in request:
            body[key] = copy.deepcopy(request[key])
    if "credentials" in request:
        signing = body.get("credentials", {}).get("signing", {})
        body["credentials"] = deep_merge(request["credentials"], {"signing": signing})
    body["lastUpdated"] = now
    return body


def app_links(base: str, body: dict[str, Any], link_id: str) -> dict[str, Any]:
    app_id, name = body["id"], body.get("name", "")
    href = f"{base}/api/v1/apps/{app_id}"
    lifecycle = "deactivate" if body.get("status") == "ACTIVE" else "activate"
    links: dict[str, Any] = {
        "uploadLogo": {"href": f"{href}/logo", "hints": {"allow": ["POST"]}},
        "appLinks": [
            {
                "name": f"{name}_link",
                "href": f"{base}/home/{name}/{app_id}/{link_id}",
                "type": "text/html",
            }
        ],
        "groups": {"href": f"{href}/groups"},
        "logo": copy.deepcopy(APP_LOGO),
        "users": {"href": f"{href}/users"},
        lifecycle: {"href": f"{href}/lifecycle/{lifecycle}"},
    }
    if body.get("signOnMode") == "SAML_2_0":
        links["metadata"] = {
            "href": f"{href}/sso/saml/metadata",
            "type": "application/xml",
        }
    return links


def app_user(
    base: str,
    app_id: str,
    user_id: str,
    assigned: str,
    scope: str,
    user_name: str,
    group: tuple[str, str] | None,
) -> dict[str, Any]:
    """An app user as a custom app without provisioning shows it.

    Not simulated: the sandbox pushes nothing to a SCIM server, so even with
    provisioning on, status stays ACTIVE and syncState DISABLED (real Okta
    moves them to PROVISIONED and SYNCHRONIZED once Agora answered).
    """
    links: dict[str, Any] = {
        "app": {"href": f"{base}/api/v1/apps/{app_id}"},
        "user": {"href": f"{base}/api/v1/users/{user_id}"},
    }
    if group is not None:
        group_id, group_name = group
        links["group"] = {
            "name": group_name,
            "href": f"{base}/api/v1/groups/{group_id}",
        }
    return {
        "id": user_id,
        "externalId": None,
        "created": assigned,
        "lastUpdated": assigned,
        "scope": scope,
        "status": "ACTIVE",
        "statusChanged": assigned,
        "passwordChanged": None,
        "syncState": "DISABLED",
        "credentials": {"userName": user_name},
        "profile": {},
        "_links": links,
    }


def app_group(
    base: str,
    app_id: str,
    group_id: str,
    last_updated: str,
    priority: int,
    profile: dict[str, Any],
) -> dict[str, Any]:
    href = f"{base}/api/v1/apps/{app_id}"
    return {
        "id": group_id,
        "lastUpdated": last_updated,
        "priority": priority,
        "profile": copy.deepcopy(profile),
        "_links": {
            "app": {"href": href},
            "self": {"href": f"{href}/groups/{group_id}"},
            "group": {"href": f"{base}/api/v1/groups/{group_id}"},
        },
    }


def push_mapping(base: str, app_id: str, mapping: dict[str, Any]) -> dict[str, Any]:
    """As real Okta answered in TestAccDataSourceOktaPushGroup_read."""
    return {
        "created": mapping["created"],
        "id": mapping["id"],
        "lastUpdated": mapping["lastUpdated"],
        "sourceGroupId": mapping["sourceGroupId"],
        "status": mapping["status"],
        "targetGroupId": mapping["targetGroupId"],
        "_links": {
            "app": {"href": f"{base}/api/v1/apps/{app_id}"},
            "sourceGroup": {"href": f"{base}/api/v1/groups/{mapping['sourceGroupId']}"},
            "targetGroup": {"href": f"{base}/api/v1/groups/{mapping['targetGroupId']}"},
        },
    }


def user_name_for(template: str, user: dict[str, Any]) -> str:
    """What ``credentials.userNameTemplate`` makes of a user.

    ``${source.email}`` gives the email, ``${source.login}`` the login, and
    ``${source.X}`` any profile attribute X; other expressions fall back to
    the login (the sandbox does not evaluate Okta's expression language).
    """
    profile = user.get("profile") or {}
    match = re.fullmatch(r"\$\{source\.([A-Za-z0-9_]+)\}", template.strip())
    if match and isinstance(profile.get(match.group(1)), str):
        return str(profile[match.group(1)])
    return str(profile.get("login", ""))

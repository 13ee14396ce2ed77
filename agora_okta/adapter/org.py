"""The Okta endpoints the tool uses, one method each, on top of the transport.

Reads list whole collections at Okta's largest page size; lookups of people
and groups are batched into ``or`` expressions on their own buckets, so that a
plan never spends one apps-family request per person. Writes send exactly one
request per change, except where a lost answer forces a look before trying
again (``AmbiguousWrite``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

from agora_okta.adapter.models import (
    EMAIL_TEMPLATE,
    App,
    AppGroup,
    AppUser,
    Group,
    PushMapping,
    User,
)
from agora_okta.adapter.transport import OktaTransport
from agora_okta.errors import OktaError

log = logging.getLogger(__name__)

# Page sizes: the largest each list accepts (FACTS.md, "Paging").
APPS_PAGE = 200
APP_USERS_PAGE = 500
APP_GROUPS_PAGE = 200
PUSH_MAPPINGS_PAGE = 1000
USERS_PAGE = 200
GROUPS_PAGE = 200
# How many names go into one `or` expression; keeps the URL well under 8 KB.
LOOKUP_BATCH = 40

PROVISIONING_FEATURE = "USER_PROVISIONING"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _batches(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def saml_app_body(
    label: str, acs_url: str, audience: str, hide_tiles: bool
) -> dict[str, Any]:
    """A SAML 2.0 app used only to provision: placeholder SSO, email user names."""
    return {
        "label": label,
        "signOnMode": "SAML_2_0",
        "visibility": {
            "autoSubmitToolbar": False,
            "hide": {"iOS": hide_tiles, "web": hide_tiles},
        },
        "credentials": {
            "userNameTemplate": {"template": EMAIL_TEMPLATE, "type": "BUILT_IN"}
        },
        "settings": {
            "signOn": {
                "ssoAcsUrl": acs_url,
                "recipient": acs_url,
                "destination": acs_url,
                "audience": audience,
                "idpIssuer": "http://www.okta.com/${org.externalKey}",
                "subjectNameIdTemplate": "${user.email}",
                "subjectNameIdFormat": (
                    "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
                ),
                "responseSigned": True,
                "assertionSigned": True,
                "signatureAlgorithm": "RSA_SHA256",
                "digestAlgorithm": "SHA256",
                "honorForceAuthn": True,
                "authnContextClassRef": (
                    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
                ),
            }
        },
    }


class OktaOrg:
    """One Okta org, read and written through ``OktaTransport``."""

    def __init__(self, transport: OktaTransport) -> None:
        self.http = transport

    # Apps

    async def get_app(self, app_id: str) -> App | None:
        try:
            answer = await self.http.request("GET", f"/api/v1/apps/{app_id}")
        except OktaError as error:
            if error.status == 404:
                return None
            raise
        return App.from_json(answer.data, f"GET /api/v1/apps/{app_id}")

    async def find_apps(self, label: str) -> list[App]:
        """Apps whose label is exactly ``label`` (labels are not unique)."""
        found: list[App] = []
        params: dict[str, str | int] = {"q": label, "limit": APPS_PAGE}
        async for page in self.http.pages("/api/v1/apps", params):
            for item in page:
                if isinstance(item, dict) and item.get("label") == label:
                    found.append(App.from_json(item, "GET /api/v1/apps"))
        return found

    async def create_app(self, body: dict[str, Any]) -> App:
        """Create the app, once: after a lost answer, adopt the app it made."""
        label = body["label"]
        what = "POST /api/v1/apps"
        before = {app.id for app in await self.find_apps(label)}

        async def look() -> App | None:
            made = [app for app in await self.find_apps(label) if app.id not in before]
            if len(made) > 1:
                ids = ", ".join(app.id for app in made)
                raise OktaError(
                    f"{what}: {len(made)} apps labelled {label!r} were made ({ids}) "
                    "while answers were lost; deactivate and delete all but one "
                    "in the Admin Console, then pin it with `app: {id: ...}`"
                )
            return made[0] if made else None

        return await self.http.create(
            "/api/v1/apps",
            body,
            params={"activate": "true"},
            parse=lambda answer: App.from_json(answer.data, what),
            look=look,
        )

    async def replace_app(self, app: App, changes: dict[str, Any]) -> App:
        """PUT the app with ``changes`` merged into what Okta holds."""
        body = _merge(app.raw, changes)
        for key in ("_links", "_embedded", "features", "lastUpdated", "created"):
            body.pop(key, None)
        answer = await self.http.request("PUT", f"/api/v1/apps/{app.id}", body=body)
        return App.from_json(answer.data, f"PUT /api/v1/apps/{app.id}")

    async def activate_app(self, app_id: str) -> None:
        await self.http.request("POST", f"/api/v1/apps/{app_id}/lifecycle/activate")

    # Provisioning, where Okta's API answers for the app

    async def connection_status(self, app_id: str) -> str:
        """``UNKNOWN`` on a custom SAML app: its connection has no public API."""
        path = f"/api/v1/apps/{app_id}/connections/default"
        answer = await self.http.request("GET", path)
        if not isinstance(answer.data, dict):
            kind = type(answer.data).__name__.replace("NoneType", "nothing")
            raise OktaError(
                f"Okta answered GET {path} with {kind}, not an object",
                method="GET",
                path=path,
            )
        return str(answer.data.get("status") or "UNKNOWN")

    async def set_connection(self, app_id: str, base_url: str, token: str) -> None:
        path = f"/api/v1/apps/{app_id}/connections/default"
        body = {"baseUrl": base_url, "profile": {"authScheme": "TOKEN", "token": token}}
        await self.http.request("POST", path, params={"activate": "TRUE"}, body=body)

    async def set_provisioning(
        self, app_id: str, create: bool, update: bool, deactivate: bool
    ) -> None:
        def status(on: bool) -> dict[str, str]:
            return {"status": "ENABLED" if on else "DISABLED"}

        body = {
            "create": {"lifecycleCreate": status(create)},
            "update": {
                "profile": status(update),
                "lifecycleDeactivate": status(deactivate),
            },
        }
        path = f"/api/v1/apps/{app_id}/features/{PROVISIONING_FEATURE}"
        await self.http.request("PUT", path, body=body)

    # Assignments

    async def list_app_users(self, app_id: str) -> list[AppUser]:
        path = f"/api/v1/apps/{app_id}/users"
        return [
            AppUser.from_json(item)
            async for page in self.http.pages(path, {"limit": APP_USERS_PAGE})
            for item in page
        ]

    async def list_app_groups(self, app_id: str) -> list[AppGroup]:
        path = f"/api/v1/apps/{app_id}/groups"
        return [
            AppGroup.from_json(item)
            async for page in self.http.pages(path, {"limit": APP_GROUPS_PAGE})
            for item in page
        ]

    async def assign_user(self, app_id: str, user_id: str) -> None:
        body = {"id": user_id, "scope": "USER"}
        try:
            await self.http.request("POST", f"/api/v1/apps/{app_id}/users", body=body)
        except OktaError as error:
            # 409 E0000062: assigned already, which is what sending it again
            # after a lost answer meets. The assignment is there either way.
            if error.error_code != "E0000062":
                raise
            log.info("assign_user: assigned already app=%s user=%s", app_id, user_id)

    async def unassign_user(self, app_id: str, user_id: str) -> None:
        try:
            await self._delete(f"/api/v1/apps/{app_id}/users/{user_id}")
        except OktaError as error:
            # 403 E0000046: no direct assignment is left, only one through a
            # group; what a repeat after a lost answer meets (the plan removes
            # direct assignments only).
            if error.error_code != "E0000046":
                raise
            log.info(
                "unassign_user: only through a group app=%s user=%s", app_id, user_id
            )

    async def assign_group(self, app_id: str, group_id: str) -> None:
        await self.http.request(
            "PUT", f"/api/v1/apps/{app_id}/groups/{group_id}", body={}
        )

    async def unassign_group(self, app_id: str, group_id: str) -> None:
        await self._delete(f"/api/v1/apps/{app_id}/groups/{group_id}")

    # Push groups

    async def list_push_mappings(self, app_id: str) -> list[PushMapping]:
        path = f"/api/v1/apps/{app_id}/group-push/mappings"
        return [
            PushMapping.from_json(item)
            async for page in self.http.pages(path, {"limit": PUSH_MAPPINGS_PAGE})
            for item in page
        ]

    async def create_push_mapping(
        self, app_id: str, source_group_id: str, target_name: str
    ) -> PushMapping:
        """Push a group, once: after a lost answer, adopt the mapping it made."""
        path = f"/api/v1/apps/{app_id}/group-push/mappings"
        body = {
            "sourceGroupId": source_group_id,
            "targetGroupName": target_name,
            "status": "ACTIVE",
        }

        async def look() -> PushMapping | None:
            params: dict[str, str | int] = {
                "sourceGroupId": source_group_id,
                "limit": PUSH_MAPPINGS_PAGE,
            }
            async for page in self.http.pages(path, params):
                if page:
                    return PushMapping.from_json(page[0])
            return None

        return await self.http.create(
            path,
            body,
            parse=lambda answer: PushMapping.from_json(answer.data),
            look=look,
        )

    async def set_push_mapping_status(
        self, app_id: str, mapping_id: str, status: str
    ) -> None:
        path = f"/api/v1/apps/{app_id}/group-push/mappings/{mapping_id}"
        await self.http.request("PATCH", path, body={"status": status})

    async def delete_push_mapping(self, app_id: str, mapping_id: str) -> None:
        """Delete a mapping, keeping the group it made in Agora (the role)."""
        path = f"/api/v1/apps/{app_id}/group-push/mappings/{mapping_id}"
        await self._delete(path, params={"deleteTargetGroup": "false"})

    # People and groups

    async def find_users(self, emails: list[str]) -> dict[str, list[User]]:
        """Users by email, case-insensitively: an exact ``filter`` first, then
        ``search`` (case-insensitive) for the ones written in another case."""
        found = await self._lookup_users("filter", emails)
        missing = [email for email in emails if not found.get(email.lower())]
        if missing:
            for key, users in (await self._lookup_users("search", missing)).items():
                found.setdefault(key, users)
        return {email: found.get(email.lower(), []) for email in emails}

    async def find_groups(self, names: list[str]) -> dict[str, list[Group]]:
        """Okta groups by exact name; a name may match more than one group.

        App groups are left out: pushing a group makes one in Okta with the
        same name, which is Agora's copy, not a group the file can mean.
        """
        found: dict[str, list[Group]] = {name: [] for name in names}
        for group in await self._search_groups("profile.name", names):
            if group.type == "APP_GROUP":
                continue
            if group.name in found and group not in found[group.name]:
                found[group.name].append(group)
        return found

    async def group_names(self, ids: list[str]) -> dict[str, str]:
        """Names of groups by id, batched (for groups the file does not name)."""
        return {group.id: group.name for group in await self._search_groups("id", ids)}

    async def _search_groups(self, field: str, values: list[str]) -> list[Group]:
        """Groups whose ``field`` equals one of ``values``: batches of ``or``
        expressions, sent together (the groups bucket has its own budget)."""

        async def one(batch: list[str]) -> list[Group]:
            expression = " or ".join(f"{field} eq {_quote(v)}" for v in batch)
            params: dict[str, str | int] = {"search": expression, "limit": GROUPS_PAGE}
            return [
                Group.from_json(item)
                async for page in self.http.pages("/api/v1/groups", params)
                for item in page
            ]

        batches = _batches(values, LOOKUP_BATCH)
        found = await asyncio.gather(*(one(batch) for batch in batches))
        return [group for groups in found for group in groups]

    async def _lookup_users(
        self, kind: str, emails: list[str]
    ) -> dict[str, list[User]]:
        async def one(batch: list[str]) -> list[User]:
            expression = " or ".join(f"profile.email eq {_quote(e)}" for e in batch)
            params: dict[str, str | int] = {kind: expression, "limit": USERS_PAGE}
            return [
                User.from_json(item)
                async for page in self.http.pages("/api/v1/users", params)
                for item in page
            ]

        pages = await asyncio.gather(*(one(b) for b in _batches(emails, LOOKUP_BATCH)))
        found: dict[str, list[User]] = {}
        for users in pages:
            for user in users:
                bucket = found.setdefault(user.email.lower(), [])
                if user not in bucket:
                    bucket.append(user)
        return found

    async def _delete(self, path: str, params: dict[str, str] | None = None) -> None:
        try:
            await self.http.request("DELETE", path, params=params)
        except OktaError as error:
            # Gone already: a retried delete whose first answer was lost.
            if error.status != 404:
                raise


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged

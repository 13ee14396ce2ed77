"""Apps and everything under /api/v1/apps/{id}: assignments, push groups,
the provisioning connection and features. The caller holds the org's lock.
"""

from __future__ import annotations

import bisect
import copy
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from agora_okta.sandbox import provisioning as prov
from agora_okta.sandbox import shapes
from agora_okta.sandbox.clock import SandboxClock, iso_millis, iso_seconds
from agora_okta.sandbox.directory import Directory, Page, Record
from agora_okta.sandbox.errors import (
    OktaApiError,
    bad_body,
    delete_active_app,
    not_found,
    provisioning_not_supported,
    validation,
)
from agora_okta.sandbox.query import Query
from agora_okta.sandbox.store import OrderedStore, ordered_after, take_page

_PUSH_STATUSES = ("ACTIVE", "INACTIVE")


@dataclass
class UserLink:
    """A direct assignment of a user to an app."""

    assigned: str
    user_name: str | None = None


@dataclass
class GroupLink:
    assigned: str
    last_updated: str
    priority: int
    profile: dict[str, Any]


@dataclass
class AppRecord:
    body: dict[str, Any]
    raw: bool
    link_id: str
    provisioning: prov.Provisioning
    users: dict[str, UserLink] = field(default_factory=dict)
    groups: dict[str, GroupLink] = field(default_factory=dict)
    push: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass
class _AppUsers:
    """Who an app's users are, direct and through groups, in user order."""

    version: int
    ids: list[str]
    positions: list[int]
    scope: dict[str, tuple[str, str, str | None]]  # scope, assigned, group id


class Apps:
    def __init__(
        self,
        directory: Directory,
        ids: shapes.IdMaker,
        clock: SandboxClock,
        org_id: str,
        subdomain: str,
        provisioning_api: bool,
    ) -> None:
        self.store: OrderedStore[AppRecord] = OrderedStore()
        self._directory = directory
        self._ids = ids
        self._clock = clock
        self._org_id = org_id
        self._subdomain = subdomain
        self._provisioning_api = provisioning_api
        self._names_made = 0
        self._version = 0
        self._app_users: dict[str, _AppUsers] = {}

    def _now(self) -> str:
        return iso_millis(self._clock.now())

    def record(self, app_id: str) -> AppRecord:
        record = self.store.get(app_id)
        if record is None:
            raise not_found(app_id, "AppInstance")
        return record

    def add_seeded(self, body: dict[str, Any]) -> None:
        state = prov.from_features(body.get("features"))
        record = AppRecord(body, True, self._ids.make("aln"), state)
        self.store.add(body["id"], record)

    # Apps

    def render(self, record: AppRecord, base: str) -> dict[str, Any]:
        body = copy.deepcopy(record.body)
        if record.raw:
            return body
        body["_links"] = shapes.app_links(base, record.body, record.link_id)
        return body

    def create(self, request: Any, activate: bool, base: str) -> dict[str, Any]:
        if not isinstance(request, dict):
            raise bad_body()
        _require_label(request)
        name = request.get("name")
        custom = not isinstance(name, str) or not name
        if custom:
            _require_saml_settings(request)
            self._names_made += 1
            label = request["label"]
            name = shapes.generated_app_name(self._subdomain, label, self._names_made)
        app_id = self._ids.make("0oa")
        ids = {"id": app_id, "kid": secrets.token_urlsafe(32), "org": self._org_id}
        body = shapes.new_app(
            ids, str(name), request, self._now(), active=activate, custom=custom
        )
        record = AppRecord(body, False, self._ids.make("aln"), prov.Provisioning())
        self.store.add(app_id, record)
        return self.render(record, base)

    def list_apps(
        self,
        q: str | None,
        query: Query | None,
        limit: int,
        after: str | None,
        base: str,
    ) -> Page:
        def keep(record: AppRecord) -> bool:
            if q is not None and not _app_starts_with(record.body, q.casefold()):
                return False
            return query is None or query.matches(record.body)

        page, cursor = take_page(self.store.after(after), limit, keep)
        return [self.render(r, base) for r in page], cursor

    def replace(self, app_id: str, request: Any, base: str) -> dict[str, Any]:
        record = self.record(app_id)
        if not isinstance(request, dict):
            raise bad_body()
        _require_label(request)
        mode = request.get("signOnMode")
        if mode is not None and mode != record.body.get("signOnMode"):
            raise validation("signOnMode", "signOnMode: The value cannot be changed")
        record.body = shapes.replaced_app(record.body, request, self._now())
        return self.render(record, base)

    def set_status(self, app_id: str, status: str) -> None:
        record = self.record(app_id)
        if record.body.get("status") != status:
            record.body["status"] = status
            record.body["lastUpdated"] = self._now()

    def delete(self, app_id: str) -> None:
        record = self.record(app_id)
        if record.body.get("status", "ACTIVE") == "ACTIVE":
            raise delete_active_app()
        self.store.remove(app_id)
        # The app's own groups (push targets) go with it.
        own = [
            group_id
            for group_id, group in self._directory.groups.after(None)
            if group.source_app == app_id
        ]
        for group_id in own:
            self._delete_group(group_id)
        self._changed()

    def _delete_group(self, group_id: str) -> None:
        self._directory.delete_group(group_id)
        for record in self.store.values():
            record.groups.pop(group_id, None)

    def _changed(self) -> None:
        self._version += 1

    # App users

    def assign_user(self, app_id: str, request: Any, base: str) -> dict[str, Any]:
        record = self.record(app_id)
        if not isinstance(request, dict):
            raise bad_body()
        user_id = request.get("id")
        if not isinstance(user_id, str) or not user_id:
            raise validation("id", "id: The field cannot be left blank")
        user = self._directory.user_body(user_id)
        if user.get("status") == "DEPROVISIONED":
            raise OktaApiError(
                403,
                "E0000117",
                "Cannot assign apps or update app profiles for an inactive user.",
            )
        # 409 E0000062 is Okta's catalogued answer to a second assignment; no
        # recording shows it.
        if user_id in record.users:
            raise OktaApiError(
                409,
                "E0000062",
                "The specified user is already assigned to the application.",
            )
        credentials = request.get("credentials") or {}
        user_name = (
            credentials.get("userName") if isinstance(credentials, dict) else None
        )
        link = UserLink(self._now(), user_name if isinstance(user_name, str) else None)
        record.users[user_id] = link
        self._changed()
        # A direct assignment has scope USER whatever the groups say: answered
        # without rebuilding the app's user index, which costs a pass over all
        # its users (and, under a fast clock, would read as Okta's latency).
        return self._render_app_user(
            record, user_id, base, ("USER", link.assigned, None)
        )

    def list_users(
        self, app_id: str, q: str | None, limit: int, after: str | None, base: str
    ) -> Page:
        record = self.record(app_id)
        index = self._index(app_id, record)
        start = 0
        if after is not None:
            position = self._directory.users.position(after)
            start = bisect.bisect_right(index.positions, position)
        ids = index.ids
        pairs = ((ids[k], ids[k]) for k in range(start, len(ids)))
        keep = None if q is None else self._app_user_filter(record, q)
        page, cursor = take_page(pairs, limit, keep)
        return [self._render_app_user(record, i, base) for i in page], cursor

    def get_user(self, app_id: str, user_id: str, base: str) -> dict[str, Any]:
        record = self.record(app_id)
        if user_id not in self._index(app_id, record).scope:
            raise not_found(user_id, "AppUser")
        return self._render_app_user(record, user_id, base)

    def unassign_user(self, app_id: str, user_id: str) -> None:
        record = self.record(app_id)
        if user_id in record.users:
            del record.users[user_id]
            self._changed()
            return
        # A user assigned only through a group cannot be unassigned alone:
        # E0000046 from Okta's catalogue, cause worded by the sandbox.
        if user_id in self._index(app_id, record).scope:
            raise OktaApiError(
                403,
                "E0000046",
                "Deactivate application for user forbidden.",
                ["The user is assigned to the application through a group."],
            )
        raise not_found(user_id, "AppUser")

    def scopes(self, app_id: str) -> dict[str, str]:
        """user id -> USER or GROUP for everyone assigned to the app."""
        index = self._index(app_id, self.record(app_id))
        return {user_id: index.scope[user_id][0] for user_id in index.ids}

    def _index(self, app_id: str, record: AppRecord) -> _AppUsers:
        cached = self._app_users.get(app_id)
        if cached is not None and cached.version == self._version:
            return cached
        scope: dict[str, tuple[str, str, str | None]] = {
            user_id: ("USER", link.assigned, None)
            for user_id, link in record.users.items()
        }
        for group_id, group_link in record.groups.items():
            for user_id in self._directory.members(group_id):
                scope.setdefault(user_id, ("GROUP", group_link.assigned, group_id))
        users = self._directory.users
        ids = users.among(scope, None)
        index = _AppUsers(self._version, ids, [users.position(i) for i in ids], scope)
        self._app_users[app_id] = index
        return index

    def _app_user_filter(self, record: AppRecord, q: str) -> Callable[[str], bool]:
        prefix = q.casefold()

        def keep(user_id: str) -> bool:
            user = self._directory.user_body(user_id)
            profile = user.get("profile") or {}
            values: list[Any] = [self._user_name(record, user_id, user)]
            values += [profile.get(k) for k in ("firstName", "lastName", "email")]
            return any(
                isinstance(v, str) and v.casefold().startswith(prefix) for v in values
            )

        return keep

    def _user_name(self, record: AppRecord, user_id: str, user: dict[str, Any]) -> str:
        link = record.users.get(user_id)
        if link is not None and link.user_name is not None:
            return link.user_name
        credentials = record.body.get("credentials") or {}
        template = (credentials.get("userNameTemplate") or {}).get("template")
        return shapes.user_name_for(str(template or "${source.login}"), user)

    def _render_app_user(
        self,
        record: AppRecord,
        user_id: str,
        base: str,
        known: tuple[str, str, str | None] | None = None,
    ) -> dict[str, Any]:
        app_id = record.body["id"]
        if known is None:
            known = self._index(app_id, record).scope[user_id]
        scope, assigned, group_id = known
        user = self._directory.user_body(user_id)
        group = None
        if group_id is not None:
            group = (group_id, self._directory.group_name(group_id))
        user_name = self._user_name(record, user_id, user)
        return shapes.app_user(base, app_id, user_id, assigned, scope, user_name, group)

    # App groups

    def assign_group(
        self, app_id: str, group_id: str, request: Any, base: str
    ) -> dict[str, Any]:
        record = self.record(app_id)
        self._directory.group_record(group_id)
        request = {} if request is None else request
        if not isinstance(request, dict):
            raise bad_body()
        current = record.groups.get(group_id)
        priority = request.get("priority")
        if priority is None:
            priority = current.priority if current else len(record.groups)
        if not isinstance(priority, int) or isinstance(priority, bool) or priority < 0:
            raise validation("priority", "priority: must be a whole number >= 0")
        profile = request.get("profile") or {}
        if not isinstance(profile, dict):
            raise validation("profile", "profile: must be an object")
        now = self._now()
        assigned = current.assigned if current else now
        record.groups[group_id] = GroupLink(assigned, now, priority, profile)
        self._changed()
        return self._render_app_group(record, group_id, base)

    def list_groups(
        self, app_id: str, q: str | None, limit: int, after: str | None, base: str
    ) -> Page:
        record = self.record(app_id)
        pairs = ordered_after(((g, g) for g in record.groups), after)

        def keep(group_id: str) -> bool:
            name = self._directory.group_name(group_id).casefold()
            return q is None or name.startswith(q.casefold())

        page, cursor = take_page(pairs, limit, keep)
        return [self._render_app_group(record, g, base) for g in page], cursor

    def get_group(self, app_id: str, group_id: str, base: str) -> dict[str, Any]:
        record = self.record(app_id)
        if group_id not in record.groups:
            raise not_found(group_id, "ApplicationGroupAssignment")
        return self._render_app_group(record, group_id, base)

    def unassign_group(self, app_id: str, group_id: str) -> None:
        record = self.record(app_id)
        if record.groups.pop(group_id, None) is None:
            raise not_found(group_id, "ApplicationGroupAssignment")
        self._changed()

    def _render_app_group(
        self, record: AppRecord, group_id: str, base: str
    ) -> dict[str, Any]:
        link = record.groups[group_id]
        return shapes.app_group(
            base,
            record.body["id"],
            group_id,
            link.last_updated,
            link.priority,
            link.profile,
        )

    # Group push mappings

    def create_push(self, app_id: str, request: Any, base: str) -> dict[str, Any]:
        """POST group-push/mappings, answered as in the recordings.

        Guessed, as no recording shows them: the 400s for a second mapping
        of one source group, and whether Okta refuses push on an app without
        GROUP_PUSH (the recorded app had empty features and was accepted, so
        the sandbox accepts too). ``lastPush`` and ``errorSummary`` never
        appear: nothing is pushed.
        """
        record = self.record(app_id)
        if not isinstance(request, dict):
            raise bad_body()
        source_id = request.get("sourceGroupId")
        if not isinstance(source_id, str) or not source_id:
            raise validation("sourceGroupId", "sourceGroupId: must not be blank")
        status = request.get("status", "ACTIVE")
        if status not in _PUSH_STATUSES:
            raise validation("status", "status: must be ACTIVE or INACTIVE")
        self._directory.group_record(source_id)
        if any(m["sourceGroupId"] == source_id for m in record.push.values()):
            raise validation(
                "sourceGroupId", "This group is already pushed to the app."
            )
        target_id = self._push_target(record, request)
        now = iso_seconds(self._clock.now())
        mapping = {
            "id": self._ids.make("gPm"),
            "created": now,
            "lastUpdated": now,
            "sourceGroupId": source_id,
            "status": status,
            "targetGroupId": target_id,
        }
        record.push[mapping["id"]] = mapping
        return shapes.push_mapping(base, app_id, mapping)

    def _push_target(self, record: AppRecord, request: dict[str, Any]) -> str:
        """Link the named target group, or create it in the app as Okta does.

        A created target is an APP_GROUP of this app; like Okta's app groups
        it shows in /api/v1/groups, so after a push two groups may share the
        pushed group's name (an OKTA_GROUP and an APP_GROUP).
        """
        target_id = request.get("targetGroupId")
        target_name = request.get("targetGroupName")
        if (target_id is None) == (target_name is None):
            raise validation(
                "targetGroupId",
                "Provide either targetGroupId or targetGroupName, but not both.",
            )
        if target_id is not None:
            if not isinstance(target_id, str):
                raise validation("targetGroupId", "targetGroupId: must be a string")
            self._directory.group_record(target_id)
            return target_id
        if not isinstance(target_name, str) or not target_name.strip():
            raise validation("targetGroupName", "targetGroupName: must not be blank")
        app_id = record.body["id"]
        for group_id in self._directory.groups_named(target_name):
            if self._directory.group_record(group_id).source_app == app_id:
                return group_id
        group_id = self._ids.make("00g")
        body = shapes.new_group(group_id, target_name, "", self._now(), "APP_GROUP")
        self._directory.add_group(Record(body, source_app=app_id))
        return group_id

    def list_push(
        self,
        app_id: str,
        filters: dict[str, str | None],
        limit: int,
        after: str | None,
        base: str,
    ) -> Page:
        record = self.record(app_id)
        pairs = ordered_after(record.push.items(), after)

        def keep(mapping: dict[str, Any]) -> bool:
            source, status = filters.get("sourceGroupId"), filters.get("status")
            since = filters.get("lastUpdated")
            return (
                (source is None or mapping["sourceGroupId"] == source)
                and (status is None or mapping["status"] == status)
                and (since is None or mapping["lastUpdated"] >= since)
            )

        page, cursor = take_page(pairs, limit, keep)
        return [shapes.push_mapping(base, app_id, m) for m in page], cursor

    def _mapping(self, app_id: str, mapping_id: str) -> dict[str, Any]:
        mapping = self.record(app_id).push.get(mapping_id)
        if mapping is None:
            raise not_found(mapping_id, "GroupPushMapping")
        return mapping

    def get_push(self, app_id: str, mapping_id: str, base: str) -> dict[str, Any]:
        return shapes.push_mapping(base, app_id, self._mapping(app_id, mapping_id))

    def update_push(
        self, app_id: str, mapping_id: str, request: Any, base: str
    ) -> dict[str, Any]:
        mapping = self._mapping(app_id, mapping_id)
        if not isinstance(request, dict):
            raise bad_body()
        status = request.get("status")
        if status not in _PUSH_STATUSES:
            raise validation("status", "status: must be ACTIVE or INACTIVE")
        if mapping["status"] != status:
            mapping["status"] = status
            mapping["lastUpdated"] = iso_seconds(self._clock.now())
        return shapes.push_mapping(base, app_id, mapping)

    def delete_push(self, app_id: str, mapping_id: str, delete_target: bool) -> None:
        mapping = self._mapping(app_id, mapping_id)
        # The spec says only INACTIVE (or ERROR) mappings can be deleted; the
        # status and code of the refusal are not recorded: 400 E0000001 here.
        if mapping["status"] == "ACTIVE":
            raise validation(
                "status",
                "Deactivate the group push mapping (status INACTIVE) before "
                "deleting it.",
            )
        del self.record(app_id).push[mapping_id]
        if delete_target and mapping["targetGroupId"] in self._directory.groups:
            self._delete_group(mapping["targetGroupId"])
            self._changed()

    # Provisioning: connection and features

    def _supported(self, record: AppRecord) -> bool:
        return self._provisioning_api or record.provisioning.enabled

    def _sync_features(self, record: AppRecord) -> None:
        features = record.body.get("features")
        record.body["features"] = prov.merged_features(features, record.provisioning)

    def connection(self, app_id: str, base: str) -> dict[str, Any]:
        record = self.record(app_id)
        if not self._provisioning_api:
            # A custom app's connection is not in the API: 200, UNKNOWN.
            return copy.deepcopy(prov.UNKNOWN_CONNECTION)
        return prov.connection_body(base, app_id, record.provisioning)

    def set_connection(
        self, app_id: str, request: Any, activate: bool, base: str
    ) -> dict[str, Any]:
        record = self.record(app_id)
        if not self._provisioning_api:
            return copy.deepcopy(prov.UNKNOWN_CONNECTION)
        prov.apply_connection_post(record.provisioning, request, activate)
        self._sync_features(record)
        return prov.connection_body(base, app_id, record.provisioning)

    def switch_connection(self, app_id: str, on: bool) -> None:
        record = self.record(app_id)
        if not self._provisioning_api:
            return
        if on:
            prov.activate_connection(record.provisioning)
        else:
            record.provisioning.enabled = False
        self._sync_features(record)

    def features(self, app_id: str, base: str) -> list[dict[str, Any]]:
        record = self.record(app_id)
        if not self._supported(record):
            raise provisioning_not_supported()
        return [prov.feature_body(base, app_id, record.provisioning)]

    def feature(self, app_id: str, name: str, base: str) -> dict[str, Any]:
        record = self._feature_record(app_id, name)
        if not self._supported(record):
            raise provisioning_not_supported()
        return self._user_provisioning(record, name, base)

    def update_feature(
        self, app_id: str, name: str, request: Any, base: str
    ) -> dict[str, Any]:
        record = self._feature_record(app_id, name)
        if not isinstance(request, dict):
            raise bad_body()
        if not self._supported(record):
            raise provisioning_not_supported()
        self._user_provisioning(record, name, base)
        prov.apply_feature_put(record.provisioning, request)
        self._sync_features(record)
        return prov.feature_body(base, app_id, record.provisioning)

    def _feature_record(self, app_id: str, name: str) -> AppRecord:
        record = self.record(app_id)
        if name not in prov.FEATURE_NAMES:
            raise not_found(name, "PublicAppFeatureSetName")
        return record

    def _user_provisioning(
        self, record: AppRecord, name: str, base: str
    ) -> dict[str, Any]:
        # The sandbox's apps push users; none imports them.
        if name != "USER_PROVISIONING":
            raise not_found(name, "PublicAppFeatureSetName")
        return prov.feature_body(base, record.body["id"], record.provisioning)

    def console(self, app_id: str, payload: Any) -> dict[str, Any]:
        """The Provisioning tab saved; ValueError when the form is wrong."""
        record = self.record(app_id)
        prov.apply_console(record.provisioning, payload)
        self._sync_features(record)
        return record.provisioning.public()


def _require_label(request: dict[str, Any]) -> None:
    label = request.get("label")
    if not isinstance(label, str) or not label.strip():
        raise validation("label", "label: The field cannot be left blank")


def _require_saml_settings(request: dict[str, Any]) -> None:
    """A wizard-made SAML 2.0 app needs at least where to send assertions."""
    if request.get("signOnMode") != "SAML_2_0":
        return
    settings = request.get("settings") or {}
    sign_on = settings.get("signOn") if isinstance(settings, dict) else None
    sign_on = sign_on if isinstance(sign_on, dict) else {}
    missing = [
        f"{key}: The field cannot be left blank"
        for key in ("ssoAcsUrl", "audience")
        if not isinstance(sign_on.get(key), str) or not sign_on[key].strip()
    ]
    if missing:
        raise validation("settings.signOn", *missing)


def _app_starts_with(body: dict[str, Any], prefix: str) -> bool:
    return any(
        isinstance(body.get(key), str) and body[key].casefold().startswith(prefix)
        for key in ("name", "label")
    )

"""One sandbox Okta org: its state, built from a seed, behind one lock.

The HTTP server changes the org from its own thread while tests read it from
theirs, so every read and write holds ``lock``. The read helpers below copy
what they return.
"""

from __future__ import annotations

import copy
import gc
import json
import threading
from typing import Any

from agora_okta.sandbox import shapes
from agora_okta.sandbox.apps import Apps
from agora_okta.sandbox.clock import SandboxClock, iso_millis
from agora_okta.sandbox.directory import Directory, Record
from agora_okta.sandbox.seed import check_seed, is_raw_group, is_raw_user

SUBDOMAIN = "sandbox"


class Org:
    """The org's directory (users, groups) and apps, rebuilt by ``reset``."""

    def __init__(
        self,
        seed: dict[str, Any] | None,
        clock: SandboxClock,
        random_seed: int | None = None,
        provisioning_api: bool = False,
    ) -> None:
        self.lock = threading.RLock()
        self._seed = _json_copy(seed or {})
        check_seed(self._seed)
        self._clock = clock
        self._random_seed = random_seed
        self._provisioning_api = provisioning_api
        self.reset()

    def reset(self) -> None:
        """Back to the seed, with the same ids as the first time."""
        with self.lock:
            ids = shapes.IdMaker(self._random_seed)
            self.org_id = ids.make("00o")
            suffix = ids.make("")
            self._user_type_id = "oty" + suffix[:17]
            directory = Directory(schema_id="osc" + suffix[:17])
            apps = Apps(
                directory,
                ids,
                self._clock,
                self.org_id,
                SUBDOMAIN,
                self._provisioning_api,
            )
            self._ids = ids
            self.directory = directory
            self.apps = apps
            # A large seed makes hundreds of thousands of small objects, none
            # of them garbage; collecting while building only costs time.
            collecting = gc.isenabled()
            gc.disable()
            try:
                self._load()
            finally:
                if collecting:
                    gc.enable()

    def _load(self) -> None:
        now = iso_millis(self._clock.now())
        for index, entry in enumerate(self._seed.get("users") or []):
            self._load_user(entry, now, f"users[{index}]")
        groups = self._seed.get("groups") or []
        if not any(_is_everyone(entry) for entry in groups):
            # Every org has it, oldest of all groups; its members are all users.
            everyone = shapes.new_group(
                self._ids.make("00g"),
                "Everyone",
                "All users in your organization",
                now,
                "BUILT_IN",
            )
            self.directory.add_group(Record(everyone))
            self.directory.everyone_id = everyone["id"]
        for index, entry in enumerate(groups):
            self._load_group(entry, now, f"groups[{index}]")
        for entry in self._seed.get("apps") or []:
            # Apps change (features, status), so each load gets its own copy.
            self.apps.add_seeded(self._raw(copy.deepcopy(entry), "0oa"))

    def _load_user(self, entry: dict[str, Any], now: str, where: str) -> None:
        if is_raw_user(entry):
            body, raw = self._raw(entry, "00u"), True
        else:
            user_id = self._ids.make("00u")
            body, raw = shapes.new_user(user_id, entry, now, self._user_type_id), False
        try:
            self.directory.add_user(body, raw)
        except (KeyError, ValueError) as error:
            raise ValueError(f"seed: {where}: {error}") from None

    def _load_group(self, entry: dict[str, Any], now: str, where: str) -> None:
        if is_raw_group(entry):
            body = self._raw(entry, "00g")
            record = Record(body, raw=True)
            if _is_everyone(body):
                self.directory.everyone_id = body["id"]
        else:
            body = shapes.new_group(
                self._ids.make("00g"), entry["name"], entry.get("description", ""), now
            )
            record = Record(body)
            for member in entry.get("members") or []:
                user_id = self.directory.user_id_for(member) or self._by_email(member)
                if user_id is None:
                    raise ValueError(f"seed: {where}: {member} is not a seeded user")
                record.members.add(user_id)
        try:
            self.directory.add_group(record)
        except KeyError as error:
            raise ValueError(f"seed: {where}: {error}") from None

    def _by_email(self, email: str) -> str | None:
        return self.directory.user_id_by_email(email)

    def _raw(self, entry: dict[str, Any], prefix: str) -> dict[str, Any]:
        """A raw seeded object as given, with an id if it had none.

        Raw users and groups are never changed, so they share the seed's copy.
        """
        if "id" not in entry:
            entry = {"id": self._ids.make(prefix), **entry}
        return entry

    # Read helpers for tests and the console; each copies what it returns.

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {
                "users": len(self.directory.users),
                "groups": len(self.directory.groups),
                "apps": len(self.apps.store),
            }

    def app(self, app_id: str) -> dict[str, Any] | None:
        with self.lock:
            record = self.apps.store.get(app_id)
            return None if record is None else copy.deepcopy(record.body)

    def app_ids(self) -> list[str]:
        with self.lock:
            return list(self.apps.store.ids())

    def app_user_ids(self, app_id: str) -> dict[str, str]:
        """user id -> scope (USER or GROUP) for everyone assigned to the app."""
        with self.lock:
            return self.apps.scopes(app_id)

    def app_group_ids(self, app_id: str) -> list[str]:
        with self.lock:
            return list(self.apps.record(app_id).groups)

    def push_mappings(self, app_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return copy.deepcopy(list(self.apps.record(app_id).push.values()))

    def provisioning(self, app_id: str) -> dict[str, Any]:
        """The console's provisioning settings of an app, without the token."""
        with self.lock:
            return self.apps.record(app_id).provisioning.public()

    def scim_token(self, app_id: str) -> str | None:
        """The SCIM token the console saved, for tests that check it arrived."""
        with self.lock:
            return self.apps.record(app_id).provisioning.token

    def user_id(self, login_or_id: str) -> str | None:
        with self.lock:
            return self.directory.user_id_for(login_or_id)

    def group_ids_named(self, name: str) -> list[str]:
        with self.lock:
            return self.directory.groups_named(name)

    def group(self, group_id: str) -> dict[str, Any] | None:
        with self.lock:
            record = self.directory.groups.get(group_id)
            return None if record is None else copy.deepcopy(record.body)


def _is_everyone(entry: dict[str, Any]) -> bool:
    """A raw seeded group that is the org's built-in Everyone group."""
    profile = entry.get("profile")
    return (
        entry.get("type") == "BUILT_IN"
        and isinstance(profile, dict)
        and profile.get("name") == "Everyone"
    )


def _json_copy(seed: dict[str, Any]) -> dict[str, Any]:
    """A private copy of the seed (reset returns to it), which must be JSON."""
    try:
        copied: dict[str, Any] = json.loads(json.dumps(seed))
    except (TypeError, ValueError) as error:
        raise ValueError(f"seed: only JSON values can be served: {error}") from None
    return copied

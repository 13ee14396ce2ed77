"""Users and groups: stores, indexes and Okta's list semantics for them.

Indexed by id, by login (lower case) and by email, so that lookups and the
``eq`` filters the tool uses stay fast with 50,000 users.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from agora_okta.sandbox import shapes
from agora_okta.sandbox.errors import not_found
from agora_okta.sandbox.query import Query
from agora_okta.sandbox.store import OrderedStore, take_page

Page = tuple[list[dict[str, Any]], str | None]

# What a group's ``q`` answers at most (FACTS.md: not pageable, at most 300).
GROUP_QUERY_CAP = 300


@dataclass
class Record:
    """A stored Okta object. A raw one (seeded as given) is answered as is."""

    body: dict[str, Any]
    raw: bool = False
    source_app: str | None = None  # the app an APP_GROUP belongs to
    members: set[str] = field(default_factory=set)


class Directory:
    """The org's users and groups. The caller holds the org's lock."""

    def __init__(self, schema_id: str) -> None:
        self.users: OrderedStore[Record] = OrderedStore()
        self.groups: OrderedStore[Record] = OrderedStore()
        self.everyone_id: str | None = None
        self._schema_id = schema_id
        self._by_login: dict[str, str] = {}
        self._by_email: dict[str, set[str]] = {}
        self._by_email_folded: dict[str, set[str]] = {}
        self._by_group_name: dict[str, set[str]] = {}

    # Users

    def add_user(self, body: dict[str, Any], raw: bool) -> None:
        user_id = body["id"]
        profile = body.get("profile") or {}
        login = str(profile.get("login", ""))
        if login.casefold() in self._by_login:
            raise ValueError(f"two users have the login {login}")
        self.users.add(user_id, Record(body, raw))
        self._by_login[login.casefold()] = user_id
        email = profile.get("email")
        if isinstance(email, str):
            self._by_email.setdefault(email, set()).add(user_id)
            self._by_email_folded.setdefault(email.casefold(), set()).add(user_id)

    def user_id_for(self, key: str) -> str | None:
        """A user's id from its id or login (logins ignore case in Okta)."""
        if key in self.users:
            return key
        return self._by_login.get(key.casefold())

    def user_id_by_email(self, email: str) -> str | None:
        """The oldest user with this email, ignoring case."""
        found = self.users.among(self._by_email_folded.get(email.casefold(), ()), None)
        return found[0] if found else None

    def user_body(self, user_id: str) -> dict[str, Any]:
        record = self.users.get(user_id)
        if record is None:
            raise not_found(user_id, "User")
        return record.body

    def get_user(self, key: str, base: str) -> dict[str, Any]:
        user_id = self.user_id_for(key)
        if user_id is None:
            raise not_found(key, "User")
        return self.render_user(user_id, base)

    def render_user(self, user_id: str, base: str) -> dict[str, Any]:
        record = self.users.get(user_id)
        if record is None:
            raise not_found(user_id, "User")
        if record.raw:
            return record.body
        links = shapes.user_links(base, record.body, self._schema_id)
        return {**record.body, "_links": links}

    def list_users(
        self, query: Query | None, q: str | None, limit: int, after: str | None
    ) -> tuple[list[str], str | None]:
        """User ids for one page of GET /api/v1/users and the next cursor."""
        if q is not None:
            prefix = q.casefold()
            matches = (
                (user_id, record)
                for user_id, record in self.users.after(None)
                if _listed(record) and _user_starts_with(record.body, prefix)
            )
            page, _ = take_page(matches, limit)
            return [r.body["id"] for r in page], None
        if query is None:
            page, cursor = take_page(self.users.after(after), limit, _listed)
        else:
            pairs = self._user_candidates(query, after)
            page, cursor = take_page(pairs, limit, lambda r: query.matches(r.body))
        return [r.body["id"] for r in page], cursor

    def _user_candidates(
        self, query: Query, after: str | None
    ) -> Iterator[tuple[str, Record]] | list[tuple[str, Record]]:
        """The users a query can match, from an index when one answers it."""
        ids: set[str] | None = None
        emails = query.exact_values("profile.email")
        logins = query.exact_values("profile.login")
        user_ids = query.exact_values("id")
        if emails is not None:
            index = self._by_email_folded if query.ignore_case else self._by_email
            key = str.casefold if query.ignore_case else str
            ids = set().union(*(index.get(key(e), set()) for e in emails))
        elif logins is not None:
            ids = {
                self._by_login[x.casefold()]
                for x in logins
                if x.casefold() in self._by_login
            }
        elif user_ids is not None:
            ids = set(user_ids)
        if ids is None:
            return self.users.after(after)
        return self._pairs(self.users, self.users.among(ids, after))

    # Groups

    def add_group(self, record: Record) -> None:
        group_id = record.body["id"]
        self.groups.add(group_id, record)
        name = str((record.body.get("profile") or {}).get("name", ""))
        self._by_group_name.setdefault(name.casefold(), set()).add(group_id)

    def delete_group(self, group_id: str) -> None:
        record = self.groups.remove(group_id)
        name = str((record.body.get("profile") or {}).get("name", ""))
        self._by_group_name.get(name.casefold(), set()).discard(group_id)

    def group_record(self, group_id: str) -> Record:
        record = self.groups.get(group_id)
        if record is None:
            raise not_found(group_id, "UserGroup")
        return record

    def group_name(self, group_id: str) -> str:
        profile = self.group_record(group_id).body.get("profile") or {}
        return str(profile.get("name", ""))

    def groups_named(self, name: str) -> list[str]:
        """Ids of the groups whose name is name, ignoring case, oldest first."""
        return self.groups.among(self._by_group_name.get(name.casefold(), set()), None)

    def members(self, group_id: str) -> Iterable[str]:
        """The ids of a group's members; Everyone holds every user."""
        if group_id == self.everyone_id:
            return self.users.ids()
        return self.group_record(group_id).members

    def render_group(self, group_id: str, base: str) -> dict[str, Any]:
        record = self.group_record(group_id)
        if record.raw:
            return record.body
        links = shapes.group_links(base, group_id, record.source_app)
        return {**record.body, "_links": links}

    def list_groups(
        self, query: Query | None, q: str | None, limit: int, after: str | None
    ) -> tuple[list[str], str | None]:
        """Group ids for one page of GET /api/v1/groups and the next cursor."""
        if q is not None:
            prefix = q.casefold()
            matches = (
                (group_id, record)
                for group_id, record in self.groups.after(None)
                if _group_name(record).casefold().startswith(prefix)
            )
            page, _ = take_page(matches, min(limit, GROUP_QUERY_CAP))
            return [r.body["id"] for r in page], None
        if query is None:
            page, cursor = take_page(self.groups.after(after), limit)
        else:
            pairs = self._group_candidates(query, after)
            page, cursor = take_page(pairs, limit, lambda r: query.matches(r.body))
        return [r.body["id"] for r in page], cursor

    def _group_candidates(
        self, query: Query, after: str | None
    ) -> Iterator[tuple[str, Record]] | list[tuple[str, Record]]:
        names = query.exact_values("profile.name")
        if names is None:
            return self.groups.after(after)
        ids: set[str] = set()
        for name in names:
            ids |= self._by_group_name.get(name.casefold(), set())
        return self._pairs(self.groups, self.groups.among(ids, after))

    @staticmethod
    def _pairs(store: OrderedStore[Record], ids: list[str]) -> list[tuple[str, Record]]:
        pairs = []
        for item_id in ids:
            record = store.get(item_id)
            if record is not None:
                pairs.append((item_id, record))
        return pairs


def _listed(record: Record) -> bool:
    """A plain list of users leaves out DEPROVISIONED ones, as Okta does."""
    return record.body.get("status") != "DEPROVISIONED"


def _user_starts_with(body: dict[str, Any], prefix: str) -> bool:
    """``q``: Okta documents firstName, lastName and email; the sandbox also
    tries the login, which for most orgs is the email anyway."""
    profile = body.get("profile") or {}
    for key in ("login", "email", "firstName", "lastName"):
        value = profile.get(key)
        if isinstance(value, str) and value.casefold().startswith(prefix):
            return True
    return False


def _group_name(record: Record) -> str:
    return str((record.body.get("profile") or {}).get("name", ""))

"""The seed file: the users, groups and apps a sandbox org starts with.

    users:
      - {email: alice@example.com, first_name: Alice, last_name: Liddell}
      - {id: 00u..., status: ACTIVE, profile: {login: ..., email: ...}}  # raw
    groups:
      - {name: Engineering, members: [alice@example.com]}
      - {id: 00g..., type: OKTA_GROUP, profile: {name: Sales}}           # raw
    apps:
      - {id: 0oa..., label: Agora, signOnMode: SAML_2_0, ...}            # raw

A raw object is an Okta object as the API returns it; the sandbox keeps it
and returns it as given, unknown fields and enum values included (it adds
an ``id`` only when the object has none).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

SHORT_USER_KEYS = {"email", "first_name", "last_name", "login", "status"}
SHORT_GROUP_KEYS = {"name", "description", "members"}
_SECTIONS = ("users", "groups", "apps")


def load_seed(path: Path) -> dict[str, Any]:
    """Read and check a YAML or JSON seed file; ValueError says what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise ValueError(f"{path}: cannot read the seed file: {error}") from error
    try:
        data = _parse(text, json_only=path.suffix.lower() == ".json")
    except (ValueError, yaml.YAMLError) as error:
        raise ValueError(f"{path}: not valid YAML or JSON: {error}") from error
    if data is None:
        data = {}
    check_seed(data, str(path))
    return dict(data)


def _parse(text: str, *, json_only: bool) -> Any:
    if json_only:
        return json.loads(text)
    # libyaml's loader when present: a 50,000-user seed parses in seconds.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


def check_seed(data: Any, source: str = "seed") -> None:
    """Raise ValueError naming the first entry that cannot be loaded."""
    if not isinstance(data, dict):
        raise ValueError(f"{source}: the seed must be a mapping with users/groups/apps")
    unknown = set(data) - set(_SECTIONS)
    if unknown:
        raise ValueError(
            f"{source}: unknown section(s) {sorted(unknown)}; "
            "expected users, groups, apps"
        )
    for section in _SECTIONS:
        entries = data.get(section)
        if entries is None:
            continue
        if not isinstance(entries, list):
            raise ValueError(f"{source}: {section} must be a list")
        for index, entry in enumerate(entries):
            where = f"{source}: {section}[{index}]"
            if not isinstance(entry, dict):
                raise ValueError(f"{where}: must be a mapping")
            _CHECKS[section](entry, where)


def is_raw_user(entry: dict[str, Any]) -> bool:
    return "profile" in entry


def is_raw_group(entry: dict[str, Any]) -> bool:
    return "profile" in entry


def _check_user(entry: dict[str, Any], where: str) -> None:
    if is_raw_user(entry):
        profile = entry["profile"]
        if not isinstance(profile, dict) or not _text(profile.get("login")):
            raise ValueError(f"{where}: a raw user needs profile.login")
        _check_id(entry, where)
        return
    unknown = set(entry) - SHORT_USER_KEYS
    if unknown:
        raise ValueError(
            f"{where}: unknown key(s) {sorted(unknown)}; use "
            f"{sorted(SHORT_USER_KEYS)} or a raw Okta user with a profile"
        )
    if not _text(entry.get("email")):
        raise ValueError(f"{where}: 'email' is missing")
    for key in SHORT_USER_KEYS - {"email"}:
        if key in entry and not isinstance(entry[key], str):
            raise ValueError(f"{where}: '{key}' must be a string")


def _check_group(entry: dict[str, Any], where: str) -> None:
    if is_raw_group(entry):
        profile = entry["profile"]
        if not isinstance(profile, dict) or not _text(profile.get("name")):
            raise ValueError(f"{where}: a raw group needs profile.name")
        _check_id(entry, where)
        return
    unknown = set(entry) - SHORT_GROUP_KEYS
    if unknown:
        raise ValueError(
            f"{where}: unknown key(s) {sorted(unknown)}; use "
            f"{sorted(SHORT_GROUP_KEYS)} or a raw Okta group with a profile"
        )
    if not _text(entry.get("name")):
        raise ValueError(f"{where}: 'name' is missing")
    members = entry.get("members") or []
    if not isinstance(members, list) or not all(_text(m) for m in members):
        raise ValueError(f"{where}: 'members' must be a list of emails or logins")


def _check_app(entry: dict[str, Any], where: str) -> None:
    if not _text(entry.get("label")):
        raise ValueError(f"{where}: an app needs a label")
    _check_id(entry, where)


def _check_id(entry: dict[str, Any], where: str) -> None:
    if "id" in entry and not _text(entry["id"]):
        raise ValueError(f"{where}: 'id' must be a non-empty string")


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


_CHECKS = {"users": _check_user, "groups": _check_group, "apps": _check_app}

"""Credentials in the OS keyring, under one service name.

Secrets are stored with the ``keyring`` library (macOS Keychain, Windows
Credential Locker, Secret Service on Linux). Values never appear in an
exception or a log line here: only names do.

The keyring cannot list what it holds, so the names this tool stored are
kept in one more entry of the same service, the index.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, NoReturn

from agora_okta.errors import SecretError

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

KEYRING_SERVICE = "agora-okta"
OKTA_API_TOKEN_NAME = "okta-api-token"
OKTA_API_TOKEN_ENV = "OKTA_API_TOKEN"

# The index cannot collide with a secret: names start with a letter or digit.
_INDEX_ENTRY = ".index"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}\Z")

log = logging.getLogger(__name__)


def set_secret(name: str, value: str) -> None:
    """Store a secret under ``name``, replacing any earlier value."""
    _check_name(name)
    if not value.strip():
        raise SecretError(f"the value for {name} is empty; nothing was stored")

    backend = _backend()
    import keyring.errors

    try:
        backend.set_password(KEYRING_SERVICE, name, value)
    except keyring.errors.KeyringError as exc:
        # The backend's own message is left out on purpose: it is not ours to
        # vouch for, and this call carried the value.
        raise SecretError(
            f"the OS keyring refused to store {name} ({type(exc).__name__}); "
            "unlock the keyring, or provide the secret through the environment"
        ) from None

    _write_index(backend, {*_read_index(backend), name})
    log.info("set_secret: stored name=%s", name)


def get_secret(name: str) -> str | None:
    """Return the secret stored under ``name``, or None when there is none."""
    _check_name(name)
    backend = _backend()
    import keyring.errors

    try:
        value: str | None = backend.get_password(KEYRING_SERVICE, name)
    except keyring.errors.KeyringError as exc:
        _refused("read", name, exc)
    return value


def delete_secret(name: str) -> bool:
    """Remove the secret under ``name``; False when there was none."""
    _check_name(name)
    backend = _backend()
    import keyring.errors

    try:
        backend.delete_password(KEYRING_SERVICE, name)
        deleted = True
    except keyring.errors.PasswordDeleteError:
        deleted = False
    except keyring.errors.KeyringError as exc:
        _refused("delete", name, exc)

    names = _read_index(backend)
    if name in names:
        _write_index(backend, names - {name})
    log.info("delete_secret: name=%s deleted=%s", name, deleted)
    return deleted


def list_secrets() -> list[str]:
    """Names of the secrets this tool stored that the keyring still holds."""
    backend = _backend()
    import keyring.errors

    try:
        # An entry removed with another tool stays in the index: leave it out.
        return sorted(
            name
            for name in _read_index(backend)
            if backend.get_password(KEYRING_SERVICE, name) is not None
        )
    except keyring.errors.KeyringError as exc:
        _refused("list", "the stored names", exc)


def okta_api_token(env: Mapping[str, str] | None = None) -> str:
    """The Okta API token: ``OKTA_API_TOKEN`` first, then the OS keyring."""
    environ = os.environ if env is None else env
    value = environ.get(OKTA_API_TOKEN_ENV, "").strip()
    if value:
        return value

    ways = (
        f"set {OKTA_API_TOKEN_ENV} in the environment, or store the token with "
        f'"agora-okta secrets set {OKTA_API_TOKEN_NAME}"'
    )
    if not _has_keyring():
        raise SecretError(
            f"no Okta API token: set {OKTA_API_TOKEN_ENV} in the environment "
            "(this machine has no OS keyring to hold it)"
        )
    try:
        stored = get_secret(OKTA_API_TOKEN_NAME)
    except SecretError as exc:
        raise SecretError(f"no Okta API token: {ways} ({exc})") from None
    if stored is None or not stored.strip():
        raise SecretError(f"no Okta API token: {ways}")
    return stored.strip()


def _check_name(name: str) -> None:
    if not _NAME.match(name):
        raise SecretError(
            f"{name!r} is not a secret name: use at most 128 letters, digits, "
            '".", "_" or "-", starting with a letter or digit'
        )


def _backend() -> KeyringBackend:
    """The keyring backend in use; SecretError when the machine has none."""
    import keyring

    if not _has_keyring():
        raise SecretError(_NO_KEYRING)
    return keyring.get_keyring()


def _has_keyring() -> bool:
    import keyring
    from keyring.backends import fail

    return not isinstance(keyring.get_keyring(), fail.Keyring)


_NO_KEYRING = (
    "this machine has no OS keyring; provide secrets through the environment "
    "instead: write env:NAME references in the file (e.g. "
    f"token: env:AGORA_SCIM_TOKEN) and set {OKTA_API_TOKEN_ENV} for the Okta API"
)


def _refused(action: str, name: str, exc: Exception) -> NoReturn:
    import keyring.errors

    if isinstance(exc, keyring.errors.NoKeyringError):
        raise SecretError(_NO_KEYRING) from None
    raise SecretError(
        f"the OS keyring could not {action} {name}: {type(exc).__name__}: {exc}"
    ) from exc


def _read_index(backend: KeyringBackend) -> set[str]:
    import keyring.errors

    try:
        raw = backend.get_password(KEYRING_SERVICE, _INDEX_ENTRY)
    except keyring.errors.KeyringError as exc:
        _refused("read", "the index of names", exc)
    if not raw:
        return set()

    try:
        names = json.loads(raw)
    except ValueError:
        log.warning("_read_index: the index entry is not JSON; starting afresh")
        return set()
    if not isinstance(names, list):
        return set()
    return {name for name in names if isinstance(name, str) and _NAME.match(name)}


def _write_index(backend: KeyringBackend, names: set[str]) -> None:
    # Two runs storing secrets at the same moment may each drop the other's
    # name from the index (a read-modify-write without a lock); the secrets
    # themselves are kept. Storing secrets is a rare, interactive act.
    import keyring.errors

    try:
        if names:
            backend.set_password(
                KEYRING_SERVICE, _INDEX_ENTRY, json.dumps(sorted(names))
            )
        else:
            backend.delete_password(KEYRING_SERVICE, _INDEX_ENTRY)
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.KeyringError as exc:
        _refused("update", "the index of names", exc)

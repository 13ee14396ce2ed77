"""Secret references: the file names where a secret lives, never the secret.

A reference is ``env:NAME`` (an environment variable) or ``keyring:NAME``
(an entry in the OS keyring under the service ``agora-okta``). Messages
here never repeat what the file holds in place of a valid reference (a
mistyped reference may well be the secret itself); the one exception is a
shell variable such as ``$AGORA_SCIM_TOKEN``, whose name they suggest.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from agora_okta.errors import SecretError

SecretKind = Literal["env", "keyring"]

ENV_NAME_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*"
KEYRING_NAME_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
REFERENCE_PATTERN = rf"^(env:{ENV_NAME_PATTERN}|keyring:{KEYRING_NAME_PATTERN})$"

_ENV_NAME = re.compile(rf"{ENV_NAME_PATTERN}\Z")
_KEYRING_NAME = re.compile(rf"{KEYRING_NAME_PATTERN}\Z")
_SHELL_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?\Z")
_KIND_PREFIX = re.compile(r"(env|keyring):", re.IGNORECASE)


class SecretRefError(ValueError):
    """A text is not a valid reference; the message never repeats the text."""


def literal_secret_advice(env_name: str, keyring_name: str) -> str:
    """Say how to move a secret out of the file (the same words everywhere)."""
    return (
        "a secret must not sit in the file. Move it: run "
        f'"agora-okta secrets set {keyring_name}" (it asks for the value) and write '
        f'"keyring:{keyring_name}", or export it as {env_name} and write '
        f'"env:{env_name}". It has been in a file: consider issuing a new one'
    )


@dataclass(frozen=True)
class SecretRef:
    """Where a secret lives: ``env:NAME`` or ``keyring:NAME``."""

    kind: SecretKind
    name: str

    def __post_init__(self) -> None:
        pattern = _ENV_NAME if self.kind == "env" else _KEYRING_NAME
        if self.kind not in ("env", "keyring") or not pattern.match(self.name):
            raise SecretRefError(f"not a valid {self.kind} reference name")

    def __str__(self) -> str:
        return f"{self.kind}:{self.name}"

    @classmethod
    def parse(
        cls,
        text: str,
        *,
        env_example: str = "AGORA_SCIM_TOKEN",
        keyring_example: str = "agora-scim-token",
    ) -> SecretRef:
        """Read ``env:NAME`` or ``keyring:NAME``; raise SecretRefError otherwise.

        The examples name the variable and keyring entry that the error
        messages suggest.
        """
        kind, sep, name = text.partition(":")
        if sep and kind == "env" and _ENV_NAME.match(name):
            return cls("env", name)
        if sep and kind == "keyring" and _KEYRING_NAME.match(name):
            return cls("keyring", name)
        raise SecretRefError(_why_not_a_reference(text, env_example, keyring_example))

    def resolve(self, env: Mapping[str, str] | None = None) -> str:
        """Return the secret; SecretError names the reference, never a value."""
        if self.kind == "env":
            environ = os.environ if env is None else env
            value = environ.get(self.name, "")
            if not value.strip():
                state = "empty" if self.name in environ else "not set"
                raise SecretError(
                    f"{self} is {state}: export {self.name} before running, or "
                    "keep the secret in the OS keyring "
                    '("agora-okta secrets set NAME") and write keyring:NAME'
                )
            return value.strip()

        # Imported here: the keyring library is slow to import and only this
        # kind of reference needs it.
        from agora_okta.secrets import get_secret

        secret = get_secret(self.name)
        if secret is None:
            raise SecretError(
                f"{self} is not in the OS keyring: store it with "
                f'"agora-okta secrets set {self.name}"'
            )
        return secret


def _why_not_a_reference(text: str, env_example: str, keyring_example: str) -> str:
    """Explain what is wrong with a reference, without repeating the text."""
    examples = f"env:{env_example} or keyring:{keyring_example}"
    variable = _SHELL_VARIABLE.match(text)
    if variable:
        name = variable.group(1)
        return (
            f"write env:{name} instead of ${name}: the file does not expand "
            f"variables (a reference is {examples})"
        )

    prefix = _KIND_PREFIX.match(text)
    if prefix is None:
        return f"this is not a reference ({examples}); " + literal_secret_advice(
            env_example, keyring_example
        )

    kind = prefix.group(1)
    if kind not in ("env", "keyring"):
        return f'write "{kind.lower()}:" in lower case, e.g. {examples}'
    name = text[prefix.end() :]
    if not name.strip():
        return f'write a name after "{kind}:", e.g. {examples}'
    if name[0].isspace():
        return f'remove the space after "{kind}:", e.g. {examples}'
    if kind == "env":
        return (
            'the name after "env:" must be letters, digits and "_", not '
            f"starting with a digit, e.g. env:{env_example}"
        )
    return (
        'the name after "keyring:" must be at most 128 letters, digits, ".", "_" '
        f'or "-", starting with a letter or digit, e.g. keyring:{keyring_example}'
    )

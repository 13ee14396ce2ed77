"""The tool's exceptions and the exit codes they map to.

Only ``cli`` turns these into exit codes; every other layer raises them.

    AgoraOktaError              an expected failure: one message, exit 1
    ├── ConfigError             the file is wrong; holds every problem found
    ├── SecretError             a secret reference cannot be resolved
    ├── OktaError               Okta refused a request or answered nonsense
    │   └── OktaUnreachable     no answer at all (connection, timeout)
    ├── ScimCheckFailed         Agora's SCIM endpoint failed a check
    ├── SafetyRefusal           a plan removes too much without --force
    ├── ManualStepsPending      console steps wait for an admin (exit 3)
    └── ApplyInterrupted        Ctrl-C during apply (exit 130)
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class ExitCode(enum.IntEnum):
    OK = 0
    ERROR = 1
    CHANGES_PENDING = 2
    MANUAL_STEPS_PENDING = 3
    INTERRUPTED = 130


class AgoraOktaError(Exception):
    """An expected failure, told to the user in one message; exit code 1."""

    exit_code = ExitCode.ERROR


@dataclass(frozen=True)
class Problem:
    """One problem in a file, where it is and what to write instead."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class ConfigError(AgoraOktaError):
    """The file is wrong. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        count = len(problems)
        lines = "\n".join(str(p) for p in problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{count} {noun} in the file:\n{lines}")


class SecretError(AgoraOktaError):
    """A secret reference cannot be resolved (its value is never in the message)."""


class OktaError(AgoraOktaError):
    """Okta refused a request, or answered with something the tool cannot read."""

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        path: str = "",
        status: int | None = None,
        error_code: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.error_code = error_code
        super().__init__(message)


class OktaUnreachable(OktaError):
    """The request got no answer: connection refused or cut, or a timeout."""


class ScimCheckFailed(AgoraOktaError):
    """Agora's SCIM endpoint failed a check that Okta's provisioning relies on."""


class SafetyRefusal(AgoraOktaError):
    """A plan removes more than the safe share of what exists, without --force."""


class ManualStepsPending(AgoraOktaError):
    """Console steps wait for an admin; the next run goes on from there."""

    exit_code = ExitCode.MANUAL_STEPS_PENDING


class ApplyInterrupted(AgoraOktaError):
    """Ctrl-C while apply made changes: says how many were made (exit 130)."""

    exit_code = ExitCode.INTERRUPTED

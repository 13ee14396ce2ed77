"""Fixtures for the file and secrets tests: keyrings that fail.

Every test already runs with an in-memory keyring (``tests/conftest.py``).
"""

from __future__ import annotations

import keyring
import keyring.core
import pytest
from keyring.backends import fail
from keyring_support import LockedKeyring


@pytest.fixture
def no_keyring() -> None:
    """A machine without any keyring backend."""
    keyring.set_keyring(fail.Keyring())  # type: ignore[no-untyped-call]


@pytest.fixture
def locked_keyring() -> None:
    keyring.set_keyring(LockedKeyring())

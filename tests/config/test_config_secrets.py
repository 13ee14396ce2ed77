"""Secret references and the keyring store, through keyring's real API.

The OS keyring's storage is replaced by an in-memory backend (conftest);
the environment by a mapping or monkeypatch. No secret value may appear in
any exception message.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from keyring_support import MemoryKeyring

from agora_okta import secrets
from agora_okta.config import SecretRef, SecretRefError
from agora_okta.errors import SecretError

VALUE = "00aBcD-very-secret-token-value"


def test_reference_reads_and_prints_as_written() -> None:
    assert SecretRef.parse("env:AGORA_SCIM_TOKEN") == SecretRef(
        "env", "AGORA_SCIM_TOKEN"
    )
    assert SecretRef.parse("keyring:agora.scim-token") == SecretRef(
        "keyring", "agora.scim-token"
    )
    assert str(SecretRef("env", "X")) == "env:X"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (VALUE, "this is not a reference"),
        ("env:", 'write a name after "env:"'),
        ("env:9LIVES", 'the name after "env:" must be letters'),
        (f"keyring:{VALUE}!", 'the name after "keyring:" must be'),
        ("Keyring:x", 'write "keyring:" in lower case'),
        ("$AGORA_SCIM_TOKEN", "write env:AGORA_SCIM_TOKEN instead of $AGORA"),
        ("vault:secret/agora", "this is not a reference"),
    ],
)
def test_bad_reference_says_why_without_repeating_it(text: str, said: str) -> None:
    with pytest.raises(SecretRefError) as caught:
        SecretRef.parse(text)

    assert said in str(caught.value)
    assert VALUE not in str(caught.value)
    assert "secret/agora" not in str(caught.value)


def test_env_reference_resolves_from_the_given_mapping() -> None:
    ref = SecretRef("env", "AGORA_SCIM_TOKEN")

    assert ref.resolve({"AGORA_SCIM_TOKEN": f" {VALUE}\n"}) == VALUE


def test_env_reference_resolves_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AGORA_SCIM_TOKEN", VALUE)

    assert SecretRef("env", "AGORA_SCIM_TOKEN").resolve() == VALUE


@pytest.mark.parametrize(("env", "state"), [({}, "not set"), ({"T": "  "}, "empty")])
def test_unset_env_reference_names_the_variable(
    env: dict[str, str], state: str
) -> None:
    with pytest.raises(SecretError) as caught:
        SecretRef("env", "T").resolve(env)

    assert str(caught.value).startswith(f"env:T is {state}: export T before running")


def test_keyring_reference_resolves_from_the_keyring() -> None:
    secrets.set_secret("agora-scim-token", VALUE)

    assert SecretRef("keyring", "agora-scim-token").resolve({}) == VALUE


def test_missing_keyring_entry_says_how_to_store_it() -> None:
    with pytest.raises(SecretError) as caught:
        SecretRef("keyring", "agora-scim-token").resolve({})

    assert str(caught.value) == (
        "keyring:agora-scim-token is not in the OS keyring: store it with "
        '"agora-okta secrets set agora-scim-token"'
    )


def test_set_get_list_delete(memory_keyring: MemoryKeyring) -> None:
    secrets.set_secret("agora-scim-token", VALUE)
    secrets.set_secret(secrets.OKTA_API_TOKEN_NAME, "other")

    assert secrets.get_secret("agora-scim-token") == VALUE
    assert memory_keyring.entries[("agora-okta", "agora-scim-token")] == VALUE
    assert secrets.list_secrets() == ["agora-scim-token", "okta-api-token"]

    assert secrets.delete_secret("agora-scim-token") is True
    assert secrets.delete_secret("agora-scim-token") is False
    assert secrets.get_secret("agora-scim-token") is None
    assert secrets.list_secrets() == ["okta-api-token"]


def test_list_leaves_out_names_removed_behind_its_back(
    memory_keyring: MemoryKeyring,
) -> None:
    secrets.set_secret("one", "1")
    secrets.set_secret("two", "2")
    del memory_keyring.entries[("agora-okta", "one")]

    assert secrets.list_secrets() == ["two"]


def test_index_is_kept_in_the_keyring_and_survives_a_broken_entry(
    memory_keyring: MemoryKeyring,
) -> None:
    secrets.set_secret("one", "1")
    assert memory_keyring.entries[("agora-okta", ".index")] == '["one"]'

    memory_keyring.entries[("agora-okta", ".index")] = "{not json"
    assert secrets.list_secrets() == []
    secrets.set_secret("two", "2")
    assert secrets.list_secrets() == ["two"]


def test_deleting_the_last_name_removes_the_index(
    memory_keyring: MemoryKeyring,
) -> None:
    secrets.set_secret("one", "1")
    secrets.delete_secret("one")

    assert memory_keyring.entries == {}


@pytest.mark.parametrize("name", ["", ".index", "has space", "a/b", "x" * 129])
def test_bad_names_are_refused(name: str) -> None:
    with pytest.raises(SecretError, match="is not a secret name"):
        secrets.set_secret(name, VALUE)


def test_empty_value_is_not_stored(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(SecretError, match="empty"):
        secrets.set_secret("agora-scim-token", "  ")

    assert memory_keyring.entries == {}


def test_okta_api_token_prefers_the_environment() -> None:
    secrets.set_secret(secrets.OKTA_API_TOKEN_NAME, "from-keyring")

    assert secrets.okta_api_token({"OKTA_API_TOKEN": VALUE}) == VALUE
    assert secrets.okta_api_token({"OKTA_API_TOKEN": ""}) == "from-keyring"
    assert secrets.okta_api_token({}) == "from-keyring"


def test_okta_api_token_reads_os_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OKTA_API_TOKEN", VALUE)

    assert secrets.okta_api_token() == VALUE


def test_missing_okta_api_token_names_both_ways() -> None:
    with pytest.raises(SecretError) as caught:
        secrets.okta_api_token({})

    assert str(caught.value) == (
        "no Okta API token: set OKTA_API_TOKEN in the environment, or store the "
        'token with "agora-okta secrets set okta-api-token"'
    )


@pytest.mark.usefixtures("no_keyring")
def test_without_a_keyring_every_call_says_to_use_the_environment() -> None:
    calls: list[Callable[[], object]] = [
        lambda: secrets.set_secret("agora-scim-token", VALUE),
        lambda: secrets.get_secret("agora-scim-token"),
        lambda: secrets.delete_secret("agora-scim-token"),
        secrets.list_secrets,
        lambda: SecretRef("keyring", "agora-scim-token").resolve({}),
    ]
    for call in calls:
        with pytest.raises(SecretError) as caught:
            call()
        assert str(caught.value) == (
            "this machine has no OS keyring; provide secrets through the "
            "environment instead: write env:NAME references in the file (e.g. "
            "token: env:AGORA_SCIM_TOKEN) and set OKTA_API_TOKEN for the Okta API"
        )
        assert VALUE not in str(caught.value)


@pytest.mark.usefixtures("no_keyring")
def test_without_a_keyring_the_environment_still_gives_the_okta_token() -> None:
    assert secrets.okta_api_token({"OKTA_API_TOKEN": VALUE}) == VALUE

    with pytest.raises(SecretError) as caught:
        secrets.okta_api_token({})
    assert str(caught.value) == (
        "no Okta API token: set OKTA_API_TOKEN in the environment (this machine "
        "has no OS keyring to hold it)"
    )


@pytest.mark.usefixtures("locked_keyring")
def test_a_refusing_keyring_never_shows_the_value() -> None:
    with pytest.raises(SecretError) as caught:
        secrets.set_secret("agora-scim-token", VALUE)

    assert str(caught.value) == (
        "the OS keyring refused to store agora-scim-token (PasswordSetError); "
        "unlock the keyring, or provide the secret through the environment"
    )
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__ is True

    with pytest.raises(SecretError, match="could not read agora-scim-token"):
        secrets.get_secret("agora-scim-token")
    with pytest.raises(SecretError) as caught:
        secrets.okta_api_token({})
    assert str(caught.value).startswith("no Okta API token: set OKTA_API_TOKEN")
    assert "KeyringLocked" in str(caught.value)

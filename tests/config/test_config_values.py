"""Single values: emails, URLs, names, labels; and the YAML parser fallback."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from config_support import BAD
from pydantic_core import PydanticCustomError
from test_config_bad_files import EXPECTED

from agora_okta.config import checks, load_config
from agora_okta.errors import ConfigError


@pytest.mark.parametrize(
    "email",
    [
        "alice@example.com",
        "alice+agora@example.com",
        "first.last@example.co.uk",
        "o'brien@example.com",
        "x_y-z@sub.sub.example.io",
        "!#$%&'*+/=?^_`{|}~-@example.com",
        "jörg@bücher.example",
        "用户@例子.广告",
        "user@xn--bcher-kva.example",
        "a@b.co",
        "UPPER@EXAMPLE.COM",
        f"{'l' * 64}@example.com",
    ],
)
def test_valid_emails_are_kept_as_written(email: str) -> None:
    assert checks.email(email) == email


@pytest.mark.parametrize(
    ("email", "reason"),
    [
        ("alice", "it needs exactly one @"),
        ("a@b@example.com", "it needs exactly one @"),
        ("@example.com", "the part before @ must hold 1 to 64 bytes"),
        (f"{'l' * 65}@example.com", "the part before @ must hold 1 to 64 bytes"),
        (".alice@example.com", "misplaced dot"),
        ("alice.@example.com", "misplaced dot"),
        ("al..ice@example.com", "misplaced dot"),
        ("al(ice)@example.com", "a character not allowed"),
        ('"al ice"@example.com', "quoted local parts are not supported"),
        ("alice@localhost", "the domain needs a dot"),
        ("alice@[192.0.2.1]", "address literals are not supported"),
        ("alice@example..com", "not a valid domain name"),
        ("alice@example.com.", "not a valid domain name"),
        ("alice@-example.com", "not a valid domain name"),
        ("alice@exa_mple.com", "not a valid domain name"),
        ("alice@example.123", "the domain ends in a number"),
        (f"alice@{'a' * 64}.com", "not a valid domain name"),
        ("alice @example.com", "spaces or control characters"),
        ("Alice <alice@example.com>", "write the address alone"),
        ("mailto:alice@example.com", "write the address alone"),
    ],
)
def test_invalid_emails_say_why(email: str, reason: str) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        checks.email(email)

    assert reason in str(caught.value)
    assert "write it as name@domain" in str(caught.value)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://acme.okta.com", "https://acme.okta.com"),
        ("https://ACME.okta.com/", "https://acme.okta.com"),
        ("https://login.acme.com", "https://login.acme.com"),
        ("https://acme.oktapreview.com:8443", "https://acme.oktapreview.com:8443"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("http://127.5.6.7", "http://127.5.6.7"),
        ("http://localhost:1234/", "http://localhost:1234"),
        ("http://[::1]:8443", "http://[::1]:8443"),
    ],
)
def test_org_url_accepted(given: str, kept: str) -> None:
    assert checks.org_url(given) == kept


@pytest.mark.parametrize(
    ("given", "said"),
    [
        ("https://acme-admin.okta.com", "write the org's: https://acme.okta.com"),
        (
            "https://acme-admin.okta-emea.com",
            "write the org's: https://acme.okta-emea.com",
        ),
        ("http://acme.okta.com", "Okta is reached over https only"),
        ("http://128.0.0.1", "Okta is reached over https only"),
        ("http://localhost.example.com", "Okta is reached over https only"),
        ("https://acme.okta.com/admin", "without a path or query"),
        ("https://acme.okta.com?x=1", "without a path or query"),
        ("ftp://acme.okta.com", "write an https URL"),
        ("acme.okta.com", "e.g. https://acme.okta.com"),
        ("https://", "the URL has no host"),
        ("https://acme.okta.com:99999", "this is not a valid URL"),
        ("https://a cme.okta.com", "without spaces"),
        ("https://user:pw@acme.okta.com", "remove the user name and password"),
    ],
)
def test_org_url_refused(given: str, said: str) -> None:
    with pytest.raises(PydanticCustomError) as caught:
        checks.org_url(given)

    assert said in str(caught.value)
    assert "pw@" not in str(caught.value)


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("https://agora.example.com/scim/v2/", "https://agora.example.com/scim/v2"),
        ("http://127.0.0.1:9000/scim", "http://127.0.0.1:9000/scim"),
    ],
)
def test_scim_base_url_accepted(given: str, kept: str) -> None:
    assert checks.scim_base_url(given) == kept


@pytest.mark.parametrize(
    "label", ["A", "A" * checks.LABEL_MAX, "Ä" * checks.LABEL_MAX, "Agora 🚀"]
)
def test_labels_accepted(label: str) -> None:
    assert checks.label(label) == label


@pytest.mark.parametrize(
    "label", ["", " ", " Agora", "A" * (checks.LABEL_MAX + 1), "Ago\nra"]
)
def test_labels_refused(label: str) -> None:
    with pytest.raises(PydanticCustomError):
        checks.label(label)


@pytest.mark.parametrize("app_id", ["0oa1gjh63g214q0Hq0g4", "0oa1testapp12345678"])
def test_app_ids_accepted(app_id: str) -> None:
    assert checks.app_id(app_id) == app_id


@pytest.mark.parametrize("app_id", ["acme_agora_1", "0oa1", "0oa1gjh63g214q0-q0g4"])
def test_app_ids_refused(app_id: str) -> None:
    with pytest.raises(PydanticCustomError, match="starting with 0oa"):
        checks.app_id(app_id)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.255.0.9", "::1", "LOCALHOST"])
def test_loopback_hosts(host: str) -> None:
    assert checks.is_loopback(host)


@pytest.mark.parametrize("host", ["10.0.0.1", "0.0.0.0", "::", "localhost.evil.com"])
def test_hosts_that_are_not_loopback(host: str) -> None:
    assert not checks.is_loopback(host)


# Without libyaml, PyYAML's own parser words syntax errors differently and
# stops a deep flow collection at another column; all else must match.
_PARSER_WORDING = {
    "deep_flow_nesting.yaml",
    "yaml_bad_indentation.yaml",
    "yaml_colon_in_value.yaml",
    "yaml_unclosed_bracket.yaml",
}


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - _PARSER_WORDING))
def test_pure_python_parser_gives_the_same_lines(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)
    path = BAD / name

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    lines = [str(problem) for problem in caught.value.problems]
    assert lines == [f"{path}:{expected}" for expected in EXPECTED[name]]


def test_pure_python_parser_refuses_deep_flow_nesting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(yaml, "CSafeLoader", raising=False)

    with pytest.raises(ConfigError) as caught:
        load_config(BAD / "deep_flow_nesting.yaml")

    assert "nests deeper than 20 levels" in str(caught.value)


def test_folder_and_missing_file_are_problems_too(tmp_path: Path) -> None:
    for path, said in [
        (tmp_path, "this is a folder"),
        (tmp_path / "agora-okta.yaml", "no such file"),
    ]:
        with pytest.raises(ConfigError) as caught:
            load_config(path)
        assert str(caught.value.problems[0]).startswith(f"{path}:1:1: {said}")

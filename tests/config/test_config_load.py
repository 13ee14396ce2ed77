"""Valid files load as written; places, warnings and the JSON Schema."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml
from config_support import BAD, EXAMPLE, GOOD
from pydantic import ValidationError

from agora_okta.config import (
    DEFAULT_ACS_URL,
    DEFAULT_AUDIENCE,
    Config,
    LoadedConfig,
    PushGroup,
    SecretRef,
    config_json_schema,
    email_key,
    load_config,
)
from agora_okta.errors import ConfigError

MINIMAL: dict[str, Any] = {
    "okta": {"org_url": "https://acme.okta.com"},
    "provisioning": {
        "scim_base_url": "https://agora.example.com/scim/v2",
        "token": "env:AGORA_SCIM_TOKEN",
    },
}


def test_example_file_is_valid_and_as_the_readme_needs() -> None:
    loaded = load_config(EXAMPLE)
    config = loaded.config

    assert loaded.warnings == []
    assert config.okta.org_url == "https://example.okta.com"
    assert str(config.provisioning.token) == "env:AGORA_SCIM_TOKEN"
    assert 3 <= len(config.assign.people) <= 4
    assert all(p.endswith("@example.com") for p in config.assign.people)
    assert 2 <= len(config.assign.groups) <= 3
    assert any(group.role is not None for group in config.push_groups)
    assert config.prune is False


def test_example_file_shows_every_option() -> None:
    text = EXAMPLE.read_text()

    def keys(model: Any, prefix: str = "") -> list[str]:
        found = []
        for name, info in model.model_fields.items():
            found.append(name)
            inner = getattr(info.annotation, "__args__", None)
            candidate = inner[0] if inner else info.annotation
            if isinstance(candidate, type) and hasattr(candidate, "model_fields"):
                found += keys(candidate)
        return found

    missing = [key for key in keys(Config) if f"{key}:" not in text]
    assert missing == []


def test_minimal_file_gets_the_documented_defaults() -> None:
    config = load_config(GOOD / "minimal.yaml").config

    assert config.app.label == "Agora"
    assert config.app.id is None
    assert config.app.hide_tiles is True
    assert config.app.sso.acs_url == DEFAULT_ACS_URL
    assert config.app.sso.audience == DEFAULT_AUDIENCE
    assert config.provisioning.unique_identifier == "email"
    assert config.provisioning.to_app.create_users is True
    assert config.provisioning.to_app.update_user_attributes is True
    assert config.provisioning.to_app.deactivate_users is True
    assert config.push_groups == []
    assert config.assign.groups == []
    assert config.assign.people == []
    assert config.prune is False


def test_unusual_but_valid_values_load_as_written() -> None:
    config = load_config(GOOD / "unusual_valid.yaml").config

    assert config.app.label == "Агора ✓ アゴラ – Zürich"  # noqa: RUF001
    assert config.okta.org_url == "https://acme.okta.com"
    assert config.provisioning.scim_base_url == "https://agora.example.com/scim/v2"
    assert config.provisioning.token == SecretRef("keyring", "agora.scim-token_2")
    assert [g.role_name for g in config.push_groups] == [
        "Ingeniería & Diseño",
        "研究開発",
    ]
    assert config.assign.people == [
        "alice+agora@example.com",
        "o'brien@example.co.uk",
        "first.last@sub.example.com",
        "user_name-1@example.io",
        "jörg@bücher.example",
        "用户@例子.广告",
        "x@xn--bcher-kva.example",
    ]


@pytest.mark.parametrize("name", ["loopback.yaml", "loopback_ipv6.yaml"])
def test_http_on_loopback_is_accepted_with_a_warning(name: str) -> None:
    path = GOOD / name
    loaded = load_config(path)

    assert loaded.config.okta.org_url.startswith("http://")
    assert len(loaded.warnings) == 1
    line = 5 if name == "loopback.yaml" else 4
    assert loaded.warnings[0] == (
        f"{path}:{line}:18: provisioning.scim_base_url: plain http is accepted only "
        "because the host is a loopback address (a local SCIM server); Okta "
        "itself sends SCIM requests over https only"
    )


def test_where_points_at_keys_and_items() -> None:
    loaded = load_config(EXAMPLE)
    lines = EXAMPLE.read_text().splitlines()

    def text_at(*keys: str | int) -> str:
        place = loaded.where(*keys)
        assert place.file == str(EXAMPLE)
        return lines[place.line - 1][place.column - 1 :]

    assert text_at("assign", "people", 1) == "bob@example.com"
    assert text_at("push_groups", 1).startswith("{group: Sales")
    assert text_at("push_groups", 1, "role") == "Sales Team}"
    assert text_at("provisioning", "token") == "env:AGORA_SCIM_TOKEN"
    assert text_at("assign").startswith("assign:")
    assert str(loaded.where("prune")).startswith(f"{EXAMPLE}:")


def test_where_falls_back_to_the_nearest_key_the_file_has() -> None:
    loaded = load_config(GOOD / "minimal.yaml")

    assert loaded.where("provisioning", "to_app", "create_users") == loaded.where(
        "provisioning"
    )
    assert (loaded.where("app", "label").line, loaded.where("app").column) == (1, 1)
    problem = loaded.where("provisioning", "token").problem("no such token")
    assert str(problem) == f"{GOOD / 'minimal.yaml'}:5:10: no such token"


def test_places_survive_crlf_line_ends_and_a_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "windows.yaml"
    text = (EXAMPLE.read_text()).replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())

    places = [_place(load_config(path), *keys) for keys in _SOME_KEYS]

    assert places == [_place(load_config(EXAMPLE), *keys) for keys in _SOME_KEYS]


_SOME_KEYS: list[tuple[str | int, ...]] = [
    ("okta", "org_url"),
    ("assign", "people", 1),
    ("push_groups", 1, "role"),
]


def _place(loaded: LoadedConfig, *keys: str | int) -> tuple[int, int]:
    place = loaded.where(*keys)
    return place.line, place.column


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(
        "okta: {org_url: http://acme.okta.com}\n"
        "app: {lable: x}\n"
        "provisioning: {scim_base_url: https://a.example.com, token: s3cr3t}\n"
        "assign: {people: [a@example.com, A@example.com, nope]}\n"
        "prune: 1\n"
    )

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    places = [(p.line, p.column) for p in caught.value.problems]
    assert places == [(1, 17), (2, 7), (3, 61), (4, 34), (4, 49), (5, 8)]
    assert "s3cr3t" not in str(caught.value)


def test_problems_beyond_the_cap_are_summed_up(tmp_path: Path) -> None:
    path = tmp_path / "crowded.yaml"
    people = "".join(f"    - person{n}\n" for n in range(150))
    path.write_text(
        (GOOD / "minimal.yaml").read_text() + "assign:\n  people:\n" + people
    )

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    problems = caught.value.problems
    assert len(problems) == 101
    assert problems[-1].message == (
        "50 more problems are not shown; fix those above first"
    )


def test_keys_stay_text_even_when_yaml_would_read_a_boolean(tmp_path: Path) -> None:
    path = tmp_path / "on.yaml"
    path.write_text((GOOD / "minimal.yaml").read_text() + "on: true\n")

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    assert caught.value.problems[0].message.startswith('unknown key "on"')


def test_anchors_without_aliases_are_harmless(tmp_path: Path) -> None:
    path = tmp_path / "anchor.yaml"
    path.write_text((GOOD / "minimal.yaml").read_text() + "prune: &p true\n")

    assert load_config(path).config.prune is True


def test_config_built_in_python_checks_duplicates_too() -> None:
    data = {**MINIMAL, "assign": {"people": ["a@example.com", "A@EXAMPLE.com"]}}

    with pytest.raises(ValidationError) as caught:
        Config.model_validate(data)

    assert "assign.people" in str(caught.value)
    assert "is the same person" in str(caught.value)


def test_duplicate_names_with_braces_are_reported_as_written() -> None:
    data = {**MINIMAL, "assign": {"groups": ["{ops}", "{OPS}"]}}

    with pytest.raises(ValidationError) as caught:
        Config.model_validate(data)

    assert '"{OPS}" is the same group as "{ops}" (first as item 1)' in str(caught.value)


def test_validation_errors_never_show_a_literal_token() -> None:
    data = {**MINIMAL, "provisioning": {**MINIMAL["provisioning"], "token": "t0k3n"}}

    with pytest.raises(ValidationError) as caught:
        Config.model_validate(data)

    assert "t0k3n" not in str(caught.value)
    assert "t0k3n" not in repr(caught.value)


def test_push_group_from_a_name_or_a_mapping() -> None:
    assert PushGroup.model_validate("Sales").role_name == "Sales"
    mapped = PushGroup.model_validate({"group": "Sales", "role": "Sales Team"})
    assert (mapped.group, mapped.role_name) == ("Sales", "Sales Team")


def test_config_dumps_the_token_as_its_reference() -> None:
    config = Config.model_validate(MINIMAL)

    assert config.model_dump(mode="json")["provisioning"]["token"] == (
        "env:AGORA_SCIM_TOKEN"
    )
    assert Config.model_validate(config.model_dump(mode="json")) == config


def test_email_key_treats_case_and_idn_forms_as_one_person() -> None:
    assert email_key("Jörg@Bücher.Example") == email_key("jörg@xn--bcher-kva.example")
    assert email_key("a@example.com") != email_key("b@example.com")


def test_json_schema_agrees_with_the_models() -> None:
    schema = config_json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    for path in [EXAMPLE, *sorted(GOOD.glob("*.yaml"))]:
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert errors == [], path

    for name in ["unknown_key.yaml", "missing_token.yaml", "literal_token.yaml"]:
        data = yaml.safe_load((BAD / name).read_text())
        assert list(validator.iter_errors(data)), name


def test_json_schema_describes_the_short_push_group_form() -> None:
    schema = config_json_schema()
    push_group = schema["$defs"]["PushGroup"]

    assert push_group["anyOf"][0]["type"] == "string"
    assert push_group["anyOf"][1]["required"] == ["group"]
    assert schema["$schema"].startswith("https://json-schema.org/")


def _imported_after(code: str) -> list[str]:
    heavy = ("okta", "keyring", "aiohttp", "typer", "rich", "pydantic", "yaml")
    probe = f"{code}; import sys; print([m for m in {heavy!r} if m in sys.modules])"
    shown = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        cwd=EXAMPLE.parent,
    )
    return list(ast.literal_eval(shown.stdout.strip()))


def test_importing_the_config_layer_imports_nothing_heavy_until_used() -> None:
    assert _imported_after("import agora_okta.config") == []


def test_loading_a_file_needs_only_pydantic_and_yaml() -> None:
    code = (
        "from pathlib import Path; from agora_okta.config import load_config; "
        "load_config(Path('config.example.yaml'))"
    )

    assert _imported_after(code) == ["pydantic", "yaml"]


def test_every_public_name_resolves() -> None:
    import agora_okta.config as package

    for name in package.__all__:
        assert getattr(package, name) is not None
    with pytest.raises(AttributeError):
        _ = package.NoSuchName  # type: ignore[attr-defined]

"""Bad files, one per case: the exact lines a user sees, in bounded time.

Each file in ``bad/`` holds one mistake, or one hostile construct (issue 6:
huge files, deep nesting, expanding aliases, bytes that are not UTF-8,
tabs, duplicate keys). The table below is what ``agora-okta validate``
prints for it, after the file's path. The huge file is made by the test,
not kept in the repository.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
from config_support import BAD

from agora_okta.config import MAX_BYTES, load_config
from agora_okta.errors import ConfigError

# A bad file must be refused quickly whatever it holds; the slowest case
# here takes milliseconds.
SECONDS = 2.0
# Python memory allocated while refusing a hostile file.
PEAK_BYTES = 16 * 1024 * 1024

EXPECTED: dict[str, list[str]] = {
    "alias.yaml": [
        (
            "8:11: YAML aliases (*name) are not supported: write the value out in "
            "full (this also refuses anchors that expand without end)"
        ),
    ],
    "app_id_bad.yaml": [
        (
            "7:7: app.id: an Okta app id is letters and digits starting with 0oa "
            "(20 in all), as in the app's address in the Admin Console; leave out id "
            "to find the app by its label"
        ),
    ],
    "bad_emails.yaml": [
        (
            '8:7: assign.people: "alice" is not an email address (it needs exactly '
            "one @); write it as name@domain, e.g. alice@example.com"
        ),
        (
            '9:7: assign.people: "bob@@example.com" is not an email address (it '
            "needs exactly one @); write it as name@domain, e.g. alice@example.com"
        ),
        (
            '10:7: assign.people: "carol@example" is not an email address (the '
            "domain needs a dot, as in example.com); write it as name@domain, e.g. "
            "alice@example.com"
        ),
        (
            '11:7: assign.people: "Dave <dave@example.com>" is not an email address '
            "(write the address alone); write it as name@domain, e.g. "
            "alice@example.com"
        ),
        (
            '12:7: assign.people: "erin..x@example.com" is not an email address (the '
            "part before @ has a misplaced dot or a character not allowed); write it "
            "as name@domain, e.g. alice@example.com"
        ),
        (
            '13:7: assign.people: "frank@-example.com" is not an email address (the '
            "domain is not a valid domain name); write it as name@domain, e.g. "
            "alice@example.com"
        ),
    ],
    "billion_laughs.yaml": [
        (
            "7:10: YAML aliases (*name) are not supported: write the value out in "
            "full (this also refuses anchors that expand without end)"
        ),
    ],
    "bool_as_number.yaml": [
        (
            "6:26: provisioning.to_app.create_users: write true or false here, not a "
            "number"
        ),
    ],
    "comments_only.yaml": [
        "1:1: the file holds only comments; start from config.example.yaml",
    ],
    "control_character.yaml": [
        "7:15: the character U+0007 is not allowed in YAML; remove it",
    ],
    "deep_flow_nesting.yaml": [
        (
            "7:1008: the file nests deeper than 20 levels here; the settings need at "
            "most 4"
        ),
    ],
    "deep_nesting.yaml": [
        (
            "26:41: the file nests deeper than 20 levels here; the settings need at "
            "most 4"
        ),
    ],
    "duplicate_group.yaml": [
        (
            '7:32: assign.groups: "Engineering" is listed twice (first at column '
            "12); keep one"
        ),
    ],
    "duplicate_keys.yaml": [
        '9:3: app: "label" is given twice (first on line 7); keep one',
    ],
    "duplicate_person_case.yaml": [
        (
            '10:7: assign.people: "Alice@Example.COM" is the same person as '
            '"alice@example.com" (first on line 8); keep one'
        ),
    ],
    "duplicate_person_idn.yaml": [
        (
            '9:7: assign.people: "jörg@xn--bcher-kva.example" is the same person as '
            '"jörg@bücher.example" (first on line 8); keep one'
        ),
    ],
    "duplicate_push_group.yaml": [
        (
            '8:5: push_groups: "engineering" is the same group as "Engineering" '
            "(first on line 7); keep one"
        ),
    ],
    "duplicate_top_level_keys.yaml": [
        '7:1: "okta" is given twice (first on line 1); keep one',
    ],
    "email_quoted_local.yaml": [
        (
            '8:7: assign.people: ""john"@example.com" is not an email address '
            "(quoted local parts are not supported); write it as name@domain, e.g. "
            "alice@example.com"
        ),
    ],
    "empty.yaml": [
        "1:1: the file is empty; start from config.example.yaml",
    ],
    "empty_group_name.yaml": [
        (
            "9:6: assign.groups: write text here (the value is empty), or remove the "
            "item"
        ),
    ],
    "empty_push_group_name.yaml": [
        (
            "8:5: push_groups: write the group's name, e.g. Engineering, or remove "
            "the item (a name must not be empty)"
        ),
    ],
    "group_name_spaces.yaml": [
        '7:12: assign.groups: remove the spaces at the start or end of "Sales"',
    ],
    "huge_number.yaml": [
        "7:10: app.label: this value cannot be read; put text in quotes",
    ],
    "label_empty.yaml": [
        (
            '7:10: app.label: write the app\'s label, e.g. "Agora" (it must not be '
            "empty)"
        ),
    ],
    "label_too_long.yaml": [
        "7:10: app.label: shorten the label to 100 characters (it has 101)",
    ],
    "literal_token.yaml": [
        (
            "5:10: provisioning.token: this is not a reference (env:AGORA_SCIM_TOKEN "
            "or keyring:agora-scim-token); a secret must not sit in the file. Move "
            'it: run "agora-okta secrets set agora-scim-token" (it asks for the '
            'value) and write "keyring:agora-scim-token", or export it as '
            'AGORA_SCIM_TOKEN and write "env:AGORA_SCIM_TOKEN". It has been in a '
            "file: consider issuing a new one"
        ),
    ],
    "merge_key.yaml": [
        "7:3: app: merge keys (<<) are not supported; write the keys out",
    ],
    "missing_sections.yaml": [
        '1:1: "okta" is missing; add e.g. okta: {org_url: https://acme.okta.com}',
        (
            '1:1: "provisioning" is missing; add e.g. provisioning: {scim_base_url: '
            "https://agora.example.com/scim/v2, token: env:AGORA_SCIM_TOKEN}"
        ),
    ],
    "missing_token.yaml": [
        (
            '3:1: "token" is missing from provisioning; add e.g. token: '
            "env:AGORA_SCIM_TOKEN"
        ),
    ],
    "non_utf8.yaml": [
        "7:13: byte 0xE9 at offset 151 is not UTF-8; save the file as UTF-8",
    ],
    "null_section.yaml": [
        (
            "3:1: provisioning: write keys and values here (the value is empty), "
            "e.g. provisioning: {scim_base_url: https://agora.example.com/scim/v2, "
            "token: env:AGORA_SCIM_TOKEN}"
        ),
    ],
    "org_url_admin.yaml": [
        (
            "2:12: okta.org_url: this is the Admin Console's address; write the "
            "org's: https://acme.okta.com"
        ),
    ],
    "org_url_admin_preview.yaml": [
        (
            "2:12: okta.org_url: this is the Admin Console's address; write the "
            "org's: https://acme.oktapreview.com"
        ),
    ],
    "org_url_http.yaml": [
        (
            "2:12: okta.org_url: Okta is reached over https only; write "
            "https://acme.okta.com (http is accepted only for a loopback sandbox "
            "such as 127.0.0.1)"
        ),
    ],
    "org_url_no_scheme.yaml": [
        (
            "2:12: okta.org_url: write the full URL with its scheme, e.g. "
            "https://acme.okta.com"
        ),
    ],
    "org_url_path.yaml": [
        (
            "2:12: okta.org_url: write the org's address alone, without a path or "
            "query: https://acme.okta.com"
        ),
    ],
    "push_group_bad_item.yaml": [
        (
            "7:5: push_groups: write a group's name, or {group: NAME, role: ROLE}, "
            "here, not a list"
        ),
    ],
    "push_group_unknown_key.yaml": [
        '7:20: push_groups: unknown key "name"; the keys here are: group, role',
    ],
    "push_groups_same_role.yaml": [
        (
            '8:5: push_groups: "Platform" and "Engineering" would both become the '
            'role "Engineering" (first on line 7); give one of them another role'
        ),
    ],
    "python_tag.yaml": [
        (
            "7:10: app.label: the YAML tag !!python/object/apply:os.system is not "
            "supported here; remove it"
        ),
    ],
    "scim_url_credentials.yaml": [
        (
            "4:18: provisioning.scim_base_url: remove the user name and password "
            "from the URL"
        ),
    ],
    "scim_url_http.yaml": [
        (
            "4:18: provisioning.scim_base_url: Okta sends SCIM requests over https "
            "only; write https://agora.example.com/scim/v2 (http is accepted only "
            "for a loopback address such as 127.0.0.1, for a local SCIM server)"
        ),
    ],
    "scim_url_query.yaml": [
        (
            "4:18: provisioning.scim_base_url: a SCIM base URL has no query or "
            "fragment; write https://agora.example.com/scim/v2"
        ),
    ],
    "tabs.yaml": [
        "4:1: a tab indents this line; YAML indents with spaces only",
        "5:1: a tab indents this line; YAML indents with spaces only",
    ],
    "token_bad_form.yaml": [
        (
            '5:10: provisioning.token: the name after "env:" must be letters, digits '
            'and "_", not starting with a digit, e.g. env:AGORA_SCIM_TOKEN'
        ),
    ],
    "token_empty_name.yaml": [
        (
            '5:10: provisioning.token: write a name after "keyring:", e.g. '
            "env:AGORA_SCIM_TOKEN or keyring:agora-scim-token"
        ),
    ],
    "token_shell_variable.yaml": [
        (
            "5:10: provisioning.token: write env:AGORA_SCIM_TOKEN instead of "
            "$AGORA_SCIM_TOKEN: the file does not expand variables (a reference is "
            "env:AGORA_SCIM_TOKEN or keyring:agora-scim-token)"
        ),
    ],
    "token_space_after_colon.yaml": [
        (
            '5:10: provisioning.token: remove the space after "env:", e.g. '
            "env:AGORA_SCIM_TOKEN or keyring:agora-scim-token"
        ),
    ],
    "token_split_mapping.yaml": [
        (
            "5:3: provisioning.token: write the reference as one word, with no space "
            'after "env:", e.g. token: env:NAME'
        ),
    ],
    "token_upper_case_kind.yaml": [
        (
            '5:10: provisioning.token: write "env:" in lower case, e.g. '
            "env:AGORA_SCIM_TOKEN or keyring:agora-scim-token"
        ),
    ],
    "top_level_list.yaml": [
        "1:1: the top level must be keys such as okta: and provisioning:, not a list",
    ],
    "two_documents.yaml": [
        "6:1: a second YAML document starts here; keep one document",
    ],
    "unique_identifier.yaml": [
        (
            '5:22: provisioning.unique_identifier: only "email" is supported: Okta '
            "sends each person's email as their user name in Agora; write "
            "unique_identifier: email, or leave it out"
        ),
    ],
    "unknown_key.yaml": [
        '7:3: app: unknown key "lable"; did you mean "label"?',
    ],
    "unknown_key_no_match.yaml": [
        '7:3: assign: unknown key "owners"; the keys here are: groups, people',
    ],
    "unknown_key_wrong_level.yaml": [
        (
            '3:1: "token" is missing from provisioning; add e.g. token: '
            "env:AGORA_SCIM_TOKEN"
        ),
        '5:1: unknown key "token"; it belongs under provisioning',
    ],
    "utf16.yaml": [
        "1:1: the file is UTF-16; save it as UTF-8",
    ],
    "wrong_type_group_is_no.yaml": [
        (
            "7:25: assign.groups: write text here, not true/false; put it in quotes "
            "to keep it as text"
        ),
    ],
    "wrong_type_groups_not_list.yaml": [
        "7:11: assign.groups: write a list here, not text, e.g. [Engineering]",
    ],
    "wrong_type_label_number.yaml": [
        (
            "7:10: app.label: write text here, not a number; put it in quotes to "
            "keep it as text"
        ),
    ],
    "wrong_type_prune_text.yaml": [
        "6:8: prune: write true or false here, not text",
    ],
    "wrong_type_section_text.yaml": [
        (
            "1:7: okta: write keys and values here, not text, e.g. okta: {org_url: "
            "https://acme.okta.com}"
        ),
    ],
    "yaml_bad_indentation.yaml": [
        (
            "3:2: the YAML cannot be read: did not find expected key (while parsing "
            "a block mapping on line 1); check the indentation (items of one level "
            "start in one column) and quotes"
        ),
    ],
    "yaml_colon_in_value.yaml": [
        (
            "7:15: the YAML cannot be read: mapping values are not allowed in this "
            'context; a value that holds ": " must be put in quotes'
        ),
    ],
    "yaml_unclosed_bracket.yaml": [
        (
            "8:6: the YAML cannot be read: did not find expected ',' or ']' (while "
            "parsing a flow sequence on line 7); close the brackets, and separate "
            "items with commas"
        ),
    ],
    "yaml_unclosed_quote.yaml": [
        (
            "9:1: the YAML cannot be read: found unexpected end of stream (while "
            "scanning a quoted scalar on line 7); close the quotes"
        ),
    ],
}

# Values in the bad files that must never be repeated in a message.
SECRETS = {
    "literal_token.yaml": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b",
    "scim_url_credentials.yaml": "hunter2",
}


def _refusal(path: Path) -> tuple[ConfigError, float]:
    started = time.perf_counter()
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value, time.perf_counter() - started


def test_every_bad_file_has_its_expected_lines() -> None:
    on_disk = {path.name for path in BAD.glob("*.yaml")}
    assert on_disk == set(EXPECTED)
    assert len(on_disk) >= 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_is_refused_with_the_expected_lines(name: str) -> None:
    path = BAD / name
    error, seconds = _refusal(path)

    lines = [str(problem) for problem in error.problems]
    assert lines == [f"{path}:{expected}" for expected in EXPECTED[name]]
    assert str(error).splitlines()[1:] == lines
    assert seconds < SECONDS


@pytest.mark.parametrize("name", sorted(SECRETS))
def test_no_message_repeats_a_secret_from_the_file(name: str) -> None:
    error, _ = _refusal(BAD / name)

    assert SECRETS[name] not in str(error)
    assert all(SECRETS[name] not in repr(problem) for problem in error.problems)


@pytest.mark.parametrize(
    "name", ["billion_laughs.yaml", "deep_flow_nesting.yaml", "deep_nesting.yaml"]
)
def test_hostile_file_is_refused_in_bounded_memory(name: str) -> None:
    tracemalloc.start()
    try:
        _refusal(BAD / name)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert peak < PEAK_BYTES


def test_huge_file_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    person = "    - someone@example.com\n"
    path.write_text("assign:\n  people:\n" + person * (3 * MAX_BYTES // len(person)))

    tracemalloc.start()
    try:
        error, seconds = _refusal(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert [str(problem) for problem in error.problems] == [
        f"{path}:1:1: the file is larger than the 1 MiB limit; a setup file is a "
        "few kilobytes: check that this is the right file"
    ]
    assert seconds < SECONDS
    assert peak < 2 * MAX_BYTES + PEAK_BYTES


def test_endless_file_is_refused_after_reading_the_limit() -> None:
    # A character device never ends; only the limit stops the read.
    path = Path("/dev/zero")
    if not path.exists():
        pytest.skip("no /dev/zero on this system")

    error, seconds = _refusal(path)

    assert "larger than the 1 MiB limit" in str(error)
    assert seconds < SECONDS


def test_file_just_under_the_limit_is_read_in_bounded_time(tmp_path: Path) -> None:
    path = tmp_path / "large.yaml"
    head = (
        "okta: {org_url: https://acme.okta.com}\n"
        "provisioning:\n"
        "  scim_base_url: https://agora.example.com/scim/v2\n"
        "  token: env:AGORA_SCIM_TOKEN\n"
        "assign:\n  people:\n"
    )
    people: list[str] = []
    size = len(head)
    while size < MAX_BYTES - 100:
        line = f"    - person{len(people)}@example.com\n"
        people.append(line)
        size += len(line)
    path.write_text(head + "".join(people))

    started = time.perf_counter()
    loaded = load_config(path)

    assert len(loaded.config.assign.people) == len(people)
    assert time.perf_counter() - started < 15 * SECONDS

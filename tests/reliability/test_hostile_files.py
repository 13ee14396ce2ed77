"""Unusual but valid values go all the way through apply on the sandbox;
hostile files that the config tests refuse offline are refused by every
command before any request (the 64 files of tests/config/bad/ go through
tests/e2e/test_bad_input.py; the huge and endless ones are made here)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Cli
from reliability_support import (
    OKTA_TOKEN,
    app_ids,
    check_guarantees,
    desired,
    play_admin,
    write,
)

from agora_okta.config import MAX_BYTES
from agora_okta.sandbox import Sandbox, SandboxSettings

SCIM_URL = "https://agora.example.com/scim/v2"
# Cyrillic, Japanese and an en dash on purpose: a label as an admin may write it.
LABEL = "Агора ✓ アゴラ – Zürich"  # noqa: RUF001
EMAILS = [
    "alice+agora@example.com",
    "o'brien@example.co.uk",
    "first.last@sub.example.com",
    "user_name-1@example.io",
    "!#$%&'*+/=?^_`{|}~-@example.com",
    "jörg@bücher.example",
    "用户@例子.广告",
    "x@xn--bcher-kva.example",
    "UPPER@EXAMPLE.COM",
    f"{'l' * 64}@example.com",
]
GROUPS = ["Ingeniería & Diseño", "R&D (EU)", 'Quote "Team"', "Back\\slash"]


@pytest.fixture
def org() -> Iterator[Sandbox]:
    users = [
        {"email": email, "first_name": "Un", "last_name": "Usual"} for email in EMAILS
    ]
    groups = [{"name": name, "members": [EMAILS[i]]} for i, name in enumerate(GROUPS)]
    seed = {"users": users, "groups": groups}
    with Sandbox(SandboxSettings(seed=seed, token=OKTA_TOKEN)) as sandbox:
        yield sandbox


def test_unusual_emails_group_names_and_a_unicode_label_apply_as_written(
    cli: Cli, org: Sandbox, tmp_path: Path
) -> None:
    data = desired(
        org.url,
        SCIM_URL,
        persons=EMAILS,
        push=[GROUPS[0], GROUPS[2]],
        groups=[GROUPS[1], GROUPS[3]],
        label=LABEL,
    )
    data["push_groups"][1] = {"group": GROUPS[2], "role": "研究開発"}
    path = str(write(tmp_path / "agora-okta.yaml", data))

    assert cli("apply", "--yes", "--skip-scim-check", path).code == 3
    (app_id,) = app_ids(org, LABEL)
    play_admin(org, app_id, SCIM_URL)
    result = cli("apply", "--yes", "--skip-scim-check", path)

    assert result.code == 0, result.err
    assert cli("plan", "--detailed-exitcode", "--skip-scim-check", path).code == 0
    data["push_groups"][1] = GROUPS[2]
    check_guarantees(org, data)
    assert (org.org.app(app_id) or {}).get("label") == LABEL
    # Every person is assigned under the address Okta holds for them.
    users = [org.org.user_id(email) for email in EMAILS]
    assert None not in users


@pytest.mark.parametrize("command", ["validate", "plan", "apply", "check-scim"])
def test_a_huge_file_is_refused_by_every_command_before_any_request(
    cli: Cli, org: Sandbox, tmp_path: Path, command: str
) -> None:
    path = tmp_path / "huge.yaml"
    head = f"okta:\n  org_url: {org.url}\n"
    path.write_text(head + "# padding\n" * (MAX_BYTES // 10 + 1))
    argv = [command, *(["--yes"] if command == "apply" else []), str(path)]

    result = cli(*argv)

    assert result.code == 1
    assert f"{path}:" in result.err
    assert "Traceback" not in result.err
    assert org.requests() == []

"""Seed files, settings checks, and ids that repeat for the same seed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agora_okta.sandbox import Sandbox, SandboxSettings, load_seed

from .conftest import SandboxFactory, client, raw, run

YAML_SEED = """\
users:
  - {email: alice@example.com, first_name: Alice, last_name: Liddell}
  - id: 00uRawUser0000000001
    status: SUSPENDED
    profile: {login: raw@example.com, email: raw@example.com, shoeSize: 44}
groups:
  - {name: Engineering, members: [alice@example.com, raw@example.com]}
apps:
  - id: 0oaRawApp00000000001
    label: Agora
    status: INACTIVE
    signOnMode: SOMETHING_NEW
"""


def test_yaml_and_json_seeds_load_the_same(tmp_path: Path) -> None:
    yaml_file = tmp_path / "seed.yaml"
    yaml_file.write_text(YAML_SEED)
    from_yaml = load_seed(yaml_file)
    json_file = tmp_path / "seed.json"
    json_file.write_text(json.dumps(from_yaml))

    assert load_seed(json_file) == from_yaml
    assert from_yaml["users"][1]["profile"]["shoeSize"] == 44


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("users: {}", "users must be a list"),
        ("people: []", "unknown section"),
        ("users:\n  - {first_name: A}", "users[0]: 'email' is missing"),
        ("users:\n  - {email: a@x.io, age: 3}", "users[0]: unknown key(s) ['age']"),
        ("users:\n  - {profile: {email: a@x.io}}", "users[0]: a raw user needs"),
        ("groups:\n  - {members: []}", "groups[0]: 'name' is missing"),
        ("apps:\n  - {name: x}", "apps[0]: an app needs a label"),
        ("users: [", "not valid YAML or JSON"),
        ("- 1", "must be a mapping"),
    ],
)
def test_bad_seed_files_say_what_is_wrong(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(text)

    with pytest.raises(ValueError) as caught:
        load_seed(path)

    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_missing_seed_file_is_a_value_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read the seed file"):
        load_seed(tmp_path / "absent.yaml")


@pytest.mark.parametrize(
    ("seed", "message"),
    [
        ({"groups": [{"name": "G", "members": ["nobody@x.io"]}]}, "not a seeded user"),
        ({"users": [{"email": "a@x.io"}, {"email": "A@x.io"}]}, "two users"),
    ],
)
def test_seed_that_cannot_be_an_org_is_refused(
    seed: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Sandbox(SandboxSettings(seed=seed))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"time_scale": 0}, "time_scale"),
        ({"fault_rate": 1.5}, "fault_rate"),
        ({"latency_ms": (20, 10)}, "latency_ms"),
        ({"bucket_limits": {"apps_family": 5}}, "unknown bucket"),
        ({"rate_limits": "strict"}, "rate_limits"),
        ({"token": ""}, "token"),
    ],
)
def test_settings_that_cannot_work_are_refused(
    settings: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Sandbox(SandboxSettings(**settings))


def test_raw_objects_come_back_as_given(
    make_sandbox: SandboxFactory, tmp_path: Path
) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(YAML_SEED)
    seed = load_seed(path)
    sandbox = make_sandbox(seed=seed)
    (engineering,) = sandbox.org.group_ids_named("Engineering")

    async def scenario() -> tuple[Any, Any, Any]:
        okta = client(sandbox)
        base = f"{sandbox.url}/api/v1"
        user = await raw(okta, "GET", f"{base}/users/00uRawUser0000000001")
        app = await raw(okta, "GET", f"{base}/apps/0oaRawApp00000000001")
        app_id = app.body["id"]
        await raw(okta, "PUT", f"{base}/apps/{app_id}/groups/{engineering}", {})
        members = await raw(okta, "GET", f"{base}/apps/{app_id}/users")
        return user, app, members

    user, app, members = run(scenario)

    assert user.body == seed["users"][1]
    assert app.body == seed["apps"][0]
    assert {m["id"] for m in members.body} == {
        sandbox.org.user_id("alice@example.com"),
        "00uRawUser0000000001",
    }


def test_ids_repeat_for_the_same_seed_and_random_seed() -> None:
    seed = {
        "users": [{"email": f"u{n}@x.io"} for n in range(3)],
        "groups": [{"name": "G"}],
    }

    def ids(random_seed: int | None) -> list[str]:
        sandbox = Sandbox(SandboxSettings(seed=seed, random_seed=random_seed))
        org = sandbox.org
        found = [org.user_id(f"u{n}@x.io") or "" for n in range(3)]
        found += org.group_ids_named("G")
        org.reset()
        assert [org.user_id(f"u{n}@x.io") for n in range(3)] == found[:3]
        return found

    assert ids(3) == ids(3)
    assert ids(3) != ids(4)
    assert all(i.startswith("00u") and len(i) == 20 for i in ids(None)[:3])

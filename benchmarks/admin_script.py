"""The same setup as a plain script an admin would write with the okta SDK.

The benchmark runs it beside ``agora-okta`` to show what the tool saves. It
does what such scripts do: find the app by label, then for each push group
and each group look the group up and make one request, and for each person
look the person up and assign them, one at a time, with the SDK's typed
methods and its own handling of 429 answers (wait for the reset, try again,
twice at most). ``--check`` is the script's dry run: it asks Okta, person by
person and group by group, whether each is assigned already.

    OKTA_API_TOKEN=... python benchmarks/admin_script.py ORG_URL SPEC.json
        [--check] [--time-scale N]

``SPEC.json``: ``{"label": ..., "people": [...], "groups": [...],
"push_groups": [...]}``. It prints one JSON line: what it did.

``--time-scale N``: the sandbox's clock runs N times faster than real time,
and the SDK's wait after a 429 (``X-Rate-Limit-Reset`` - ``Date`` + 1, in
seconds) is shortened N times like every other wait. Nothing else differs
from the SDK's defaults.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from okta.client import Client
from okta.models import (
    AppUserAssignRequest,
    CreateGroupPushMappingRequest,
)
from okta.request_executor import RequestExecutor


def _follow_time_scale(scale: float) -> None:
    """The SDK sleeps Reset - Date + 1 real seconds after a 429; on a sandbox
    whose clock runs ``scale`` times faster, that wait is ``scale`` times
    shorter, as are all of Okta's waits there."""
    pause = RequestExecutor.pause_for_backoff

    async def scaled(self: RequestExecutor, backoff_time: float) -> None:
        await pause(self, float(backoff_time) / scale)  # type: ignore[no-untyped-call]

    RequestExecutor.pause_for_backoff = scaled  # type: ignore[method-assign]


def _ok(result: tuple[Any, ...], what: str) -> Any:
    """The SDK answers (value, response, error) or, for no value, fewer."""
    error = result[-1]
    if error is not None:
        raise SystemExit(f"{what}: {error}")
    return result[0]


async def _find_app(client: Any, label: str) -> Any:
    apps = _ok(await client.list_applications(q=label), "list apps")
    found = [app for app in apps if app.label == label]
    if len(found) != 1:
        raise SystemExit(f"{len(found)} apps labelled {label!r}")
    return found[0]


async def _find_group(client: Any, name: str) -> Any:
    search = f'profile.name eq "{name}"'
    groups = _ok(await client.list_groups(search=search), f"find group {name}")
    # The SDK wraps a group's profile (anyOf): the fields sit in actual_instance.
    found = [
        g
        for g in groups
        if getattr(g.profile.actual_instance, "name", None) == name
        and g.type != "APP_GROUP"
    ]
    if len(found) != 1:
        raise SystemExit(f"{len(found)} groups named {name!r}")
    return found[0]


async def apply(client: Any, spec: dict[str, Any]) -> dict[str, int]:
    """Push groups, assign groups, assign people: one request each."""
    app = await _find_app(client, spec["label"])
    done = {"push_groups": 0, "groups": 0, "people": 0}
    for name in spec["push_groups"]:
        group = await _find_group(client, name)
        body = CreateGroupPushMappingRequest.from_dict(
            {"sourceGroupId": group.id, "targetGroupName": name, "status": "ACTIVE"}
        )
        _ok(await client.create_group_push_mapping(app.id, body), f"push {name}")
        done["push_groups"] += 1
    for name in spec["groups"]:
        group = await _find_group(client, name)
        _ok(await client.assign_group_to_application(app.id, group.id), name)
        done["groups"] += 1
    for email in spec["people"]:
        user = _ok(await client.get_user(email), f"find {email}")
        body = AppUserAssignRequest.from_dict({"id": user.id, "scope": "USER"})
        _ok(await client.assign_user_to_application(app.id, body), f"assign {email}")
        done["people"] += 1
    return done


async def check(client: Any, spec: dict[str, Any]) -> dict[str, int]:
    """Ask Okta whether each group and person is assigned (the dry run)."""
    app = await _find_app(client, spec["label"])
    mappings = _ok(
        await client.list_group_push_mappings(app.id, limit=1000), "list mappings"
    )
    pushed = {m.source_group_id for m in mappings}
    missing = {"push_groups": 0, "groups": 0, "people": 0}
    for name in spec["push_groups"]:
        group = await _find_group(client, name)
        missing["push_groups"] += group.id not in pushed
    for name in spec["groups"]:
        group = await _find_group(client, name)
        result = await client.get_application_group_assignment(app.id, group.id)
        missing["groups"] += result[-1] is not None
    for email in spec["people"]:
        user = _ok(await client.get_user(email), f"find {email}")
        result = await client.get_application_user(app.id, user.id)
        missing["people"] += result[-1] is not None
    return missing


async def main_async(org_url: str, spec: dict[str, Any], dry_run: bool) -> None:
    client = Client({"orgUrl": org_url, "token": os.environ["OKTA_API_TOKEN"]})
    result = await (check if dry_run else apply)(client, spec)
    print(json.dumps({"check" if dry_run else "apply": result}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("org_url")
    parser.add_argument("spec", type=Path)
    parser.add_argument("--check", action="store_true", help="dry run")
    parser.add_argument("--time-scale", type=float, default=1.0)
    args = parser.parse_args()
    if args.time_scale != 1.0:
        _follow_time_scale(args.time_scale)
    spec = json.loads(args.spec.read_text(encoding="utf-8"))
    asyncio.run(main_async(args.org_url, spec, args.check))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

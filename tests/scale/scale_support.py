"""What the scale tests share: a sandbox with Okta's realistic limits on a
fast clock, the file, and the request log counted.

Counts, never timings: the number of requests a plan or an apply sends for a
given org is exact and the same on any machine, so a change that costs more
requests fails here. How long they take is the benchmark's business
(``benchmarks/run.py``).
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agora_okta.adapter.org import saml_app_body
from agora_okta.sandbox import Sandbox

OKTA_TOKEN = "00scale-okta-api-token-ABCDEFGHIJKLMNOPQR"
LABEL = "Agora"
ACS_URL = "https://agora.example.com/saml/acs"
AUDIENCE = "https://agora.example.com"
SCIM_URL = "https://agora.example.com/scim/v2"
# One Okta minute in a tenth of a real second: an apply of a thousand changes
# waits out twenty windows in about two seconds.
TIME_SCALE = 600.0


@dataclass
class Result:
    code: int
    out: str
    err: str


Cli = Callable[..., Result]
SandboxFactory = Callable[..., Sandbox]


def email(n: int) -> str:
    return f"user{n:04}@example.com"


def group(g: int) -> str:
    return f"group-{g:03}"


def seed(users: int, groups: int) -> dict[str, Any]:
    """Users user0000@example.com...; groups group-000... without members, so
    that the app's users are exactly the people assigned."""
    return {
        "users": [
            {"email": email(n), "first_name": "User", "last_name": f"N{n}"}
            for n in range(users)
        ],
        "groups": [{"name": group(g), "members": []} for g in range(groups)],
    }


def desired(url: str, people: list[str], groups: int) -> dict[str, Any]:
    names = [group(g) for g in range(groups)]
    return {
        "okta": {"org_url": url},
        "app": {"label": LABEL, "sso": {"acs_url": ACS_URL, "audience": AUDIENCE}},
        "provisioning": {"scim_base_url": SCIM_URL, "token": "env:AGORA_SCIM_TOKEN"},
        "push_groups": names,
        "assign": {"groups": names, "people": people},
    }


def set_up_app(sandbox: Sandbox) -> None:
    """The app as apply makes it, and the console steps done by the admin."""
    body = json.dumps(saml_app_body(LABEL, ACS_URL, AUDIENCE, True)).encode()
    request = urllib.request.Request(
        f"{sandbox.url}/api/v1/apps?activate=true",
        data=body,
        method="POST",
        headers={
            "Authorization": f"SSWS {sandbox.token}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        app = json.loads(answer.read())
    sandbox.play_admin(app["id"], SCIM_URL, "scale-scim-token")


def counted(org: Sandbox, since: int) -> Counter[tuple[str, str]]:
    """Requests since ``since``, by method and path with ids made generic."""
    found: Counter[tuple[str, str]] = Counter()
    for entry in org.requests()[since:]:
        path = re.sub(r"/(0oa|00u|00g|gPm)[A-Za-z0-9]+", r"/{\1}", entry["path"])
        found[(entry["method"], path)] += 1
    return found


def statuses(org: Sandbox, since: int) -> Counter[int]:
    return Counter(entry["status"] for entry in org.requests()[since:])

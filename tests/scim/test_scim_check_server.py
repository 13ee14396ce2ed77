"""The SCIM check against a real SCIM 2.0 server (scim2-server) on 127.0.0.1."""

from __future__ import annotations

import pytest
from scim_support import Run, ScimServer, free_port

LOOPBACK_WARNING = (
    "! Plain http to a loopback address: accepted for a local SCIM server; "
    "Okta itself requires https"
)
CONNECTOR_TEST = "Okta's connector test — GET /Users?startIndex=1&count=2"


def test_good_token_passes_every_check(scim_server: ScimServer, run_check: Run) -> None:
    report, lines = run_check(scim_server.base_url, token_ref="env:AGORA_SCIM_TOKEN")

    assert report.ok
    assert [r.name for r in report.results] == [
        "transport",
        "list-users",
        "filter-users",
        "filter-groups",
        "service-provider-config",
    ]
    assert lines == [
        f"SCIM endpoint {scim_server.base_url}",
        LOOPBACK_WARNING,
        f"✓ {CONNECTOR_TEST}: a SCIM ListResponse, 0 users",
        "✓ User lookup — GET /Users?filter=userName eq "
        '"agora-okta-check@example.invalid": answered, nothing matches',
        '✓ Push group lookup — GET /Groups?filter=displayName eq "agora-okta-check": '
        "answered, nothing matches",
        "✓ Server features — GET /ServiceProviderConfig: filter supported "
        "(max 1000), patch supported, bulk supported (max 1000)",
        "4 checks passed, 1 warning.",
    ]


def test_wrong_token_is_refused(scim_server: ScimServer, run_check: Run) -> None:
    report, lines = run_check(
        scim_server.base_url, token="not-the-agora-token", token_ref="keyring:agora"
    )

    assert not report.ok
    assert lines[2:] == [
        f"✗ {CONNECTOR_TEST}",
        "    cause: 401 Unauthorized: the SCIM server refused the token (the server "
        'says "Authorization failure. The authorization header is invalid or '
        'missing")',
        "    fix:   check that the token reference keyring:agora holds Agora's "
        "current SCIM token, with SCIM access",
        "1 check failed.",
    ]


@pytest.mark.parametrize(
    ("path", "fix"),
    [
        ("/v1", "SCIM 2.0 base URLs end in /v2, usually /scim/v2: try {root}/v2"),
        ("/v2/Users", "remove /Users from the end, Okta appends it: try {root}/v2"),
        (
            "/scim/v2",
            "copy the base URL from Agora's SCIM settings; it usually looks like "
            "https://HOST/scim/v2",
        ),
    ],
)
def test_wrong_base_path_suggests_the_fix(
    scim_server: ScimServer, run_check: Run, path: str, fix: str
) -> None:
    report, lines = run_check(scim_server.root + path)

    assert not report.ok
    assert lines[2] == f"✗ {CONNECTOR_TEST}"
    assert lines[3].startswith(
        "    cause: 404 Not Found: no SCIM endpoint at this base URL"
    )
    assert lines[4] == "    fix:   " + fix.format(root=scim_server.root)
    assert [r.name for r in report.results] == ["transport", "list-users"]


def test_server_down_is_connection_refused(run_check: Run) -> None:
    port = free_port()

    report, lines = run_check(f"http://127.0.0.1:{port}/scim/v2")

    assert not report.ok
    assert lines[1:] == [
        LOOPBACK_WARNING,
        f"✗ Connect to http://127.0.0.1:{port}",
        f"    cause: connection refused by 127.0.0.1:{port}: nothing listens there",
        "    fix:   check the host and port in the base URL, and that the SCIM "
        "server runs",
        "1 check failed.",
    ]


def test_https_to_a_plain_http_port_fails_the_handshake(
    scim_server: ScimServer, run_check: Run
) -> None:
    url = f"https://127.0.0.1:{scim_server.port}/v2"

    report, lines = run_check(url)

    assert not report.ok
    assert lines[1:3] == [
        f"✗ Connect to https://127.0.0.1:{scim_server.port}",
        f"    cause: TLS handshake with 127.0.0.1:{scim_server.port} failed "
        "(WRONG_VERSION_NUMBER)",
    ]

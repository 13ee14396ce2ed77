"""The SCIM check against answers a real SCIM server would not give, from a stub."""

from __future__ import annotations

import time
from typing import Any

import pytest
from scim_support import (
    EMPTY_LIST,
    FIXTURES,
    LIST_RESPONSE,
    SCIM_TOKEN,
    Reply,
    Run,
    StubFactory,
    scim_route,
)

CONNECTOR_TEST = "Okta's connector test — GET /Users?startIndex=1&count=2"


def test_every_request_is_a_get_with_the_token(
    stub: StubFactory, run_check: Run, caplog: pytest.LogCaptureFixture
) -> None:
    server = stub()

    report, lines = run_check(server.base_url, probe_user="a@b.example")

    assert report.ok
    assert server.requests == [
        ("GET", "/scim/v2/Users?startIndex=1&count=2", True),
        ("GET", "/scim/v2/Users?filter=userName%20eq%20%22a%40b.example%22", True),
        (
            "GET",
            "/scim/v2/Groups?filter=displayName%20eq%20%22agora-okta-check%22",
            True,
        ),
        ("GET", "/scim/v2/ServiceProviderConfig", True),
    ]
    # One log line a request: the token's absence from the logs is no accident.
    assert caplog.text.count("get url=") == 4
    assert lines[-2:] == [
        "✓ Server features — GET /ServiceProviderConfig: filter supported (max 200), "
        "patch not supported, bulk not supported",
        "4 checks passed, 1 warning.",
    ]


def test_groups_are_looked_up_only_when_groups_are_pushed(
    stub: StubFactory, run_check: Run
) -> None:
    server = stub()

    report, lines = run_check(server.base_url, check_groups=False)

    assert report.ok
    assert "filter-groups" not in [r.name for r in report.results]
    assert not [path for _, path, _ in server.requests if "/Groups" in path]
    assert not [line for line in lines if "Push group lookup" in line]
    assert lines[-1] == "3 checks passed, 1 warning."


def test_slow_server_times_out(stub: StubFactory, run_check: Run) -> None:
    server = stub(lambda path: Reply(body=EMPTY_LIST, delay=3))
    port = server.base_url.split(":")[2].split("/")[0]

    started = time.monotonic()
    report, lines = run_check(server.base_url, timeout=0.5)
    elapsed = time.monotonic() - started

    assert not report.ok
    assert elapsed < 2
    assert lines[2:] == [
        f"✗ Connect to http://127.0.0.1:{port}",
        f"    cause: no answer from 127.0.0.1:{port} within 0.5 s",
        "    fix:   check that the server is up and reachable from here (firewall, "
        "VPN, proxy); Okta's requests to a server this slow may time out too",
        "1 check failed.",
    ]


def test_html_page_is_named_as_such(stub: StubFactory, run_check: Run) -> None:
    page = (FIXTURES / "login-page.html").read_bytes()
    server = stub(lambda path: Reply(body=page, content_type="text/html"))

    report, lines = run_check(server.base_url)

    assert not report.ok
    assert lines[2:] == [
        f"✗ {CONNECTOR_TEST}",
        '    cause: the answer is an HTML page titled "Sign in to Agora", '
        "not SCIM JSON",
        "    fix:   perhaps a login page or a wrong URL: the base URL must point at "
        "the SCIM API, not at Agora's web pages",
        "1 check failed.",
    ]
    assert len(server.requests) == 1


def test_malformed_json_says_where(stub: StubFactory, run_check: Run) -> None:
    body = (FIXTURES / "malformed-list.json").read_bytes()
    server = stub(lambda path: Reply(body=body))

    report, lines = run_check(server.base_url)

    assert not report.ok
    assert lines[2:4] == [
        f"✗ {CONNECTOR_TEST}",
        "    cause: the answer is malformed JSON: Expecting ',' delimiter at line 3 "
        "column 2 (character 88)",
    ]


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        (
            {"totalResults": 0, "Resources": []},
            f"not a SCIM ListResponse: schemas does not hold {LIST_RESPONSE}",
        ),
        (
            {"schemas": [LIST_RESPONSE], "totalResults": "0"},
            "not a SCIM ListResponse: totalResults is not a whole number",
        ),
        (
            {"schemas": [LIST_RESPONSE], "totalResults": 3},
            "totalResults is 3 but Resources is not a list",
        ),
        ([], "the answer is JSON but not an object, so not a SCIM ListResponse"),
    ],
)
def test_not_a_list_response(
    stub: StubFactory, run_check: Run, body: Any, cause: str
) -> None:
    server = stub(
        lambda path: Reply(body=body) if "/Users" in path else scim_route(path)
    )

    report, lines = run_check(server.base_url)

    assert not report.ok
    assert f"✗ {CONNECTOR_TEST}" in lines
    assert f"    cause: {cause}" in lines


def test_empty_list_without_resources_is_accepted(
    stub: StubFactory, run_check: Run
) -> None:
    listing = {"schemas": [LIST_RESPONSE], "totalResults": 0}
    server = stub(
        lambda path: Reply(body=listing) if "/Users" in path else scim_route(path)
    )

    report, lines = run_check(server.base_url)

    assert report.ok
    assert f"✓ {CONNECTOR_TEST}: a SCIM ListResponse, 0 users" in lines


def test_redirect_to_another_host_is_not_followed(
    stub: StubFactory, run_check: Run, network_calls: list[tuple[str, str]]
) -> None:
    target = "https://collector.example.net/scim/v2/Users?from=agora"
    server = stub(lambda path: Reply(302, headers={"Location": target}))

    report, lines = run_check(server.base_url)

    assert not report.ok
    assert lines[2:] == [
        f"✗ {CONNECTOR_TEST}",
        "    cause: 302: the server redirects to another address, "
        f'"{target}"; redirects are not followed, so that the token goes nowhere else',
        "    fix:   if that address is Agora's SCIM endpoint, make it the base URL "
        "(less /Users)",
        "1 check failed.",
    ]
    assert len(server.requests) == 1
    assert not [call for call in network_calls if "collector" in call[1]]


def test_redirect_on_the_same_host_is_reported(
    stub: StubFactory, run_check: Run
) -> None:
    server = stub(lambda path: Reply(301, headers={"Location": "/scim/v2/Users/"}))
    origin = server.base_url.removesuffix("/scim/v2")

    report, lines = run_check(server.base_url)

    assert not report.ok
    assert lines[3] == (
        "    cause: 301: the server redirects to another path, "
        f'"{origin}/scim/v2/Users/"; redirects are not followed, so that the token '
        "goes nowhere else"
    )


@pytest.mark.parametrize(
    ("status", "cause", "fix"),
    [
        (
            403,
            "403 Forbidden: the SCIM server accepted the token but denies access",
            "check that the token reference holds Agora's current SCIM token, with "
            "SCIM access",
        ),
        (
            500,
            "500 Internal Server Error: the SCIM server, or a proxy in front of it, "
            "failed",
            "try again later; if it persists, ask Agora's support",
        ),
        (
            503,
            "503 Service Unavailable: the SCIM server, or a proxy in front of it, "
            "failed",
            "try again later; if it persists, ask Agora's support",
        ),
    ],
)
def test_refusals_and_server_errors(
    stub: StubFactory, run_check: Run, status: int, cause: str, fix: str
) -> None:
    server = stub(lambda path: Reply(status, b"", content_type="text/plain"))

    report, lines = run_check(server.base_url)

    assert not report.ok
    assert lines[2:] == [
        f"✗ {CONNECTOR_TEST}",
        f"    cause: {cause}",
        f"    fix:   {fix}",
        "1 check failed.",
    ]


def test_a_token_echoed_by_the_server_is_scrubbed(
    stub: StubFactory, run_check: Run
) -> None:
    echo = {"detail": f"bad header: Authorization: Bearer {SCIM_TOKEN}"}
    server = stub(lambda path: Reply(500, echo))

    report, lines = run_check(server.base_url)

    assert not report.ok
    assert lines[3] == (
        "    cause: 500 Internal Server Error: the SCIM server, or a proxy in front "
        'of it, failed (the server says "bad header: Authorization: Bearer [token]")'
    )


def test_missing_service_provider_config_is_a_warning(
    stub: StubFactory, run_check: Run
) -> None:
    def route(path: str) -> Reply:
        if path.endswith("/ServiceProviderConfig"):
            return Reply(404, b"Not Found", content_type="text/plain")
        return scim_route(path)

    server = stub(route)

    report, lines = run_check(server.base_url)

    assert report.ok
    assert lines[-2:] == [
        "! Server features — GET /ServiceProviderConfig: not offered (404); Okta does "
        "not request it, so provisioning is not affected",
        "3 checks passed, 2 warnings.",
    ]


def test_a_filter_the_server_refuses_fails_the_lookup(
    stub: StubFactory, run_check: Run
) -> None:
    refusal = {"status": "400", "scimType": "invalidFilter", "detail": "no filters"}

    def route(path: str) -> Reply:
        return Reply(400, refusal) if "filter=" in path else scim_route(path)

    server = stub(route)

    report, lines = run_check(server.base_url)

    assert not report.ok
    assert [r.name for r in report.results if not r.ok] == [
        "filter-users",
        "filter-groups",
    ]
    assert lines[3:6] == [
        "✗ User lookup — GET /Users?filter=userName eq "
        '"agora-okta-check@example.invalid"',
        '    cause: 400 Bad Request (the server says "no filters")',
        "    fix:   check the base URL and what the server says",
    ]

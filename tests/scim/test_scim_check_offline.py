"""What the SCIM check refuses before it sends anything, and how it words failures."""

from __future__ import annotations

import socket

import pytest
from scim_support import Run

from agora_okta.scim_check import (
    CheckResult,
    ScimReport,
    _parse_base_url,
    _unreachable,
    render_report,
)


def test_plain_http_to_another_host_is_refused_before_any_request(
    run_check: Run, network_calls: list[tuple[str, str]]
) -> None:
    report, lines = run_check("http://agora.example.com/scim/v2")

    assert not report.ok
    assert lines == [
        "SCIM endpoint http://agora.example.com/scim/v2",
        "✗ Plain http to agora.example.com",
        "    cause: Okta requires https, and plain http would expose the token on "
        "the way",
        "    fix:   use the https address of Agora's SCIM endpoint, e.g. "
        "https://agora.example.com/scim/v2",
        "1 check failed.",
    ]
    assert network_calls == []


@pytest.mark.parametrize(
    ("token", "cause"),
    [
        ("scim-token-from-a-file\n", "the token holds a line break at the end"),
        (" scim-token-with-a-space", "the token holds a space at the start"),
        ("scim-token\r\nX-Injected: yes", "the token holds a line break inside"),
        ("scim-tökén-with-accents", "the token holds a non-ASCII character inside"),
        ("", "the token is empty"),
    ],
)
def test_a_token_a_header_cannot_carry_is_refused_before_any_request(
    run_check: Run, network_calls: list[tuple[str, str]], token: str, cause: str
) -> None:
    report, lines = run_check("https://agora.example.com/scim/v2", token=token)

    assert not report.ok
    assert lines[1].startswith("✗ Token")
    assert lines[2].startswith(f"    cause: {cause}")
    assert network_calls == []


@pytest.mark.parametrize(
    ("base_url", "cause"),
    [
        ("agora.example.com/scim/v2", "is not an https URL"),
        ("ftp://agora.example.com/scim/v2", "is not an https URL"),
        ("https://admin:hunter2@agora.example.com/scim/v2", "holds a user name"),
        ("https://agora.example.com/scim/v2?tenant=1", "has a query string"),
        ("https://agora.example.com:99999/scim/v2", "port in the base URL"),
    ],
)
def test_base_url_problems_are_found_before_any_request(
    run_check: Run, network_calls: list[tuple[str, str]], base_url: str, cause: str
) -> None:
    report, lines = run_check(base_url)

    assert not report.ok
    assert lines[1] == "✗ Base URL"
    assert cause in lines[2]
    assert "hunter2" not in "\n".join(lines)
    assert network_calls == []


def test_a_name_that_does_not_resolve_is_worded() -> None:
    # No lookup here: the test builds the resolver's error itself.
    target = _parse_base_url("https://agora.example.com/scim/v2")
    error = socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    failure = _unreachable(error, target, 10.0)

    assert failure.detail == (
        "cannot resolve the host name agora.example.com (Name or service not known)"
    )
    assert failure.fix.startswith("check the host name in the base URL")


def test_the_report_reads_the_same_with_and_without_colour() -> None:
    report = ScimReport(
        "https://agora.example.com/scim/v2",
        [
            CheckResult("transport", "https to agora.example.com", True, detail="ok"),
            CheckResult(
                "list-users", "Okta's connector test", False, False, "401", "x"
            ),
        ],
    )

    plain = render_report(report, color=False)
    coloured = render_report(report, color=True)

    assert "\x1b[" not in plain
    assert "\x1b[31m✗\x1b[0m Okta's connector test" in coloured
    for code in ("\x1b[31m", "\x1b[32m", "\x1b[0m"):
        coloured = coloured.replace(code, "")
    assert coloured == plain
    assert not report.ok

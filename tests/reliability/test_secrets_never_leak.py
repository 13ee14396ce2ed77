"""The Okta API token and the SCIM token never show: not in stdout, stderr,
any log record (the okta SDK's own, which logs request headers at DEBUG),
plans in any format, error messages or tracebacks, at the highest verbosity.
And the token goes to the org's host only: a redirect or a ``next`` link to
another host is refused before anything is sent there.

The search looks for any ten characters in a row of either token, so that a
token cut short or wrapped across lines is found too.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from conftest import Cli, Result
from multidict import CIMultiDict
from reliability_support import (
    OKTA_TOKEN,
    Meddler,
    Recorder,
    answer,
    app_ids,
    desired,
    people,
    play_admin,
    rewrite,
    seed,
    tokens_in,
    write,
)
from scim_support import SCIM_TOKEN, ScimServer

from agora_okta import cli as cli_module
from agora_okta import redact
from agora_okta.sandbox import Sandbox, SandboxSettings

OTHER_SECRET = "an0ther-secret-value-shown-by-name"


class Transcript:
    """Everything the commands printed, and which commands ran."""

    def __init__(self, cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
        self._cli = cli
        self._monkeypatch = monkeypatch
        self.text: list[str] = []
        self.commands: list[str] = []

    def run(self, *argv: str, code: int = 0, stdin: str | None = None) -> Result:
        if stdin is not None:
            self._monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
        result = self._cli("-vv", *argv)
        self.text += [result.out, result.err]
        self.commands.append(" ".join(a for a in argv if not a.startswith("/")))
        assert result.code == code, (argv, result.err[-2000:])
        return result


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    caplog.set_level(logging.DEBUG)
    yield caplog


def all_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every record as any handler could write it: message, traceback, stack."""
    parts = [caplog.text]
    for record in caplog.records:
        parts += [record.getMessage(), record.exc_text or "", record.stack_info or ""]
        parts += [str(arg) for arg in (record.args or ())]
    return "\n".join(parts)


def test_no_command_shows_a_token_at_the_highest_verbosity(
    cli: Cli,
    scim_server: ScimServer,
    tmp_path: Path,
    debug_logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    log = Transcript(cli, monkeypatch)
    with Sandbox(SandboxSettings(seed=seed(4), token=OKTA_TOKEN)) as org:
        data = desired(
            org.url,
            scim_server.base_url,
            persons=people(3),
            push=["Engineering"],
            groups=["Sales"],
        )
        path = str(write(tmp_path / "agora-okta.yaml", data))
        log.run("validate", path)
        log.run("schema")
        for fmt in ("text", "markdown", "json"):
            log.run("plan", "--format", fmt, path)
        log.run("plan", "--detailed-exitcode", path, code=2)
        log.run("check-scim", path)

        log.run("apply", "--yes", "--format", "text", path, code=3)
        (app_id,) = app_ids(org)
        play_admin(org, app_id, scim_server.base_url)
        log.run("apply", "--yes", "--format", "markdown", path)
        data["assign"]["people"] = people(4)
        write(tmp_path / "agora-okta.yaml", data)
        log.run("apply", "--yes", "--format", "json", path)
        log.run("apply", "--yes", "--format", "json", path)

        # Both tokens from the keyring instead of the environment.
        log.run("secrets", "set", "okta-api-token", "--stdin", stdin=OKTA_TOKEN + "\n")
        log.run(
            "secrets", "set", "agora-scim-token", "--stdin", stdin=SCIM_TOKEN + "\n"
        )
        log.run("secrets", "set", "other-name", "--stdin", stdin=OTHER_SECRET + "\n")
        listed = log.run("secrets", "list")
        assert listed.out.split() == [
            "agora-scim-token",
            "okta-api-token",
            "other-name",
        ]
        shown = log.run("secrets", "show", "other-name")
        assert shown.out == OTHER_SECRET + "\n"
        log.run("secrets", "delete", "other-name")
        log.run("secrets", "show", "other-name", code=1)
        monkeypatch.delenv("OKTA_API_TOKEN")
        monkeypatch.delenv("AGORA_SCIM_TOKEN")
        data["provisioning"]["token"] = "keyring:agora-scim-token"
        write(tmp_path / "agora-okta.yaml", data)
        for fmt in ("text", "markdown", "json"):
            log.run("plan", "--format", fmt, path)
        log.run("check-scim", path)
        monkeypatch.setenv("OKTA_API_TOKEN", OKTA_TOKEN)
        monkeypatch.setenv("AGORA_SCIM_TOKEN", SCIM_TOKEN)

        # Refusals: a wrong token (401), and a SCIM token Agora refuses.
        monkeypatch.setenv("OKTA_API_TOKEN", OKTA_TOKEN[::-1])
        refused = log.run("plan", path, code=1)
        assert "E0000011" in refused.err
        monkeypatch.setenv("OKTA_API_TOKEN", OKTA_TOKEN)
        keyring.set_password("agora-okta", "agora-scim-token", SCIM_TOKEN + "x")
        log.run("check-scim", path, code=1)

    _provisioning_api_run(log, scim_server, tmp_path)
    _lost_answers_run(log, scim_server, tmp_path)
    log.run("plan", "--sandbox", "--format", "json", path)

    everything = "\n".join(log.text) + all_logged(debug_logs)
    # The search saw what it is meant to search: the SDK's request lines
    # (headers and all), and tracebacks it logged for lost answers.
    sdk = [r for r in debug_logs.records if r.name == "okta-sdk-python"]
    assert any(r.getMessage().startswith("Request: ") for r in sdk)
    assert any("'Authorization': 'SSWS ********'" in r.getMessage() for r in sdk)
    assert any(r.exc_text and "Traceback" in r.exc_text for r in sdk)
    # The SCIM token went to Okta in a request body, and was masked there.
    assert any(
        "connections/default" in r.getMessage()
        and "'token': '********'" in r.getMessage()
        for r in sdk
    )
    every = {
        "validate",
        "schema",
        "check-scim",
        "plan --format text",
        "plan --format markdown",
        "plan --format json",
        "plan --detailed-exitcode",
        "plan --sandbox --format json",
        "apply --yes --format text",
        "apply --yes --format markdown",
        "apply --yes --format json",
        "secrets set okta-api-token --stdin",
        "secrets list",
        "secrets show other-name",
        "secrets delete other-name",
    }
    assert every <= set(log.commands), every - set(log.commands)
    assert tokens_in(everything, OKTA_TOKEN, SCIM_TOKEN + "x") == []


def _provisioning_api_run(log: Transcript, scim: ScimServer, tmp_path: Path) -> None:
    """Where Okta's API takes the SCIM connection, the SCIM token is in a
    request body, which the okta SDK logs at DEBUG."""
    settings = SandboxSettings(seed=seed(4), token=OKTA_TOKEN, provisioning_api=True)
    with Sandbox(settings) as org:
        data = desired(
            org.url, scim.base_url, persons=people(2), push=["Sales"], groups=[]
        )
        path = str(write(tmp_path / "provisioning-api.yaml", data))
        log.run("apply", "--yes", path)
        (app_id,) = app_ids(org)
        # The token did travel, in a request the SDK logged.
        assert org.org.scim_token(app_id) == SCIM_TOKEN


def _lost_answers_run(log: Transcript, scim: ScimServer, tmp_path: Path) -> None:
    """Lost answers make the SDK log exceptions with tracebacks."""
    settings = SandboxSettings(
        seed=seed(4), token=OKTA_TOKEN, drop_rate=0.5, random_seed=3
    )
    with Sandbox(settings) as org:
        data = desired(
            org.url, scim.base_url, persons=people(4), push=["Sales"], groups=[]
        )
        path = str(write(tmp_path / "lost.yaml", data))
        log.run("apply", "--yes", "--skip-scim-check", "--format", "json", path, code=3)


def test_a_token_in_an_sdk_traceback_is_masked_for_every_handler(
    debug_logs: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    # What the okta SDK does when a request fails: logger.exception(error).
    # Here the error's own text carries the token, the worst case.
    redact.remember(OKTA_TOKEN)
    cli_module.setup_logging(2)
    try:
        try:
            raise ValueError(f"header Authorization: SSWS {OKTA_TOKEN} refused")
        except ValueError as error:
            logging.getLogger("okta-sdk-python").exception(error)
        logging.getLogger("okta-sdk-python").debug(
            "Request: %s", {"headers": {"Authorization": f"SSWS {OKTA_TOKEN}"}}
        )
    finally:
        cli_module._restore_logging()

    printed = capsys.readouterr().err
    assert "Traceback (most recent call last)" in printed
    assert "SSWS ********" in printed
    assert "Traceback (most recent call last)" in debug_logs.text
    assert tokens_in(printed + all_logged(debug_logs), OKTA_TOKEN) == []


# The token goes to the org's host only


@pytest.fixture
def org() -> Iterator[Sandbox]:
    with Sandbox(SandboxSettings(seed=seed(4), token=OKTA_TOKEN)) as sandbox:
        yield sandbox


@pytest.fixture
def other_host() -> Iterator[Recorder]:
    with Recorder() as recorder:
        yield recorder


def _file(meddler: Meddler, tmp_path: Path) -> str:
    data = desired(
        meddler.url,
        "https://agora.example.com/scim/v2",
        persons=people(2),
        push=["Sales"],
        groups=[],
    )
    return str(write(tmp_path / "agora-okta.yaml", data))


@pytest.mark.parametrize(
    ("status", "method", "path", "command"),
    [
        (302, "GET", "/api/v1/apps", "plan"),
        (301, "GET", "/api/v1/users", "plan"),
        (307, "POST", "/api/v1/apps", "apply"),
        (308, "GET", "/api/v1/groups", "plan"),
    ],
)
def test_a_redirect_to_another_host_is_refused(
    cli: Cli,
    org: Sandbox,
    other_host: Recorder,
    tmp_path: Path,
    status: int,
    method: str,
    path: str,
    command: str,
) -> None:
    with Meddler(org.url) as meddler:
        target = other_host.url + path
        meddler.add(method, path, answer(status, b"", {"Location": target}))
        argv = [command, "--skip-scim-check", _file(meddler, tmp_path)]
        result = cli(*argv[:1], *(["--yes"] if command == "apply" else []), *argv[1:])

    assert result.code == 1
    assert (
        f"error: Okta answered {method} {path} with a redirect to {other_host.url}; "
        "refused, so that the token is sent only to the org"
    ) in result.err
    assert other_host.seen == []
    assert meddler.used() == 1


def test_a_next_link_to_another_host_is_refused(
    cli: Cli, org: Sandbox, other_host: Recorder, tmp_path: Path
) -> None:
    def elsewhere(
        status: int, headers: CIMultiDict[str], body: bytes
    ) -> tuple[int, CIMultiDict[str], bytes]:
        links = [v for k, v in headers.items() if k.lower() == "link"]
        changed: CIMultiDict[str] = CIMultiDict(
            (k, v) for k, v in headers.items() if k.lower() != "link"
        )
        changed.add("Link", links[0])
        changed.add("Link", f'<{other_host.url}/api/v1/groups?after=x>; rel="next"')
        return status, changed, body

    with Meddler(org.url) as meddler:
        meddler.add("GET", "/api/v1/groups", rewrite(elsewhere))
        result = cli("plan", "--skip-scim-check", _file(meddler, tmp_path))

    assert result.code == 1
    assert re.search(
        r"error: Okta's next page link for GET /api/v1/groups points to "
        + re.escape(other_host.url)
        + r", not http://127\.0\.0\.1:\d+; refused, so that the token is sent only "
        r"to the org",
        result.err,
    )
    assert other_host.seen == []


def test_the_token_reaches_the_org_and_nowhere_else(
    cli: Cli, org: Sandbox, tmp_path: Path
) -> None:
    # Every request the tool sent, through the proxy, carried the token to
    # the org's address; the proxy stood where the org's host is.
    with Meddler(org.url) as meddler:
        path = _file(meddler, tmp_path)
        assert cli("apply", "--yes", "--skip-scim-check", path).code == 3

    assert meddler.seen
    assert {s.authorization for s in meddler.seen} == {f"SSWS {OKTA_TOKEN}"}

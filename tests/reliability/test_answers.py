"""Answers that go wrong in one precise way, between the tool and the sandbox.

A proxy of the tests' own (``Meddler``) changes one chosen answer: lost after
the change was made, late past the timeout, 429 with or without rate-limit
headers, an HTML page, JSON cut short, a field left out. Each test asserts
what the admin sees, what reached the org, and that the org ends as the file
says, with one app and one push mapping per group.
"""

from __future__ import annotations

import gc
import json
import logging
import time
from collections.abc import Iterator
from email.utils import formatdate
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from conftest import Cli
from multidict import CIMultiDict
from reliability_support import (
    OKTA_TOKEN,
    Exchange,
    Meddler,
    QuietEvents,
    answer,
    app_ids,
    arrive_late,
    check_guarantees,
    desired,
    drop_answer,
    load,
    people,
    plan_is_empty,
    play_admin,
    respond,
    rewrite,
    seed,
    write,
)

from agora_okta import engine
from agora_okta.errors import ManualStepsPending, OktaError, OktaUnreachable
from agora_okta.sandbox import Sandbox, SandboxSettings

SCIM_URL = "https://agora.example.com/scim/v2"
APPS = "/api/v1/apps"
APP = r"/api/v1/apps/[^/]+"


@pytest.fixture
def org() -> Iterator[Sandbox]:
    with Sandbox(SandboxSettings(seed=seed(6), token=OKTA_TOKEN)) as sandbox:
        yield sandbox


@pytest.fixture
def meddler(org: Sandbox) -> Iterator[Meddler]:
    with Meddler(org.url) as proxy:
        yield proxy


def the_file(meddler: Meddler, tmp_path: Path, **changes: Any) -> Path:
    data = desired(
        meddler.url,
        SCIM_URL,
        persons=people(4),
        push=["Engineering", "Sales"],
        groups=["Support"],
    )
    data.update(changes)
    return write(tmp_path / "agora-okta.yaml", data)


def options(meddler: Meddler, **extra: Any) -> engine.Options:
    return engine.Options(
        org_url=meddler.url, token=OKTA_TOKEN, skip_scim_check=True, **extra
    )


def okta_error(status: int, code: str, summary: str) -> bytes:
    body = {"errorCode": code, "errorSummary": summary, "errorCauses": []}
    return json.dumps(body).encode()


def set_up(cli: Cli, org: Sandbox, path: Path) -> str:
    """Apply until the console steps, play the admin: the app id."""
    assert cli("apply", "--yes", "--skip-scim-check", str(path)).code == 3
    (app_id,) = app_ids(org)
    play_admin(org, app_id, SCIM_URL)
    return app_id


def posts(org: Sandbox, path_end: str) -> int:
    return sum(
        1
        for entry in org.requests()
        if entry["method"] == "POST" and entry["path"].endswith(path_end)
    )


# Lost answers after the change was made


def test_a_lost_answer_to_the_app_create_adopts_the_app_it_made(
    cli: Cli,
    org: Sandbox,
    meddler: Meddler,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="agora_okta")
    meddler.add("POST", APPS, drop_answer())

    result = cli(
        "apply", "--yes", "--skip-scim-check", str(the_file(meddler, tmp_path))
    )

    assert result.code == 3, result.err
    assert meddler.used() == 1
    assert len(app_ids(org)) == 1
    assert posts(org, APPS) == 1
    assert "create: adopted what a lost answer made path=/api/v1/apps" in caplog.text


def test_a_create_that_lands_after_the_timeout_is_adopted_not_made_again(
    org: Sandbox, meddler: Meddler, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The create reaches Okta only after the tool gave up waiting: a look
    # right after the timeout would find nothing and create a second app.
    caplog.set_level(logging.INFO, logger="agora_okta")
    meddler.add("POST", APPS, arrive_late(0.6))
    loaded = load(the_file(meddler, tmp_path))

    with pytest.raises(ManualStepsPending):
        engine.apply(loaded, options(meddler, timeout=0.4), QuietEvents())

    assert len(app_ids(org)) == 1
    assert posts(org, APPS) == 1
    assert "no answer before the timeout" in caplog.text
    assert "adopted" in caplog.text


def test_a_lost_answer_to_a_push_group_create_adopts_the_mapping(
    cli: Cli, org: Sandbox, meddler: Meddler, tmp_path: Path
) -> None:
    path = the_file(meddler, tmp_path)
    set_up(cli, org, path)
    meddler.add("POST", APP + "/group-push/mappings", drop_answer(), times=2)

    result = cli("apply", "--yes", "--skip-scim-check", str(path))

    assert result.code == 0, result.err
    assert meddler.used() == 2
    assert posts(org, "/group-push/mappings") == 2
    check_guarantees(org, desired_of(path))
    assert plan_is_empty(load(path), options(meddler))


def test_lost_answers_to_assignments_and_removals_are_sent_again(
    cli: Cli, org: Sandbox, meddler: Meddler, tmp_path: Path
) -> None:
    path = the_file(meddler, tmp_path)
    set_up(cli, org, path)
    meddler.add("POST", APP + "/users", drop_answer(), times=2)
    assert cli("apply", "--yes", "--skip-scim-check", str(path)).code == 0
    # Sent again after the lost answer, Okta says "already assigned" (409).
    assert [e["status"] for e in org.requests() if e["status"] == 409] == [409, 409]

    fewer = the_file(
        meddler,
        tmp_path,
        prune=True,
        assign={"groups": ["Support"], "people": people(4)[1:]},
    )
    meddler.add("DELETE", APP + "/users/.+", drop_answer())
    result = cli("apply", "--yes", "--force", "--skip-scim-check", str(fewer))

    assert result.code == 0, result.err
    check_guarantees(org, desired_of(fewer))
    assert plan_is_empty(load(fewer), options(meddler))


# Rate limits


def test_a_429_without_rate_limit_headers_is_waited_out_and_retried(
    org: Sandbox, meddler: Meddler, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="agora_okta")
    limited = okta_error(429, "E0000047", "API call exceeded rate limit")
    meddler.add("GET", APPS, answer(429, limited), times=2)

    started = time.monotonic()
    plan = engine.make_plan(
        load(the_file(meddler, tmp_path)), options(meddler, time_scale=10)
    )

    assert plan.has_changes
    assert meddler.used() == 2
    waits = [r.getMessage() for r in caplog.records if "rate limited" in r.getMessage()]
    # Without headers the wait grows: 1 s, then 2 s, of Okta's time.
    assert [w.split("wait=")[1].split("s ")[0] for w in waits] == ["0.10", "0.20"]
    assert time.monotonic() - started >= 0.3


def test_a_429_with_retry_after_waits_as_long_as_it_says(
    org: Sandbox, meddler: Meddler, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="agora_okta")
    limited = okta_error(429, "E0000047", "API call exceeded rate limit")
    meddler.add("GET", APPS, answer(429, limited, {"Retry-After": "3"}))

    engine.make_plan(load(the_file(meddler, tmp_path)), options(meddler, time_scale=10))

    assert "rate limited bucket=apps wait=0.30s" in caplog.text


def test_429s_with_rate_limit_headers_are_waited_out_until_the_file_is_applied(
    cli: Cli, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Three requests a minute on the apps family, a minute lasting 0.1 s.
    settings = SandboxSettings(
        seed=seed(6), token=OKTA_TOKEN, bucket_limits={"apps": 3}, time_scale=600
    )
    with Sandbox(settings) as org:
        data = desired(org.url, SCIM_URL, persons=people(6), push=["Sales"], groups=[])
        loaded = load(write(tmp_path / "agora-okta.yaml", data))
        opts = engine.Options(
            org_url=org.url, token=OKTA_TOKEN, time_scale=600, skip_scim_check=True
        )
        with pytest.raises(ManualStepsPending):
            engine.apply(loaded, opts, QuietEvents())
        play_admin(org, app_ids(org)[0], SCIM_URL)
        engine.apply(loaded, opts, QuietEvents())

        check_guarantees(org, data)
        assert plan_is_empty(loaded, opts)
        windows = {
            int(e["start"] // 60) for e in org.requests() if e["bucket"] == "apps"
        }
    # The work needed several windows: the limit was met, and waited out.
    assert len(windows) >= 3


def test_429s_that_never_end_stop_with_a_clear_message(
    meddler: Meddler, tmp_path: Path
) -> None:
    started, scale = time.monotonic(), 100.0

    async def spent(exchange: Exchange) -> web.StreamResponse:
        # Every window already spent by someone else, on an Okta clock that
        # runs as fast as the tool is told (time_scale).
        okta_now = 1_800_000_000 + scale * (time.monotonic() - started)
        headers = {
            "Date": formatdate(okta_now, usegmt=True),
            "X-Rate-Limit-Limit": "50",
            "X-Rate-Limit-Remaining": "0",
            "X-Rate-Limit-Reset": str(int(okta_now) + 2),
        }
        body = okta_error(429, "E0000047", "API call exceeded rate limit")
        return respond(429, CIMultiDict(headers), body)

    meddler.add("GET", APPS, spent, times=99)
    loaded = load(the_file(meddler, tmp_path))

    with pytest.raises(OktaError) as caught:
        engine.make_plan(loaded, options(meddler, time_scale=scale))

    message = str(caught.value)
    assert message.startswith("Okta refused GET /api/v1/apps: 429 E0000047")
    assert message.endswith("(still rate limited after 8 waits)")
    assert meddler.used() == 9


# Slow answers


def test_answers_slower_than_the_timeout_stop_with_a_clear_message(
    tmp_path: Path,
) -> None:
    settings = SandboxSettings(seed=seed(2), token=OKTA_TOKEN, latency_ms=(200, 200))
    with Sandbox(settings) as org:
        data = desired(org.url, SCIM_URL, persons=people(2), push=[], groups=[])
        loaded = load(write(tmp_path / "agora-okta.yaml", data))
        opts = engine.Options(
            org_url=org.url,
            token=OKTA_TOKEN,
            timeout=0.05,
            time_scale=100,
            skip_scim_check=True,
        )
        with pytest.raises(OktaUnreachable) as caught:
            engine.make_plan(loaded, opts)

    message = str(caught.value)
    assert message.startswith("GET /api/v1/")
    assert message.endswith(
        ": no answer before the timeout (5 tries, each with a 0.05 s timeout)"
    )
    # The plan's read leaves a failed lookup task behind, which asyncio reports
    # when it is collected; collected here, its report stays in this test.
    del caught
    gc.collect()


# Answers the tool does not expect


HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>Bad Gateway</h1></body></html>"
)


def test_an_html_error_page_from_a_proxy_is_retried(
    cli: Cli, meddler: Meddler, tmp_path: Path
) -> None:
    meddler.add("GET", "/api/v1/groups", answer(502, HTML_PAGE), times=2)

    result = cli("-v", "plan", "--skip-scim-check", str(the_file(meddler, tmp_path)))

    assert result.code == 0, result.err
    assert meddler.used() == 2
    assert "retrying status=502 method=GET path=/api/v1/groups" in result.err


def test_an_html_page_that_never_ends_stops_with_a_clear_message(
    meddler: Meddler, tmp_path: Path
) -> None:
    meddler.add("GET", "/api/v1/groups", answer(503, HTML_PAGE), times=99)

    with pytest.raises(OktaError) as caught:
        engine.make_plan(
            load(the_file(meddler, tmp_path)), options(meddler, time_scale=100)
        )

    assert str(caught.value) == (
        "Okta refused GET /api/v1/groups: 503, answered with an HTML page "
        f"(Expecting value, character 0: {HTML_PAGE[:80]!r}) (5 tries)"
    )


@pytest.mark.parametrize(
    ("method", "path", "change", "said"),
    [
        (
            "GET",
            APPS,
            lambda status, headers, body: (200, headers, HTML_PAGE.encode()),
            "error: Okta answered GET /api/v1/apps (status 200) with an HTML page "
            "(Expecting value, character 0: '<!DOCTYPE html>",
        ),
        (
            "GET",
            "/api/v1/groups",
            lambda status, headers, body: (status, headers, body[: len(body) // 2]),
            "error: Okta answered GET /api/v1/groups (status 200) with JSON cut short",
        ),
        (
            "GET",
            "/api/v1/users",
            lambda status, headers, body: (status, headers, b'[{"id": "00u1", '),
            "error: Okta answered GET /api/v1/users (status 200) with JSON cut short "
            "(Expecting property name enclosed in double quotes, character 16: "
            '\'[{"id": "00u1",\')',
        ),
    ],
    ids=["html-page", "groups-cut-short", "users-cut-short"],
)
def test_an_answer_that_is_not_json_is_a_clear_error_naming_the_request(
    cli: Cli,
    meddler: Meddler,
    tmp_path: Path,
    method: str,
    path: str,
    change: Any,
    said: str,
) -> None:
    meddler.add(method, path, rewrite(change))

    result = cli("plan", "--skip-scim-check", str(the_file(meddler, tmp_path)))

    assert result.code == 1
    assert said in result.err
    assert "Traceback" not in result.err
    assert result.out == ""


def test_a_create_answer_without_the_id_says_so_and_the_next_run_adopts_the_app(
    cli: Cli, org: Sandbox, meddler: Meddler, tmp_path: Path
) -> None:
    def without_id(
        status: int, headers: CIMultiDict[str], body: bytes
    ) -> tuple[int, CIMultiDict[str], bytes]:
        data = json.loads(body)
        del data["id"]
        return status, headers, json.dumps(data).encode()

    meddler.add("POST", APPS, rewrite(without_id))
    path = the_file(meddler, tmp_path)

    result = cli("apply", "--yes", "--skip-scim-check", str(path))

    assert result.code == 1
    assert result.err.splitlines()[-2:] == [
        "error: Okta's answer for POST /api/v1/apps has no 'id'",
        "Stopped by this error after applying 0 of 8 change(s). Run apply again to "
        "finish: it reads Okta first and goes on from there.",
    ]
    assert "Traceback" not in result.err
    # The app was made: the next run finds it by its label.
    assert cli("apply", "--yes", "--skip-scim-check", str(path)).code == 3
    assert len(app_ids(org)) == 1
    assert posts(org, APPS) == 1


def test_an_answer_of_the_wrong_shape_is_one_line_not_a_traceback(
    cli: Cli, org: Sandbox, meddler: Meddler, tmp_path: Path
) -> None:
    # A list where Okta sends an object: the admin sees one line naming the
    # request.
    path = the_file(meddler, tmp_path)
    assert cli("apply", "--yes", "--skip-scim-check", str(path)).code == 3
    meddler.add(
        "GET",
        APP + "/connections/default",
        rewrite(lambda status, headers, body: (status, headers, b'["UNKNOWN"]')),
    )

    result = cli("plan", "--skip-scim-check", str(path))

    assert meddler.used() == 1
    assert result.code == 1
    assert "Traceback" not in result.err
    assert result.err.splitlines()[-1].startswith("error: Okta answered GET ")
    assert result.err.splitlines()[-1].endswith(
        "/connections/default with list, not an object"
    )


# Nothing half-applied left unreported


def test_apply_that_fails_midway_says_how_far_it_got_and_a_rerun_finishes(
    cli: Cli, org: Sandbox, meddler: Meddler, tmp_path: Path
) -> None:
    path = the_file(meddler, tmp_path)
    set_up(cli, org, path)
    before = len(org.requests())
    forbidden = okta_error(403, "E0000006", "You do not have permission")
    # The third person's assignment is refused; the two before it are made.
    meddler.add("POST", APP + "/users", answer(403, forbidden), skip=2)

    result = cli("apply", "--yes", "--skip-scim-check", str(path))

    made = [e for e in org.requests()[before:] if e["method"] != "GET"]
    assert result.code == 1
    lines = result.err.splitlines()
    assert lines[-2].startswith("error: Okta refused POST /api/v1/apps/")
    assert lines[-2].endswith("/users: 403 E0000006 You do not have permission")
    assert lines[-1] == (
        f"Stopped by this error after applying {len(made)} of 7 change(s). Run "
        "apply again to finish: it reads Okta first and goes on from there."
    )
    # Two push groups, one group and two people: all made, and all counted.
    assert len(made) == 5

    assert cli("apply", "--yes", "--skip-scim-check", str(path)).code == 0
    check_guarantees(org, desired_of(path))


def desired_of(path: Path) -> dict[str, Any]:
    import yaml

    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return data

"""Apply against an Okta that fails: 10% of requests answered 500, 503 or 429
before any change, 2% whose change is made and whose answer is then lost.

Each seed sets up the app from an empty org (the console stand-in doing the
manual steps when apply stops for them), then applies a second file that
adds, moves and, with prune, removes push groups and assignments. Apply is
run again while it fails, as a CI retry would, at most a few times. After
each file: the next plan is empty, one app has the label, one push mapping
per source group, and no request ever removed what the file keeps.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from reliability_support import (
    OKTA_TOKEN,
    SUMMARY,
    Runs,
    apply_until_done,
    check_guarantees,
    desired,
    kept_never_removed,
    load,
    people,
    plan_is_empty,
    seed,
    write,
)

from agora_okta import engine
from agora_okta.sandbox import Sandbox, SandboxSettings

SEEDS = range(24)
FAULT_RATE = 0.10
DROP_RATE = 0.02
# Okta's clock runs this much faster, so that waiting out a 429's window (up
# to a minute of Okta time) takes a tenth of a second.
TIME_SCALE = 600.0
SCIM_URL = "https://agora.example.com/scim/v2"
FAULTS = (500, 503, 429)


@dataclass
class Tally:
    seeds: int = 0
    requests: int = 0
    faults: int = 0
    drops: int = 0
    retries: int = 0
    adopted: int = 0
    runs: list[int] = field(default_factory=list)


TALLY = Tally()


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    yield
    if TALLY.seeds:
        counts = Counter(TALLY.runs)
        runs = ", ".join(f"{n} run(s) for {counts[n]}" for n in sorted(counts))
        SUMMARY.append(
            f"fault suite: {TALLY.seeds} seeds, {TALLY.requests} requests, "
            f"{TALLY.faults} faults (500/503/429), {TALLY.drops} dropped answers, "
            f"{TALLY.retries} retries, {TALLY.adopted} creates adopted after a "
            f"lost answer; apply runs per file: {runs} (a first file stops once "
            "for the console steps)"
        )


def _options(org: Sandbox, timeout: float = 5.0) -> engine.Options:
    return engine.Options(
        org_url=org.url,
        token=OKTA_TOKEN,
        timeout=timeout,
        time_scale=TIME_SCALE,
        skip_scim_check=True,
    )


@pytest.mark.parametrize("random_seed", SEEDS)
def test_apply_under_faults_ends_with_the_org_as_the_file_says(
    random_seed: int, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="agora_okta")
    settings = SandboxSettings(
        seed=seed(12),
        token=OKTA_TOKEN,
        fault_rate=FAULT_RATE,
        drop_rate=DROP_RATE,
        random_seed=random_seed,
        time_scale=TIME_SCALE,
    )
    with Sandbox(settings) as org:
        options = _options(org)
        first = desired(
            org.url,
            SCIM_URL,
            persons=people(10),
            push=["Engineering", "Sales", "Support"],
            groups=["Engineering", "Sales"],
        )
        runs_first = _apply_and_check(org, first, tmp_path / "first.yaml", options)
        assert not [e for e in org.requests() if e["method"] == "DELETE"]

        second = desired(
            org.url,
            SCIM_URL,
            persons=people(12)[2:],
            push=["Engineering", "Support", "Finance"],
            groups=["Engineering", "Finance"],
            prune=True,
        )
        options.force = True
        runs_second = _apply_and_check(org, second, tmp_path / "second.yaml", options)
        log = org.requests()

    faults = sum(1 for e in log if e["status"] in FAULTS)
    drops = sum(1 for e in log if e["dropped"])
    said = [r.getMessage() for r in caplog.records]
    retries = sum(1 for m in said if "retrying" in m or "rate limited" in m)
    adopted = sum(1 for m in said if "adopted" in m)
    # The seed must have put the tool to the test, and every error answer
    # (made before any change) was met by a wait and a retry, not a failed run.
    assert faults + drops > 0
    assert retries + adopted >= faults
    TALLY.seeds += 1
    TALLY.requests += len(log)
    TALLY.faults += faults
    TALLY.drops += drops
    TALLY.retries += retries
    TALLY.adopted += adopted
    TALLY.runs += [runs_first.count, runs_second.count]


def _apply_and_check(
    org: Sandbox, data: dict[str, Any], path: Path, options: engine.Options
) -> Runs:
    loaded = load(write(path, data))
    runs = apply_until_done(org, loaded, options, SCIM_URL)
    app_id = check_guarantees(org, data)
    kept_never_removed(org, data, app_id)
    assert plan_is_empty(loaded, options)
    # Faults never cost a whole run more than now and then.
    assert runs.count <= 4, runs.codes
    return runs


@pytest.mark.parametrize("random_seed", range(2))
def test_apply_with_answers_past_the_timeout_ends_with_one_app(
    random_seed: int, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A third of the requests answer after the timeout; a create that timed
    out may still land, so the tool waits that long before it looks."""
    caplog.set_level(logging.INFO, logger="agora_okta")
    settings = SandboxSettings(
        seed=seed(4),
        token=OKTA_TOKEN,
        latency_ms=(0, 80),
        random_seed=random_seed,
        time_scale=TIME_SCALE,
    )
    with Sandbox(settings) as org:
        options = _options(org, timeout=0.05)
        data = desired(
            org.url,
            SCIM_URL,
            persons=people(4),
            push=["Engineering", "Sales"],
            groups=["Support"],
        )
        loaded = load(write(tmp_path / "agora-okta.yaml", data))
        runs = apply_until_done(org, loaded, options, SCIM_URL, max_runs=10)
        check_guarantees(org, data)
        # Checked with a timeout no answer misses: this plan checks the org.
        assert plan_is_empty(loaded, _options(org))

    timeouts = [r for r in caplog.records if "before the timeout" in r.getMessage()]
    assert timeouts, "no request timed out: the test tested nothing"
    assert runs.codes[-1] == "done"

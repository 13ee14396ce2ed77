"""agora-okta against Okta's real rate limits, beside a plain SDK script.

    python benchmarks/run.py            # the whole benchmark (about 7 min)
    python benchmarks/run.py --quick    # the two small cases, about a minute
    python benchmarks/run.py --full     # the admin script for 5,000 people too

It starts the sandbox with one API token's share of a Workforce org's limits
(the apps family at 50 a minute, app by id 250, users 300, user by id 1000,
groups 250), a concurrency limit of 35, latency of 100-300 ms a request, and
a clock that runs ``--time-scale`` times faster than real time (60: a
minute of Okta time passes in a real second). Latency is Okta time too
(``scale_latency``): on Okta, 50 answers of 200 ms take 10 s of a one-minute
window, and so they do here; in real time they would take ten windows, and
the benchmark would measure latency instead of the budget.

For each case it seeds an org (JSON-shaped seeds: 1,000 users and 200 groups,
10,000 and 1,000, 50,000 and 5,000), makes the app and plays the admin at the
console steps, then runs ``agora-okta plan`` and ``apply`` in subprocesses,
as an admin would, and the same work done by ``admin_script.py``. It prints
the results and writes them to ``benchmarks/results.md``.

Every figure of Okta time comes from the sandbox's request log: from the
start of a run's first request to the end of its last. The floor of a run is
the least number of apps-family requests it needs and the time the budget
allows for them: ``W`` windows hold them, so they take ``W - 1`` minutes at
best (the last window's requests taken as instant).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from agora_okta.sandbox import Sandbox, SandboxSettings  # noqa: E402

LABEL = "Agora"
SCIM_URL = "https://agora.example.com/scim/v2"
ACS_URL = "https://agora.example.com/saml/acs"
AUDIENCE = "https://agora.example.com"
TOKEN = "00benchmark-okta-token-ABCDEFGHIJKLMNOPQRS"
LATENCY_MS = (100, 300)
CONCURRENCY_LIMIT = 35
APPS_PER_MINUTE = 50
# Okta's page sizes, which the floor counts in (FACTS.md, "Paging").
APP_USERS_PAGE = 500
APP_GROUPS_PAGE = 200
PUSH_MAPPINGS_PAGE = 1000
GROUP_MEMBERS = 5
STARTUP_REPEATS = 9


@dataclass(frozen=True)
class OrgSize:
    name: str
    users: int
    groups: int


ORGS = {
    "1k": OrgSize("1,000 users, 200 groups", 1_000, 200),
    "10k": OrgSize("10,000 users, 1,000 groups", 10_000, 1_000),
    "50k": OrgSize("50,000 users, 5,000 groups", 50_000, 5_000),
}


@dataclass(frozen=True)
class Case:
    org: str
    people: int
    groups: int  # assigned to the app, and pushed as Agora roles
    # Run the admin script too (its dry run and its apply). Left out for the
    # largest case unless --full: each sends about 11,000 requests, two per
    # person, and takes about three real minutes here; with them the whole
    # run would take over ten.
    admin: bool = True

    @property
    def name(self) -> str:
        return f"{self.people:,} people, {self.groups} groups"

    @property
    def changes(self) -> int:
        return self.people + 2 * self.groups


CASES = [
    Case("1k", 10, 5),
    Case("10k", 100, 50),
    Case("10k", 1_000, 300),
    Case("50k", 5_000, 300, admin=False),
]


@dataclass
class Run:
    """One command against the sandbox, as the request log and the OS saw it."""

    what: str
    code: int
    real_seconds: float
    peak_mb: float
    log: list[dict[str, Any]]
    launched_at: float  # sandbox clock
    scale: float
    output: str = ""
    okta_modules: list[str] = field(default_factory=list)

    @property
    def by_bucket(self) -> Counter[str]:
        return Counter(entry["bucket"] for entry in self.log)

    @property
    def rate_limited(self) -> int:
        return sum(1 for entry in self.log if entry["status"] == 429)

    @property
    def okta_seconds(self) -> float:
        if not self.log:
            return 0.0
        end = max(float(e["end"]) for e in self.log)
        return end - min(float(e["start"]) for e in self.log)

    @property
    def first_request_real(self) -> float | None:
        if not self.log:
            return None
        first = min(float(e["start"]) for e in self.log)
        return (first - self.launched_at) / self.scale


@dataclass
class Row:
    case: str
    command: str
    run: Run
    floor_requests: int
    available: int = APPS_PER_MINUTE
    admin: Run | None = None
    note: str = ""

    @property
    def floor_windows(self) -> int:
        return max(1, math.ceil(self.floor_requests / self.available))

    @property
    def floor_seconds(self) -> float:
        return (self.floor_windows - 1) * 60.0


@dataclass
class Report:
    scale: float
    rows: list[Row] = field(default_factory=list)
    startup: list[dict[str, Any]] = field(default_factory=list)
    startup_repeats: int = 0
    extras: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)


# Orgs and files


def org_seed(size: OrgSize) -> dict[str, Any]:
    """Users user00000@example.com...; group-0000... with a few members each."""
    users = [
        {"email": _email(n), "first_name": "User", "last_name": f"N{n}"}
        for n in range(size.users)
    ]
    groups = [
        {
            "name": _group(g),
            "members": [
                _email((size.users - 1 - g * GROUP_MEMBERS - m) % size.users)
                for m in range(GROUP_MEMBERS)
            ],
        }
        for g in range(size.groups)
    ]
    return {"users": users, "groups": groups}


def _email(n: int) -> str:
    return f"user{n:05}@example.com"


def _group(g: int) -> str:
    return f"group-{g:04}"


def desired(url: str, people: int, groups: int) -> dict[str, Any]:
    names = [_group(g) for g in range(groups)]
    return {
        "okta": {"org_url": url},
        "app": {"label": LABEL, "sso": {"acs_url": ACS_URL, "audience": AUDIENCE}},
        "provisioning": {"scim_base_url": SCIM_URL, "token": "env:AGORA_SCIM_TOKEN"},
        "push_groups": names,
        "assign": {"groups": names, "people": [_email(n) for n in range(people)]},
    }


def app_users_after(size: OrgSize, case: Case) -> int:
    """People assigned directly or through a group, once the case is applied."""
    seed = org_seed(size) if case.groups else {"groups": []}
    members = {
        email for group in seed["groups"][: case.groups] for email in group["members"]
    }
    return len(members | {_email(n) for n in range(case.people)})


def plan_floor(app_users: int, groups: int) -> int:
    """Apps-family requests a plan needs: the app, then each list's pages."""
    pages = [
        math.ceil(app_users / APP_USERS_PAGE),
        math.ceil(groups / APP_GROUPS_PAGE),
        math.ceil(groups / PUSH_MAPPINGS_PAGE),
    ]
    return 1 + sum(max(1, p) for p in pages)


# The sandbox


def sandbox_settings(seed: dict[str, Any], scale: float, **extra: Any) -> Any:
    return SandboxSettings(
        seed=seed,
        token=TOKEN,
        rate_limits="realistic",
        time_scale=scale,
        latency_ms=LATENCY_MS,
        scale_latency=True,
        concurrency_limit=CONCURRENCY_LIMIT,
        random_seed=5,
        **extra,
    )


def okta_call(sandbox: Sandbox, method: str, path: str, body: Any = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        sandbox.url + path,
        data=data,
        method=method,
        headers={
            "Authorization": f"SSWS {sandbox.token}",
            "Content-Type": "application/json",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def set_up_app(sandbox: Sandbox) -> str:
    """The app as ``apply`` makes it, and the console steps done by the admin."""
    from agora_okta.adapter.org import saml_app_body

    body = saml_app_body(LABEL, ACS_URL, AUDIENCE, True)
    app = okta_call(sandbox, "POST", "/api/v1/apps?activate=true", body)
    sandbox.play_admin(app["id"], SCIM_URL, "benchmark-scim-token")
    return str(app["id"])


def quiet_window(scale: float) -> None:
    """Let every rate-limit window close, so that the next run starts afresh."""
    time.sleep(61.0 / scale)


# Running commands


@contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="agora-okta-bench-") as name:
        path = Path(name)
        (path / "home").mkdir()
        yield path


def tool_argv() -> list[str]:
    """``agora-okta`` as its console script runs it, inside ``measure.py``."""
    return [sys.executable, str(HERE / "measure.py"), "REPORT", "agora-okta"]


def environment(work: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OKTA_")}
    env.update(
        HOME=str(work / "home"),
        OKTA_API_TOKEN=TOKEN,
        AGORA_SCIM_TOKEN="benchmark-scim-token",
        NO_COLOR="1",
        OKTA_TESTING_TESTINGDISABLEHTTPSCHECK="true",
        PYTHONPATH=str(HERE.parent),
    )
    return env


@dataclass
class Spawned:
    code: int
    real_seconds: float
    peak_mb: float
    output: str
    okta_modules: list[str]


def spawn(argv: list[str], work: Path, interrupt_after: float | None = None) -> Spawned:
    """Run a command through ``measure.py``: what it cost and printed."""
    out_path, report_path = work / "out.txt", work / "report.json"
    report_path.unlink(missing_ok=True)
    argv = [str(report_path) if arg == "REPORT" else arg for arg in argv]
    with out_path.open("wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=work, env=environment(work), stdout=out, stderr=out
        )
        if interrupt_after is not None:
            time.sleep(interrupt_after)
            process.send_signal(signal.SIGINT)
        code = process.wait()
        elapsed = time.perf_counter() - started
    output = out_path.read_text(encoding="utf-8", errors="replace")
    cost = json.loads(report_path.read_text()) if report_path.exists() else {}
    return Spawned(
        code,
        elapsed,
        cost.get("peak_kb", 0) / 1024,
        output,
        cost.get("okta_modules", []),
    )


def run_against(
    sandbox: Sandbox,
    what: str,
    argv: list[str],
    work: Path,
    interrupt_after: float | None = None,
) -> Run:
    before = len(sandbox.requests())
    launched = sandbox.clock.now()
    done = spawn(argv, work, interrupt_after)
    return Run(
        what,
        done.code,
        done.real_seconds,
        done.peak_mb,
        sandbox.requests()[before:],
        launched,
        sandbox.clock.time_scale,
        done.output,
        done.okta_modules,
    )


def tool(
    sandbox: Sandbox,
    command: str,
    case: Case,
    work: Path,
    interrupt_after: float | None = None,
) -> Run:
    path = work / "agora-okta.yaml"
    path.write_text(json.dumps(desired(sandbox.url, case.people, case.groups)))
    argv = [*tool_argv(), command, "--skip-scim-check", str(path)]
    if command == "apply":
        argv.insert(-1, "--yes")
    return run_against(sandbox, f"agora-okta {command}", argv, work, interrupt_after)


def admin(sandbox: Sandbox, case: Case, work: Path, check: bool) -> Run:
    names = [_group(g) for g in range(case.groups)]
    spec = {
        "label": LABEL,
        "people": [_email(n) for n in range(case.people)],
        "groups": names,
        "push_groups": names,
    }
    path = work / "spec.json"
    path.write_text(json.dumps(spec))
    script = str(HERE / "admin_script.py")
    argv = [sys.executable, str(HERE / "measure.py"), "REPORT", script, sandbox.url]
    argv += [str(path), "--time-scale", f"{sandbox.clock.time_scale:g}"]
    if check:
        argv.append("--check")
    run = run_against(sandbox, "admin script", argv, work)
    if run.code != 0:
        raise SystemExit(f"the admin script failed:\n{run.output[-3000:]}")
    return run


# The cases


def run_case(sandbox: Sandbox, size: OrgSize, case: Case, report: Report) -> Row:
    """plan, the admin's dry run, apply, plan again; then the admin's apply on
    the same org from the same start. Returns the apply row."""
    scale = report.scale
    with workdir() as work:
        sandbox.reset()
        set_up_app(sandbox)
        quiet_window(scale)
        fresh = plan_floor(0, 0)
        plan = Row(case.name, "plan", tool(sandbox, "plan", case, work), fresh)
        report.rows.append(plan)
        if case.admin:
            quiet_window(scale)
            plan.admin = admin(sandbox, case, work, check=True)
        quiet_window(scale)
        applied = tool(sandbox, "apply", case, work)
        if applied.code != 0:
            raise SystemExit(f"apply failed:\n{applied.output[-3000:]}")
        row = Row(case.name, "apply", applied, fresh + case.changes)
        report.rows.append(row)
        quiet_window(scale)
        again = tool(sandbox, "plan", case, work)
        floor = plan_floor(app_users_after(size, case), case.groups)
        report.rows.append(Row(case.name, "plan, all applied", again, floor))
        _check_no_changes(again)
        if case.admin:
            sandbox.reset()
            set_up_app(sandbox)
            quiet_window(scale)
            row.admin = admin(sandbox, case, work, check=False)
    _say(report, f"{case.name}: done")
    return row


def _check_no_changes(run: Run) -> None:
    if run.code != 0 or "No changes: Okta matches the file." not in run.output:
        raise SystemExit(f"the plan after apply is not empty:\n{run.output[-2000:]}")


def run_interrupted(sandbox: Sandbox, case: Case, whole: Run, report: Report) -> None:
    """Ctrl-C halfway through apply, then apply again: requests in both runs
    against one uninterrupted run."""
    with workdir() as work:
        sandbox.reset()
        set_up_app(sandbox)
        quiet_window(report.scale)
        first = tool(
            sandbox, "apply", case, work, interrupt_after=whole.real_seconds / 2
        )
        second = tool(sandbox, "apply", case, work)
    both = first.by_bucket + second.by_bucket
    extra = {
        b: both[b] - whole.by_bucket[b]
        for b in sorted(set(both) | set(whole.by_bucket))
    }
    report.extras.append(
        f"Interrupted apply ({case.name}): Ctrl-C after "
        f"{whole.real_seconds / 2:.0f} s real (exit {first.code}, "
        f"{first.by_bucket['apps']:,} apps-family requests), then apply again "
        f"(exit {second.code}, {second.by_bucket['apps']:,}): together "
        f"{_buckets(both)}, against {_buckets(whole.by_bucket)} for one "
        f"uninterrupted run; the difference ({_signed(extra)}) is the second "
        f"run's reads. 429 answers: {first.rate_limited + second.rate_limited}."
    )


def run_foreign(size: OrgSize, report: Report) -> None:
    """Another client spends half of every window: apply slows down, and still
    finishes without a 429."""
    case = Case("1k", 1_000, 0)
    settings = sandbox_settings(org_seed(size), report.scale, foreign_usage=0.5)
    with Sandbox(settings) as sandbox, workdir() as work:
        set_up_app(sandbox)
        quiet_window(report.scale)
        applied = tool(sandbox, "apply", case, work)
    row = Row(
        case.name + ", another client spends half the budget",
        "apply",
        applied,
        plan_floor(0, 0) + case.changes,
        available=APPS_PER_MINUTE // 2,
    )
    report.rows.append(row)


def memory_by_org(report: Report, sandboxes: dict[str, Sandbox]) -> None:
    """The same small plan against each org: peak memory must not follow the
    org's size."""
    case = Case("1k", 10, 5)
    seen = []
    for name, sandbox in sandboxes.items():
        with workdir() as work:
            sandbox.reset()
            set_up_app(sandbox)
            quiet_window(report.scale)
            run = tool(sandbox, "plan", case, work)
        seen.append(f"{ORGS[name].name}: {run.peak_mb:.0f} MB")
    report.extras.append(
        f"Peak memory of `plan` for {case.name}, by org size: " + "; ".join(seen)
    )


def lookup_urls(report: Report, run: Run, case: Case) -> None:
    users = [e for e in run.log if e["path"] == "/api/v1/users"]
    if not users:
        return
    longest = max(len(e["path"]) + 1 + len(urlencode(e["query"])) for e in users)
    report.extras.append(
        f"People lookups ({case.name}): {len(users)} requests on the users "
        f"bucket ({case.people / len(users):.0f} people each, an `or` of "
        f"`profile.email eq` filters); the longest URL is {longest:,} characters "
        "(path and query)."
    )


# Start-up


def measure_startup(report: Report, repeats: int) -> None:
    """Each command's time and peak memory in a subprocess; for plan and
    apply, also the time to their first request."""
    seed = org_seed(OrgSize("", 20, 5))
    with Sandbox(SandboxSettings(seed=seed, token=TOKEN)) as sandbox, workdir() as work:
        set_up_app(sandbox)
        path = work / "agora-okta.yaml"
        path.write_text(json.dumps(desired(sandbox.url, 10, 2)))
        commands = [
            ("--help", ["--help"]),
            ("validate", ["validate", str(path)]),
            ("schema", ["schema"]),
            ("plan", ["plan", "--skip-scim-check", str(path)]),
            ("apply", ["apply", "--yes", "--skip-scim-check", str(path)]),
        ]
        report.startup_repeats = repeats
        for name, args in commands:
            runs = [
                run_against(sandbox, name, [*tool_argv(), *args], work)
                for _ in range(repeats)
            ]
            report.startup.append(_startup_entry(name, runs))


def _startup_entry(name: str, runs: list[Run]) -> dict[str, Any]:
    modules = runs[-1].okta_modules
    firsts = [r.first_request_real for r in runs if r.first_request_real is not None]
    return {
        "command": name,
        "seconds": min(r.real_seconds for r in runs),
        "median": sorted(r.real_seconds for r in runs)[len(runs) // 2],
        "first_request": min(firsts) if firsts else None,
        "peak_mb": max(r.peak_mb for r in runs),
        "okta_modules": len(modules),
        "okta_client": "okta.client" in modules,
        "codes": sorted({r.code for r in runs}),
    }


# The report


def _buckets(counts: Counter[str] | dict[str, int]) -> str:
    order = ["apps", "app_by_id", "users", "user_by_id", "groups", "other"]
    return " · ".join(f"{b} {counts[b]:,}" for b in order if counts.get(b))


def _signed(counts: dict[str, int]) -> str:
    shown = [f"{b} {n:+,}" for b, n in counts.items() if n]
    return ", ".join(shown) if shown else "none"


def _okta_time(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.1f} min"


def _row_cells(row: Row) -> list[str]:
    run = row.run
    floor = f"{row.floor_requests:,} · {_okta_time(row.floor_seconds)}"
    ratio = "—"
    if row.floor_seconds:
        ratio = f"{run.okta_seconds / row.floor_seconds:.2f}x"
    admin = admin_ratio = "—"
    if row.admin is not None:
        other = row.admin
        admin = (
            f"{_buckets(other.by_bucket)}; {other.rate_limited} x 429; "
            f"{_okta_time(other.okta_seconds)}"
        )
        apps = other.by_bucket["apps"] / max(1, run.by_bucket["apps"])
        times = other.okta_seconds / max(run.okta_seconds, 1e-9)
        admin_ratio = f"{apps:.1f}x · {times:.1f}x"
    return [
        row.case,
        row.command,
        str(run.code),
        _buckets(run.by_bucket),
        str(run.rate_limited),
        _okta_time(run.okta_seconds),
        floor,
        ratio,
        admin,
        admin_ratio,
        f"{run.peak_mb:.0f}",
    ]


def render(report: Report, argv: list[str]) -> str:
    head = [
        "case",
        "run",
        "exit",
        "requests by bucket",
        "429",
        "Okta time",
        "floor: apps requests · time",
        "time ÷ floor",
        "admin script: requests; 429; Okta time",
        "admin ÷ tool: apps requests · time",
        "peak MB",
    ]
    lines = [
        "# agora-okta benchmark",
        "",
        f"`python benchmarks/{' '.join(['run.py', *argv])}` on {os.cpu_count()} "
        f"cores, Python {sys.version.split()[0]}; sandbox: realistic limits (apps "
        f"{APPS_PER_MINUTE}/min), concurrency limit {CONCURRENCY_LIMIT}, latency "
        f"{LATENCY_MS[0]}-{LATENCY_MS[1]} ms (Okta time), time scale "
        f"{report.scale:g} (one Okta minute = {60 / report.scale:g} s real). "
        f"Whole run: {time.perf_counter() - report.started:.0f} s real.",
        "",
        _table(head, [_row_cells(row) for row in report.rows]),
        "",
        *_notes(report.scale),
        "",
        f"## Start-up (real time, best of {report.startup_repeats})",
        "",
        _table(
            [
                "command",
                "seconds (best / median)",
                "to first request",
                "peak MB",
                "okta SDK modules",
                "okta.client",
            ],
            [_startup_cells(entry) for entry in report.startup],
        ),
        "",
    ]
    lines += [f"- {extra}" for extra in report.extras]
    return "\n".join(lines) + "\n"


def _notes(scale: float) -> list[str]:
    return [*_NOTES, _CPU_NOTE.format(ms=scale)]


_NOTES = [
    "Requests by bucket are the sandbox's buckets: `apps` is the apps family "
    "(50 a minute), `user_by_id` is `GET /api/v1/users/{login}`. Okta time runs "
    "from the start of a run's first request to the end of its last, on the "
    "sandbox's clock; start-up is below. The floor is the least number of "
    "apps-family requests the run needs (the app, each list's pages at Okta's "
    "largest page size, one request per change) and the time the budget allows "
    "for them: `W` windows hold them, so `W - 1` minutes, the last window's "
    "requests taken as instant. `plan, all applied` is the plan of the same file "
    "once it is applied (what a CI drift check costs). The admin script "
    "(`benchmarks/admin_script.py`) starts from the same org: its dry run asks "
    "about each person and group in turn, its apply looks up and assigns them "
    "one at a time; its re-run costs as much as its first run, having no state.",
    "",
]
_CPU_NOTE = (
    "Under the time scale, CPU time counts too: a millisecond of Python per "
    "request reads as {ms:g} ms of Okta time. Runs bound by the budget (the apply "
    "of 100 people or more) are not affected; runs bound by latency (the small "
    "ones, and the admin script, which sends its requests one at a time, two "
    "per person) look slower than they would against Okta: here a request "
    "costs 5-7 ms of CPU, client and sandbox together."
)


def _startup_cells(entry: dict[str, Any]) -> list[str]:
    first = entry["first_request"]
    client = entry["okta_client"]
    return [
        f"`{entry['command']}`",
        f"{entry['seconds']:.2f} / {entry['median']:.2f}",
        "—" if first is None else f"{first:.2f} s",
        f"{entry['peak_mb']:.0f}",
        str(entry["okta_modules"]),
        "—" if client is None else ("imported" if client else "not imported"),
    ]


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def _say(report: Report, text: str) -> None:
    elapsed = time.perf_counter() - report.started
    print(f"[{elapsed:6.1f} s] {text}", file=sys.stderr, flush=True)


# Main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small cases only")
    parser.add_argument(
        "--full",
        action="store_true",
        help="the admin script for the largest case too (several minutes more)",
    )
    parser.add_argument(
        "--startup-only", action="store_true", help="the start-up table only"
    )
    parser.add_argument("--time-scale", type=float, default=60.0)
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args(argv)
    report = Report(scale=args.time_scale)
    cases = CASES[:2] if args.quick else CASES
    if args.full:
        cases = [dataclasses.replace(case, admin=True) for case in cases]

    measure_startup(report, 2 if args.quick else STARTUP_REPEATS)
    _say(report, "start-up measured")
    if not args.startup_only:
        run_cases_and_extras(report, cases, quick=args.quick)
    text = render(report, sys.argv[1:] if argv is None else argv)
    print(text)
    args.out.write_text(text, encoding="utf-8")
    return 0


def run_cases_and_extras(report: Report, cases: list[Case], quick: bool) -> None:
    sandboxes: dict[str, Sandbox] = {}
    try:
        applies = _run_cases(report, cases, sandboxes)
        _after_cases(report, applies, sandboxes, 100 if quick else 1_000)
    finally:
        for sandbox in sandboxes.values():
            sandbox.stop()
    if not quick:
        run_foreign(ORGS["1k"], report)
        _say(report, "foreign usage done")


def _after_cases(
    report: Report,
    applies: list[tuple[Case, Row]],
    sandboxes: dict[str, Sandbox],
    interrupted_people: int,
) -> None:
    """The lookups' URLs, an interrupted apply, and memory by org size."""
    largest = max(applies, key=lambda pair: pair[0].people)
    lookup_urls(report, largest[1].run, largest[0])
    case, row = next(
        (pair for pair in applies if pair[0].people == interrupted_people),
        applies[-1],
    )
    run_interrupted(sandboxes[case.org], case, row.run, report)
    _say(report, "interrupted apply done")
    memory_by_org(report, sandboxes)


def _run_cases(
    report: Report, cases: list[Case], sandboxes: dict[str, Sandbox]
) -> list[tuple[Case, Row]]:
    applies = []
    for case in cases:
        if case.org not in sandboxes:
            seed = org_seed(ORGS[case.org])
            sandboxes[case.org] = Sandbox(sandbox_settings(seed, report.scale)).start()
            _say(report, f"org {ORGS[case.org].name} ready")
        applies.append(
            (case, run_case(sandboxes[case.org], ORGS[case.org], case, report))
        )
    return applies


if __name__ == "__main__":
    sys.exit(main())

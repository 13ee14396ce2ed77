"""The typer app: every command and option, and the help they print.

`cli.main` is the way in; it runs `validate` and `schema` in their plain
forms itself and hands every other command line to ``run_app`` here.
Each command reads its arguments, calls one function of the layers below and
turns the result into output and an exit code.
"""

from __future__ import annotations

import enum
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from agora_okta import __version__, cli, redact
from agora_okta.cli import DEFAULT_FILE, colour, echo, err, load
from agora_okta.errors import AgoraOktaError, ExitCode

if TYPE_CHECKING:
    from agora_okta.plan import Plan

app = typer.Typer(
    name="agora-okta",
    help="Set up Okta to provision users and roles into Agora over SCIM, "
    "from one YAML file.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
secrets_app = typer.Typer(
    help="Store, list, show and delete secrets in the OS keyring.",
    no_args_is_help=True,
)
app.add_typer(secrets_app, name="secrets")


class Format(enum.StrEnum):
    TEXT = "text"
    MARKDOWN = "markdown"
    JSON = "json"


FileArg = Annotated[
    Path,
    typer.Argument(help="The file to read.", show_default=True),
]
SandboxOpt = Annotated[
    bool,
    typer.Option(
        "--sandbox",
        help="Run against a built-in sandbox seeded with the file's people and "
        "groups, instead of the file's Okta org.",
    ),
]
FormatOpt = Annotated[Format, typer.Option("--format", help="Output format.")]
SkipScimOpt = Annotated[
    bool,
    typer.Option(
        "--skip-scim-check",
        help="Do not probe Agora's SCIM endpoint before the console steps.",
    ),
]


@app.callback()
def _main(
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose", "-v", count=True, help="More logs on stderr (-vv: debug)."
        ),
    ] = 0,
    version: Annotated[
        bool, typer.Option("--version", help="Print the version.")
    ] = False,
) -> None:
    if version:
        echo(f"agora-okta {__version__}\n")
        raise typer.Exit(0)
    cli.setup_logging(verbose)


@app.command()
def validate(file: FileArg = DEFAULT_FILE) -> None:
    """Check the file offline: every problem at once, with file:line:col."""
    cli.validate(file)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the file, for editors."""
    cli.schema()


def _options(sandbox: bool, **extra: Any) -> Any:
    from agora_okta.engine import Options

    return Options(sandbox=sandbox, **extra)


def _render(plan: Plan, fmt: Format) -> str:
    from agora_okta import render

    if fmt is Format.JSON:
        return render.render_json(plan)
    if fmt is Format.MARKDOWN:
        return render.render_markdown(plan)
    return render.render_text(plan, colour=colour())


@app.command()
def plan(
    file: FileArg = DEFAULT_FILE,
    fmt: FormatOpt = Format.TEXT,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode",
            help="Exit 2 when there are changes (for CI drift checks).",
        ),
    ] = False,
    sandbox: SandboxOpt = False,
    skip_scim_check: SkipScimOpt = False,
) -> None:
    """Read the org and print what `apply` would do; change nothing."""
    from agora_okta import engine

    loaded = load(file)
    result = engine.make_plan(
        loaded, _options(sandbox, skip_scim_check=skip_scim_check)
    )
    echo(_render(result, fmt))
    if detailed_exitcode and result.has_changes:
        raise typer.Exit(ExitCode.CHANGES_PENDING)


class _ApplyEvents:
    """Shows the plan, asks, and draws the progress bar while apply works."""

    def __init__(self, fmt: Format, yes: bool) -> None:
        self.fmt = fmt
        self.yes = yes
        self._bar: Any = None

    def info(self, message: str) -> None:
        err(message)

    def show_plan(self, plan: Plan) -> None:
        echo(_render(plan, self.fmt))

    def confirm(self, plan: Plan) -> bool:
        if self.yes:
            return True
        if not sys.stdin.isatty():
            err("apply needs --yes when it cannot ask at a terminal.")
            raise typer.Exit(ExitCode.ERROR)
        return typer.confirm("Apply these changes?", default=False, err=True)

    def waiting_for_console(self, plan: Plan) -> None:
        err(
            f"Waiting for the manual steps in the Admin Console: {plan.console_url}\n"
            "Do the steps shown above; this run goes on once Okta shows them done "
            "(Ctrl-C stops, and the next apply goes on from there)."
        )

    def progress(self, done: int, total: int, seconds_left: float) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
        )

        if self._bar is None:
            self._bar = Progress(
                TextColumn("push groups and assignments"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[eta]}"),
                transient=False,
                console=_stderr_console(),
            )
            self._bar.start()
            self._task = self._bar.add_task("apply", total=total, eta="")
        # The budget's estimate: Okta's apps family allows about 50 requests a
        # minute, so a large apply is a matter of minutes or hours, and says so.
        eta = f"about {_duration(seconds_left)} left" if seconds_left >= 1 else ""
        self._bar.update(self._task, completed=done, eta=eta)
        if done >= total:
            self.close()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


@app.command()
def apply(
    file: FileArg = DEFAULT_FILE,
    yes: Annotated[
        bool, typer.Option("--yes", "-y", help="Apply without asking.")
    ] = False,
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Apply even when the plan removes over 30% of a list."
        ),
    ] = False,
    fmt: FormatOpt = Format.TEXT,
    sandbox: SandboxOpt = False,
    skip_scim_check: SkipScimOpt = False,
) -> None:
    """Make Okta match the file: the app, the console steps, push groups, then
    assignments. Running it twice changes nothing."""
    from agora_okta import engine, render

    loaded = load(file)
    options = _options(
        sandbox,
        interactive=sys.stdin.isatty(),
        force=force,
        skip_scim_check=skip_scim_check,
    )
    events = _ApplyEvents(fmt, yes)
    try:
        outcome = engine.apply(loaded, options, events)
    finally:
        # Ctrl-C or an error mid-apply: leave the terminal as it was.
        events.close()
    if not outcome.confirmed:
        err("Nothing applied.")
        return
    if outcome.plan.has_changes:
        err(render.applied(outcome.applied))
    if sandbox:
        err(
            "This was a rehearsal against a sandbox that is gone now; nothing was "
            f"sent to {loaded.config.okta.org_url}."
        )


@app.command("check-scim")
def check_scim(
    file: FileArg = DEFAULT_FILE,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait for each answer.")
    ] = 10.0,
) -> None:
    """Probe Agora's SCIM endpoint with the file's token, as Okta's "Test
    Connector Configuration" does. Read-only."""
    from agora_okta.scim_check import check_file_endpoint, render_report

    loaded = load(file)
    report = check_file_endpoint(loaded.config, timeout=timeout)
    echo(render_report(report, color=colour()).rstrip("\n") + "\n")
    if not report.ok:
        raise typer.Exit(ExitCode.ERROR)


@secrets_app.command("set")
def secrets_set(
    name: str,
    from_stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the value from standard input.")
    ] = False,
) -> None:
    """Store a secret in the OS keyring (asks for it without echo)."""
    from agora_okta import secrets

    if from_stdin:
        value = sys.stdin.readline().rstrip("\n")
    else:
        value = typer.prompt(f"Value for {name}", hide_input=True, err=True)
    if not value:
        raise AgoraOktaError("an empty secret was not stored")
    secrets.set_secret(name, redact.remember(value))
    err(f"Stored {name} in the OS keyring (service {secrets.KEYRING_SERVICE!r}).")


@secrets_app.command("list")
def secrets_list() -> None:
    """List the names of the secrets stored (never their values)."""
    from agora_okta import secrets

    names = secrets.list_secrets()
    echo("".join(f"{n}\n" for n in names) if names else "")
    if not names:
        err("No secrets stored.")


@secrets_app.command("show")
def secrets_show(name: str) -> None:
    """Print one secret, so that it can be pasted into the Admin Console."""
    from agora_okta import secrets

    value = secrets.get_secret(name)
    if value is None:
        raise AgoraOktaError(f"no secret named {name!r} in the OS keyring")
    # The one place a secret is printed: asked for by name, on stdout only.
    sys.stdout.write(value + "\n")


@secrets_app.command("delete")
def secrets_delete(name: str) -> None:
    """Remove a secret from the OS keyring."""
    from agora_okta import secrets

    if not secrets.delete_secret(name):
        raise AgoraOktaError(f"no secret named {name!r} in the OS keyring")
    err(f"Deleted {name}.")


def _latency(value: str) -> tuple[int, int]:
    low, _, high = value.partition("-")
    try:
        pair = (int(low), int(high or low))
    except ValueError:
        raise typer.BadParameter(
            "write MIN-MAX in milliseconds, e.g. 100-300"
        ) from None
    if pair[0] < 0 or pair[1] < pair[0]:
        raise typer.BadParameter("write MIN-MAX with 0 <= MIN <= MAX")
    return pair


class RateLimits(enum.StrEnum):
    REALISTIC = "realistic"
    OFF = "off"


@app.command()
def sandbox(
    port: Annotated[
        int, typer.Option(help="Port to listen on (0: any free port).")
    ] = 8080,
    seed: Annotated[
        Path | None, typer.Option(help="YAML or JSON file of users, groups and apps.")
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(help="The API token to accept (default: a fixed dev token)."),
    ] = None,
    rate_limits: Annotated[
        RateLimits, typer.Option(help="Okta's rate limits.")
    ] = RateLimits.REALISTIC,
    time_scale: Annotated[
        float, typer.Option(help="Sandbox seconds that pass in one real second.")
    ] = 1.0,
    latency_ms: Annotated[
        str, typer.Option(help="Latency per request, MIN-MAX ms.")
    ] = "0-0",
    fault_rate: Annotated[
        float, typer.Option(help="Share of requests answered 5xx/429.")
    ] = 0.0,
    drop_rate: Annotated[
        float, typer.Option(help="Share of requests made, then their answer dropped.")
    ] = 0.0,
    random_seed: Annotated[
        int | None, typer.Option(help="Makes faults reproducible.")
    ] = None,
    request_log: Annotated[
        Path | None, typer.Option(help="Write one JSON line per request here.")
    ] = None,
    provisioning_api: Annotated[
        bool,
        typer.Option(
            help="Answer the connections and features APIs as for a "
            "catalogue app that supports provisioning."
        ),
    ] = False,
) -> None:
    """Serve a local Okta org to rehearse against, until Ctrl-C."""
    from agora_okta.sandbox import DEV_TOKEN, Sandbox, SandboxSettings, load_seed

    for name, rate in (("--fault-rate", fault_rate), ("--drop-rate", drop_rate)):
        if not 0 <= rate <= 1:
            raise typer.BadParameter(f"{name} takes a share between 0 and 1")
    if time_scale <= 0:
        raise typer.BadParameter("--time-scale must be above 0")
    settings = SandboxSettings(
        port=port,
        seed=load_seed(seed) if seed else None,
        token=token or DEV_TOKEN,
        rate_limits=rate_limits.value,
        time_scale=time_scale,
        latency_ms=_latency(latency_ms),
        fault_rate=fault_rate,
        drop_rate=drop_rate,
        random_seed=random_seed,
        request_log=request_log,
        provisioning_api=provisioning_api,
    )
    server = Sandbox(settings).start()
    shown = "the token given with --token" if token else f"token {DEV_TOKEN}"
    err(
        f"Okta sandbox serving {server.url} ({shown}).\n"
        f"Console stand-in: POST {server.url}/console/apps/APP_ID/provisioning, "
        f"GET {server.url}/console/requests, POST {server.url}/console/reset.\n"
        "Ctrl-C stops it."
    )
    server.serve_forever()


def run_app(args: list[str]) -> int:
    """Run the command line through typer; errors of the layers below go up
    to `cli.main`, which reports them."""
    try:
        result = app(args=args, prog_name="agora-okta", standalone_mode=False)
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.Abort:
        err("Interrupted.")
        return ExitCode.INTERRUPTED
    except typer.TyperException as error:
        # Usage errors: typer's own message and usage line, then exit 1.
        show = getattr(error, "show", None)
        if show is not None:
            show(file=sys.stderr)
        else:
            err(f"error: {error.format_message()}")
        return ExitCode.ERROR
    if result == ExitCode.INTERRUPTED:
        # typer turns Ctrl-C into exit code 130 without a word.
        err(cli.INTERRUPTED)
    return int(result) if isinstance(result, int) else ExitCode.OK

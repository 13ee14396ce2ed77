"""The command line: the only module that prints or exits.

Each command reads its arguments, calls one function of the layers below and
turns the result into output and an exit code. Exit codes (README):
0 success or nothing to do, 1 error (usage errors included), 2 changes
pending (``--detailed-exitcode``), 3 manual steps pending, 130 interrupted.
"""

from __future__ import annotations

import enum
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

# typer 0.29 builds a pydantic TypeAdapter for each option of the command that
# runs: with pydantic's import, about 0.12 s of validate's 0.33 s start-up,
# which keeps `validate` and `schema` at the 0.3 s line rather than under it.
# Everything else (the file's models, the okta SDK, rich) is imported inside
# the commands that need it.
import typer

from agora_okta import __version__, redact
from agora_okta.errors import AgoraOktaError, ExitCode

if TYPE_CHECKING:
    from agora_okta.config import LoadedConfig
    from agora_okta.plan import Plan

log = logging.getLogger(__name__)

DEFAULT_FILE = Path("agora-okta.yaml")

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


def _echo(text: str) -> None:
    sys.stdout.write(redact.scrub(text))
    sys.stdout.flush()


def _err(text: str) -> None:
    sys.stderr.write(redact.scrub(text) + "\n")
    sys.stderr.flush()


def _colour(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    return stream.isatty() and "NO_COLOR" not in os.environ


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
        _echo(f"agora-okta {__version__}\n")
        raise typer.Exit(0)
    _setup_logging(verbose)


# The handler the last call of _setup_logging installed (main may run often).
_handler: logging.Handler | None = None
# Levels a run changed, to be put back when it ends.
_levels: dict[str, int] = {}


def _setup_logging(verbose: int) -> None:
    global _handler
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbose, 2)]
    _scrub_every_record()
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(redact.RedactingFilter())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    _restore_logging()
    _handler = handler
    root = logging.getLogger()
    root.addHandler(handler)
    _set_level(root, level)
    # aiohttp and asyncio say little of use, even at debug.
    _set_level(logging.getLogger("asyncio"), max(level, logging.INFO))
    # The okta SDK logs every lost connection as an error with a traceback;
    # the tool retries and tells what happened in its own words, so the
    # SDK's lines show only at debug (-vv).
    sdk = logging.getLogger("okta-sdk-python")
    _set_level(sdk, logging.DEBUG if verbose >= 2 else logging.CRITICAL + 1)


def _set_level(logger: logging.Logger, level: int) -> None:
    _levels.setdefault(logger.name, logger.level)
    logger.setLevel(level)


def _restore_logging() -> None:
    """Logging as it was before: only our own handler and levels are undone;
    others' handlers (an embedding program's, a test's) stay."""
    global _handler
    if _handler is not None:
        logging.getLogger().removeHandler(_handler)
        _handler = None
    for name, level in _levels.items():
        logging.getLogger(None if name == "root" else name).setLevel(level)
    _levels.clear()


def _scrub_every_record() -> None:
    """Scrub secrets from every log record as it is made, whoever logs it.

    A filter on our handler covers what we print; this covers every other
    handler too (the okta SDK logs request headers at DEBUG, tokens included).
    """
    make = logging.getLogRecordFactory()
    if getattr(make, "scrubs_secrets", False):
        return
    scrub = redact.RedactingFilter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            scrub.filter(record)
        except Exception:  # a malformed call: the handler's filter tries again
            return record
        if record.stack_info:
            record.stack_info = redact.scrub(record.stack_info)
        return record

    factory.scrubs_secrets = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def _load(path: Path) -> LoadedConfig:
    from agora_okta.config import load_config

    loaded = load_config(path)
    for warning in loaded.warnings:
        _err(f"warning: {warning}")
    return loaded


@app.command()
def validate(file: FileArg = DEFAULT_FILE) -> None:
    """Check the file offline: every problem at once, with file:line:col."""
    loaded = _load(file)
    config = loaded.config
    _echo(
        f"{file}: valid. App {config.app.label!r}, {len(config.push_groups)} push "
        f"group(s), {len(config.assign.groups)} group and "
        f"{len(config.assign.people)} person assignment(s), "
        f"prune {'on' if config.prune else 'off'}.\n"
    )


@app.command()
def schema() -> None:
    """Print the JSON Schema of the file, for editors."""
    import json

    from agora_okta.config import config_json_schema

    _echo(json.dumps(config_json_schema(), indent=2) + "\n")


def _options(sandbox: bool, **extra: Any) -> Any:
    from agora_okta.engine import Options

    return Options(sandbox=sandbox, **extra)


def _render(plan: Plan, fmt: Format) -> str:
    from agora_okta import render

    if fmt is Format.JSON:
        return render.render_json(plan)
    if fmt is Format.MARKDOWN:
        return render.render_markdown(plan)
    return render.render_text(plan, colour=_colour())


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

    loaded = _load(file)
    result = engine.make_plan(
        loaded, _options(sandbox, skip_scim_check=skip_scim_check)
    )
    _echo(_render(result, fmt))
    if detailed_exitcode and result.has_changes:
        raise typer.Exit(ExitCode.CHANGES_PENDING)


class _ApplyEvents:
    """Shows the plan, asks, and draws the progress bar while apply works."""

    def __init__(self, fmt: Format, yes: bool) -> None:
        self.fmt = fmt
        self.yes = yes
        self._bar: Any = None

    def info(self, message: str) -> None:
        _err(message)

    def show_plan(self, plan: Plan) -> None:
        _echo(_render(plan, self.fmt))

    def confirm(self, plan: Plan) -> bool:
        if self.yes:
            return True
        if not sys.stdin.isatty():
            _err("apply needs --yes when it cannot ask at a terminal.")
            raise typer.Exit(ExitCode.ERROR)
        return typer.confirm("Apply these changes?", default=False, err=True)

    def waiting_for_console(self, plan: Plan) -> None:
        _err(
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
                TextColumn("applying"),
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

    loaded = _load(file)
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
        _err("Nothing applied.")
        return
    if outcome.plan.has_changes:
        _err(render.applied(outcome.applied))
    if sandbox:
        _err(
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

    loaded = _load(file)
    report = check_file_endpoint(loaded.config, timeout=timeout)
    _echo(render_report(report, color=_colour()).rstrip("\n") + "\n")
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
    _err(f"Stored {name} in the OS keyring (service {secrets.KEYRING_SERVICE!r}).")


@secrets_app.command("list")
def secrets_list() -> None:
    """List the names of the secrets stored (never their values)."""
    from agora_okta import secrets

    names = secrets.list_secrets()
    _echo("".join(f"{n}\n" for n in names) if names else "")
    if not names:
        _err("No secrets stored.")


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
    _err(f"Deleted {name}.")


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
    _err(
        f"Okta sandbox serving {server.url} ({shown}).\n"
        f"Console stand-in: POST {server.url}/console/apps/APP_ID/provisioning, "
        f"GET {server.url}/console/requests, POST {server.url}/console/reset.\n"
        "Ctrl-C stops it."
    )
    server.serve_forever()


_INTERRUPTED = (
    "Interrupted: stopped between requests. Run the same command again to "
    "finish; it reads Okta first and goes on from there."
)


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code (the tests call this)."""
    try:
        return _run(argv)
    finally:
        # A later run in this process, or a thread still at work, must not
        # write to a stream this run was given.
        _restore_logging()


def _run(argv: list[str] | None) -> int:
    try:
        result = app(args=argv, prog_name="agora-okta", standalone_mode=False)
    except typer.Exit as done:
        return int(done.exit_code)
    except typer.Abort:
        _err("Interrupted.")
        return ExitCode.INTERRUPTED
    except typer.TyperException as error:
        # Usage errors: typer's own message and usage line, then exit 1.
        show = getattr(error, "show", None)
        if show is not None:
            show(file=sys.stderr)
        else:
            _err(f"error: {error.format_message()}")
        return ExitCode.ERROR
    except KeyboardInterrupt:
        _err(_INTERRUPTED)
        return ExitCode.INTERRUPTED
    except AgoraOktaError as error:
        interrupted = error.exit_code == ExitCode.INTERRUPTED
        _err(("" if interrupted else "error: ") + _with_notes(error))
        return int(error.exit_code)
    except Exception as error:
        # A bug, not the user's doing: one line and how to see more, never a
        # traceback (which -vv logs, scrubbed like every log line).
        log.debug("main: unexpected error", exc_info=True)
        _err(
            f"error: unexpected {type(error).__name__}: {_with_notes(error)}\n"
            "This is a bug in agora-okta; run the command again with -vv to see "
            "where it happened, and report it."
        )
        return ExitCode.ERROR
    if result == ExitCode.INTERRUPTED:
        # typer turns Ctrl-C into exit code 130 without a word.
        _err(_INTERRUPTED)
    return int(result) if isinstance(result, int) else ExitCode.OK


def _with_notes(error: BaseException) -> str:
    """The message and any notes added on the way up (e.g. apply's progress)."""
    return "\n".join([str(error), *getattr(error, "__notes__", [])])


def run() -> None:
    sys.exit(main())
